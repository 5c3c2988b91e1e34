package dev.skbscope.server.rest;

import dev.skbscope.server.ApiException;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;

/**
 * Who may call the API: with a token configured, requests must carry it ({@code Authorization:
 * Bearer T} or {@code ?token=T}); browsers on other origins than the server's own or a loopback dev
 * server are refused, so a web page cannot drive a local server. Immutable, thread-safe.
 */
public final class AccessGuard {
    private static final Pattern LOOPBACK_ORIGIN =
            Pattern.compile("https?://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d{1,5})?");
    private final String token;

    public AccessGuard(String token) {
        this.token = token;
    }

    public boolean tokenRequired() { return token != null; }

    /** True for origins allowed cross-origin access (dev servers on this host). */
    public static boolean loopbackOrigin(String origin) {
        return origin != null && LOOPBACK_ORIGIN.matcher(origin).matches();
    }

    /** Javalin before-handler for protected paths. */
    public void check(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin != null) {
            if (loopbackOrigin(origin) || sameOrigin(ctx, origin)) {
                ctx.header("Access-Control-Allow-Origin", origin);
                ctx.header("Access-Control-Allow-Credentials", "true");
                ctx.header("Access-Control-Allow-Methods", "GET,POST,PUT,DELETE,OPTIONS");
                ctx.header("Access-Control-Allow-Headers", "content-type, authorization");
                ctx.header("Vary", "Origin");
            } else {
                throw new ApiException(403, "cross-origin request from " + origin + " refused");
            }
        }
        if (ctx.method().name().equals("OPTIONS")) return;
        if (token == null) return;
        String given = null;
        String auth = ctx.header("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) given = auth.substring(7).strip();
        if (given == null) given = ctx.queryParam("token");
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8)))
            throw new ApiException(401, "unauthorized: pass the server's token as 'Authorization: Bearer <token>' or ?token=<token>");
    }

    private static boolean sameOrigin(Context ctx, String origin) {
        String host = ctx.header("Host");
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }
}

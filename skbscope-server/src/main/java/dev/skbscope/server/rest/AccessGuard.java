package dev.skbscope.server.rest;

import dev.skbscope.server.ApiException;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The access token: with one configured, REST and metrics requests must carry it
 * ({@code Authorization: Bearer T} or {@code ?token=T}). Host and Origin are checked for every
 * route before this, by {@link dev.skbscope.server.http.HostOriginGuard}. Immutable, thread-safe.
 */
public final class AccessGuard {
    private final String token;

    public AccessGuard(String token) {
        this.token = token;
    }

    public boolean tokenRequired() { return token != null; }

    /** Whether {@code given} is the server's token (false when none is configured). Constant time. */
    public boolean tokenMatches(String given) {
        return token != null && given != null
                && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    /** Javalin before-handler for protected paths. */
    public void check(Context ctx) {
        if (ctx.method().name().equals("OPTIONS")) return;
        if (token == null) return;
        String given = null;
        String auth = ctx.header("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) given = auth.substring(7).strip();
        if (given == null) given = ctx.queryParam("token");
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8)))
            throw new ApiException(401, "unauthorized: pass the server's token as 'Authorization: Bearer <token>' or ?token=<token>");
    }
}

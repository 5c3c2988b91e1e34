package dev.skbscope.cli.remote;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a skbscope server listens and the token it wants; immutable. The URL is taken as typed
 * ({@code http://127.0.0.1:5000}, {@code 127.0.0.1:5000}, {@code localhost:5000}); no name is resolved
 * here (the HTTP client connects to what it was given). The token comes from {@code --token} or, so
 * that it does not show in the process list, from the {@code SKBSCOPE_TOKEN} environment variable.
 */
public record ServerAddress(URI base, String token) {
    public static final String DEFAULT_URL = "http://127.0.0.1:5000";
    public static final String TOKEN_ENV = "SKBSCOPE_TOKEN";

    /** @throws IllegalArgumentException naming what is wrong with {@code url} */
    public static ServerAddress parse(String url, String token) {
        String u = url == null || url.isBlank() ? DEFAULT_URL : url.strip();
        if (!u.contains("://")) u = "http://" + u;
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) throw new IllegalArgumentException("not an http(s) URL: " + url);
        if (uri.getHost() == null) throw new IllegalArgumentException("no host in " + url);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        try {
            uri = new URI(scheme, null, uri.getHost(), uri.getPort(), path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url);
        }
        String t = token;
        if (t == null || t.isEmpty()) t = System.getenv(TOKEN_ENV);
        return new ServerAddress(uri, t == null || t.isEmpty() ? null : t);
    }

    /** The absolute URL of an API path such as {@code /api/sessions}. */
    public URI resolve(String path) { return URI.create(base.toString() + path); }

    /** {@code host:port} for messages. */
    public String display() {
        return base.getHost() + (base.getPort() > 0 ? ":" + base.getPort() : "");
    }
}

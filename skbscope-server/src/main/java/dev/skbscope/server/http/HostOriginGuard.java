package dev.skbscope.server.http;

import dev.skbscope.server.ServerConfig;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Refuses requests whose {@code Host} or {@code Origin} header shows they come from a web page that
 * must not drive this server, on every route (REST, Socket.IO polling and websocket upgrades,
 * static files, metrics). Immutable and thread-safe; runs on container threads.
 *
 * <p>Why both: a page on another site makes the browser send its own {@code Origin}, which is
 * refused unless it is this server's origin, a loopback origin (a UI dev server) or one given
 * with {@code --allow-origin}. A DNS-rebinding page makes its origin look like ours (its name now
 * points at 127.0.0.1), so the {@code Host} it sends is its own name: only loopback literals,
 * {@code localhost} and names given with {@code --allow-host} are accepted, plus, when listening
 * beyond loopback (a token is then required), any IP literal. A request without {@code Origin}
 * (curl, scripts) is not from a cross-site page and needs only a good {@code Host}.
 */
public final class HostOriginGuard implements Filter {
    private final boolean loopbackOnly;
    private final boolean anyHost;
    private final Set<String> allowHosts;
    private final Set<String> allowOrigins;

    public HostOriginGuard(boolean loopbackOnly, ServerConfig.Access access) {
        this.loopbackOnly = loopbackOnly;
        this.anyHost = access.allowHosts().contains("*");
        this.allowHosts = access.allowHosts().stream().map(HostOriginGuard::hostKey).collect(Collectors.toUnmodifiableSet());
        this.allowOrigins = access.allowOrigins().stream().map(HostOriginGuard::originKey)
                .filter(o -> o != null).collect(Collectors.toUnmodifiableSet());
    }

    /** A normalised origin ({@code scheme://host[:port]}, lower case, default port dropped), or null if it is not one. */
    public static String originKey(String origin) {
        if (origin == null || origin.length() > 300) return null;
        URI u;
        try {
            u = new URI(origin);
        } catch (java.net.URISyntaxException e) {
            return null;
        }
        String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) return null;
        if (u.getRawUserInfo() != null || (u.getRawPath() != null && !u.getRawPath().isEmpty())
                || u.getRawQuery() != null || u.getRawFragment() != null || u.getHost() == null) return null;
        int port = u.getPort();
        if (port == defaultPort(scheme)) port = -1;
        return scheme + "://" + hostKey(u.getHost()) + (port < 0 ? "" : ":" + port);
    }

    private static int defaultPort(String scheme) { return "https".equals(scheme) ? 443 : 80; }

    /** A host name as compared: lower case, without a trailing dot or IPv6 brackets. */
    static String hostKey(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        return h;
    }

    /** The host part of a Host header value (no port, no brackets), or null when malformed. */
    static String hostOfHeader(String header) {
        String h = header.strip();
        if (h.isEmpty() || h.length() > 255) return null;
        String host;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) return null;
            host = h.substring(1, close);
            String rest = h.substring(close + 1);
            if (!rest.isEmpty() && !rest.matches(":\\d{1,5}")) return null;
        } else {
            int colon = h.indexOf(':');
            host = colon < 0 ? h : h.substring(0, colon);
            if (colon >= 0 && !h.substring(colon).matches(":\\d{1,5}")) return null;
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9._:-]+")) return null;
        return hostKey(host);
    }

    /** Whether a request naming this host (from its Host header) may be served. */
    boolean hostAllowed(String host) {
        if (host == null) return false;
        if (anyHost || allowHosts.contains(host)) return true;
        if (host.equals("localhost") || host.endsWith(".localhost")) return true;
        if (!isIpLiteral(host)) return false;
        return !loopbackOnly || ServerConfig.isLoopback(host);
    }

    private static boolean isIpLiteral(String host) {
        try {
            dev.skbscope.engine.filter.Cidr.parse(host);
            return host.indexOf('/') < 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Loopback origins: a UI dev server on this machine. */
    static boolean loopbackOrigin(String key) {
        int sep = key.indexOf("://");
        String hostPort = key.substring(sep + 3);
        String host = hostPort.startsWith("[") ? hostPort.substring(1, hostPort.indexOf(']'))
                : hostPort.contains(":") ? hostPort.substring(0, hostPort.indexOf(':')) : hostPort;
        return host.equals("localhost") || host.endsWith(".localhost") || ServerConfig.isLoopback(host);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        String hostHeader = req.getHeader("Host");
        if (hostHeader != null) {
            String host = hostOfHeader(hostHeader);
            if (!hostAllowed(host)) {
                JsonError.write(res, 403, "Host: " + Echo.of(hostHeader) + " is not a name this server answers to"
                        + " (loopback addresses, localhost" + (loopbackOnly ? "" : ", IP addresses")
                        + " and names given with --allow-host); a web page must not reach a local skbscope");
                return;
            }
        }
        String origin = req.getHeader("Origin");
        if (origin != null) {
            String key = originKey(origin);
            boolean same = key != null && hostHeader != null && sameOrigin(key, req.isSecure() ? "https" : "http", hostHeader);
            if (key == null || !(same || loopbackOrigin(key) || allowOrigins.contains(key))) {
                JsonError.write(res, 403, "Origin: " + Echo.of(origin) + " may not use this server (allowed: its own origin, "
                        + "loopback origins and origins given with --allow-origin)");
                return;
            }
            if (!same) {
                res.setHeader("Access-Control-Allow-Origin", origin);
                res.setHeader("Access-Control-Allow-Credentials", "true");
                res.setHeader("Access-Control-Allow-Methods", "GET,POST,PUT,DELETE,OPTIONS");
                res.setHeader("Access-Control-Allow-Headers", "origin, content-type, accept, authorization");
                res.addHeader("Vary", "Origin");
            }
        }
        chain.doFilter(request, response);
    }

    private static boolean sameOrigin(String originKey, String scheme, String hostHeader) {
        String host = hostOfHeader(hostHeader);
        if (host == null) return false;
        String h = hostHeader.strip();
        int portSep = h.lastIndexOf(':');
        int port = -1;
        if (portSep > h.lastIndexOf(']')) port = Integer.parseInt(h.substring(portSep + 1));
        // the Origin's scheme is the page's; behind a TLS proxy our own request says http
        for (String s : new String[] {scheme, "http", "https"}) {
            int p = port == defaultPort(s) ? -1 : port;
            String mine = s + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (p < 0 ? "" : ":" + p);
            if (mine.equals(originKey)) return true;
        }
        return false;
    }
}

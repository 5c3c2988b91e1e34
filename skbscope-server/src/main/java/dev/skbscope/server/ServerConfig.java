package dev.skbscope.server;

import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.server.history.HistoryTiers;
import dev.skbscope.server.metrics.MetricsPolicy;

import java.net.URI;

import java.nio.file.Path;
import java.util.List;

/**
 * Immutable settings of one server instance.
 *
 * @param listen       address to bind (loopback unless a token is set)
 * @param port         TCP port; 0 picks a free one (tests)
 * @param token        access token, or null when only loopback clients can reach us
 * @param dataDir      where sessions are kept ({@code sessions/<id>/}) and recordings are looked up ({@code recordings/})
 * @param allowDirs    further directories replay sessions may read recordings from
 * @param maxSessions  sessions that may run at once
 * @param maxBodyBytes largest request body accepted
 * @param emitMillis   interval of {@code session_stats_update} (spec: 1 s)
 * @param persistMillis interval at which running sessions' stats are checkpointed to disk
 * @param history      how long history is kept at which resolution
 * @param metrics      bounds on what {@code /metrics} exports
 * @param prometheus   a Prometheus that scrapes skbscope hosts, for the Hosts page; null: none
 * @param access       which Host and Origin values requests may carry
 * @param limits       timeouts and rates that bound what one client can hold
 */
public record ServerConfig(String listen, int port, String token, Path dataDir, List<Path> allowDirs,
                           int maxSessions, long maxBodyBytes, long emitMillis, long persistMillis, HistoryTiers history,
                           MetricsPolicy metrics, URI prometheus, Access access, Limits limits) {
    public static final int DEFAULT_PORT = 5000;
    public static final int DEFAULT_MAX_SESSIONS = 64;

    /**
     * Host and Origin values accepted besides the defaults (see {@code HostOriginGuard}).
     *
     * @param allowHosts   host names a request's {@code Host} may carry (a reverse proxy's or this machine's name)
     * @param allowOrigins origins ({@code scheme://host[:port]}) browsers may call from besides the server's own
     */
    public record Access(List<String> allowHosts, List<String> allowOrigins) {
        public static final Access DEFAULT = new Access(List.of(), List.of());

        public Access {
            allowHosts = List.copyOf(allowHosts);
            allowOrigins = List.copyOf(allowOrigins);
        }
    }

    /**
     * @param idleMillis           an HTTP connection that sends nothing for this long is closed (a request
     *                             whose body never arrives gets 408)
     * @param handshakesPerSecond  Socket.IO handshakes without a valid token one address may open per second
     * @param handshakeBurst       ... and at once
     * @param connectTimeoutMillis an engine.io connection that has not joined the Socket.IO namespace by then is closed
     * @param pingIntervalMillis   engine.io ping interval (clients answer each ping)
     * @param pingTimeoutMillis    a client silent for the ping interval plus this long is closed
     */
    public record Limits(long idleMillis, double handshakesPerSecond, int handshakeBurst, long connectTimeoutMillis,
                         long pingIntervalMillis, long pingTimeoutMillis) {
        public static final Limits DEFAULT = new Limits(30_000, 100, 300, 10_000, 25_000, 20_000);

        public Limits {
            if (idleMillis < 100 || connectTimeoutMillis < 100 || pingIntervalMillis < 100 || pingTimeoutMillis < 100)
                throw new IllegalArgumentException("timeouts must be >= 100 ms");
            if (!(handshakesPerSecond > 0) || handshakeBurst < 1) throw new IllegalArgumentException("handshake limits must be positive");
        }

        public Limits withIdle(long ms) {
            return new Limits(ms, handshakesPerSecond, handshakeBurst, connectTimeoutMillis, pingIntervalMillis, pingTimeoutMillis);
        }

        public Limits withHandshakes(double perSecond, int burst) {
            return new Limits(idleMillis, perSecond, burst, connectTimeoutMillis, pingIntervalMillis, pingTimeoutMillis);
        }

        public Limits withTimeouts(long connect, long pingInterval, long pingTimeout) {
            return new Limits(idleMillis, handshakesPerSecond, handshakeBurst, connect, pingInterval, pingTimeout);
        }
    }

    public ServerConfig {
        allowDirs = List.copyOf(allowDirs);
        if (history == null) history = HistoryTiers.DEFAULT;
        if (maxSessions < 1) throw new IllegalArgumentException("maxSessions must be >= 1");
        if (emitMillis < 10 || persistMillis < 10) throw new IllegalArgumentException("intervals must be >= 10 ms");
    }

    /** Defaults of {@code skbscope serve} for a data directory. */
    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig("127.0.0.1", DEFAULT_PORT, null, dataDir, List.of(), DEFAULT_MAX_SESSIONS,
                1 << 20, 1000, 500, HistoryTiers.DEFAULT, MetricsPolicy.DEFAULT, null, Access.DEFAULT, Limits.DEFAULT);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(listen, p, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus, access, limits);
    }

    public ServerConfig withListen(String l, String t) {
        return new ServerConfig(l, port, t, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus, access, limits);
    }

    public ServerConfig withAllowDirs(List<Path> dirs) {
        return new ServerConfig(listen, port, token, dataDir, dirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus, access, limits);
    }

    public ServerConfig withMaxSessions(int n) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, n, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus, access, limits);
    }

    public ServerConfig withIntervals(long emit, long persist) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emit, persist, history, metrics, prometheus, access, limits);
    }

    public ServerConfig withHistory(HistoryTiers h) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, h, metrics, prometheus, access, limits);
    }

    public ServerConfig withMetrics(MetricsPolicy m) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, m, prometheus, access, limits);
    }

    public ServerConfig withPrometheus(URI p) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, p, access, limits);
    }

    public ServerConfig withAccess(Access a) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus, a, limits);
    }

    public ServerConfig withLimits(Limits l) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus, access, l);
    }

    /** True when the listen address only accepts connections from this host ({@code localhost} or a loopback literal). */
    public boolean loopbackOnly() {
        return isLoopback(listen);
    }

    /** Whether a host text is {@code localhost} or a loopback address literal (127.0.0.0/8, ::1); never resolves. */
    public static boolean isLoopback(String host) {
        if (host == null) return false;
        if (host.equalsIgnoreCase("localhost")) return true;
        try {
            Cidr c = Cidr.parse(host);
            return c.ipVersion() == 4 ? (c.lo() >>> 24) == 127 : c.hi() == 0 && c.lo() == 1;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

package dev.skbscope.server;

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
 * @param persistMillis interval at which running sessions' {@code stats.json} is rewritten
 * @param history      how long history is kept at which resolution
 * @param metrics      bounds on what {@code /metrics} exports
 * @param prometheus   a Prometheus that scrapes skbscope hosts, for the Hosts page; null: none
 */
public record ServerConfig(String listen, int port, String token, Path dataDir, List<Path> allowDirs,
                           int maxSessions, long maxBodyBytes, long emitMillis, long persistMillis, HistoryTiers history,
                           MetricsPolicy metrics, URI prometheus) {
    public static final int DEFAULT_PORT = 5000;
    public static final int DEFAULT_MAX_SESSIONS = 64;

    public ServerConfig {
        allowDirs = List.copyOf(allowDirs);
        if (history == null) history = HistoryTiers.DEFAULT;
        if (maxSessions < 1) throw new IllegalArgumentException("maxSessions must be >= 1");
        if (emitMillis < 10 || persistMillis < 10) throw new IllegalArgumentException("intervals must be >= 10 ms");
    }

    /** Defaults of {@code skbscope serve} for a data directory. */
    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig("127.0.0.1", DEFAULT_PORT, null, dataDir, List.of(), DEFAULT_MAX_SESSIONS,
                1 << 20, 1000, 3000, HistoryTiers.DEFAULT, MetricsPolicy.DEFAULT, null);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(listen, p, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus);
    }

    public ServerConfig withListen(String l, String t) {
        return new ServerConfig(l, port, t, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus);
    }

    public ServerConfig withAllowDirs(List<Path> dirs) {
        return new ServerConfig(listen, port, token, dataDir, dirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus);
    }

    public ServerConfig withMaxSessions(int n) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, n, maxBodyBytes, emitMillis, persistMillis, history, metrics, prometheus);
    }

    public ServerConfig withIntervals(long emit, long persist) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emit, persist, history, metrics, prometheus);
    }

    public ServerConfig withHistory(HistoryTiers h) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, h, metrics, prometheus);
    }

    public ServerConfig withMetrics(MetricsPolicy m) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, m, prometheus);
    }

    public ServerConfig withPrometheus(URI p) {
        return new ServerConfig(listen, port, token, dataDir, allowDirs, maxSessions, maxBodyBytes, emitMillis, persistMillis, history, metrics, p);
    }

    /** True when the listen address only accepts connections from this host. */
    public boolean loopbackOnly() {
        return listen.equals("127.0.0.1") || listen.equals("::1") || listen.equals("localhost")
                || listen.startsWith("127.");
    }
}

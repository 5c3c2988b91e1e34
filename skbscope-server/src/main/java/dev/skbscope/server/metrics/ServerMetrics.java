package dev.skbscope.server.metrics;

import io.prometheus.metrics.core.metrics.Histogram;

/** Metrics the server itself updates (not derived from snapshots). Thread-safe. */
public final class ServerMetrics {
    /** Duration of one Socket.IO emit tick (all rooms), seconds. */
    public final Histogram emitLoopSeconds = Histogram.builder()
            .name("skbscope_socketio_emit_loop_seconds")
            .help("Duration of one session_stats_update emit tick over all rooms")
            .classicOnly()
            .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1)
            .build();
}

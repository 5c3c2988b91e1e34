package dev.skbscope.server.metrics;

import io.prometheus.metrics.core.metrics.Histogram;

/** Metrics the server itself updates (not derived from snapshots). Thread-safe. */
public final class ServerMetrics {
    /** Fine enough below 10 ms that a percentile read off the buckets is a figure, not just a bound. */
    private static final double[] BOUNDS = {0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.004,
            0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1};
    /** Duration of one Socket.IO emit tick (all rooms), seconds. */
    public final Histogram emitLoopSeconds = Histogram.builder()
            .name("skbscope_socketio_emit_loop_seconds")
            .help("Duration of one session_stats_update emit tick over all rooms")
            .classicOnly()
            .classicUpperBounds(BOUNDS)
            .build();
    /** How late an emit tick started after its deadline, seconds (what clients see as interval jitter). */
    public final Histogram emitLateSeconds = Histogram.builder()
            .name("skbscope_socketio_emit_late_seconds")
            .help("How late a session_stats_update emit tick started after its 1 s deadline")
            .classicOnly()
            .classicUpperBounds(BOUNDS)
            .build();
}

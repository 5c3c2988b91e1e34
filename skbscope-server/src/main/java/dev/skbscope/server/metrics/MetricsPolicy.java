package dev.skbscope.server.metrics;

import java.time.Duration;

/**
 * Bounds on what {@code /metrics} exports, so that the number of series a Prometheus stores for one
 * skbscope stays bounded whatever clients do (docs/operations.md states the worst case). Immutable.
 *
 * @param maxSessions    sessions exported at once: running ones first (oldest first), then stopped ones
 *                       (most recently stopped first); the rest are counted in
 *                       {@code skbscope_metrics_omitted_sessions}
 * @param grace          how long a stopped session's series stay after it stops (its last values reach
 *                       the next scrapes, so {@code rate()} and {@code increase()} see its end); then they go
 * @param maxDropSeries  {@code (node, reason)} pairs of {@code skbscope_drops_total} per session; pairs
 *                       first seen past this many are summed into {@code reason="other"} of their node
 */
public record MetricsPolicy(int maxSessions, Duration grace, int maxDropSeries) {
    public static final MetricsPolicy DEFAULT = new MetricsPolicy(64, Duration.ofMinutes(5), 64);

    public MetricsPolicy {
        if (maxSessions < 0 || maxSessions > 1024) throw new IllegalArgumentException("metrics max sessions must be within 0..1024");
        if (grace.isNegative()) throw new IllegalArgumentException("metrics grace must be >= 0");
        if (maxDropSeries < 1 || maxDropSeries > 4096) throw new IllegalArgumentException("metrics drop series must be within 1..4096");
    }
}

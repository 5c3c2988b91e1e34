package dev.skbscope.engine.alert;

import dev.skbscope.engine.StatsSnapshot.LatencyBuckets;

import java.util.List;

/**
 * Quantiles of latency samples counted in the fixed {@link LatencyBuckets} bounds, computed the way
 * Prometheus' {@code histogram_quantile} does (linear within the bucket holding the rank, the
 * first bucket starting at 0, a rank in the +Inf bucket answered by the highest finite bound), so an
 * in-process value equals the PromQL one over the same counts. Stateless and thread-safe.
 */
public final class LatencyQuantile {
    private static final List<Double> BOUNDS = LatencyBuckets.UPPER_BOUNDS_US;

    private LatencyQuantile() { }

    /**
     * The {@code q} quantile in µs of samples counted per bucket ({@code counts[i]} samples at or
     * below {@code UPPER_BOUNDS_US[i]} and above the bound before; not cumulative), or NaN when
     * there are no samples.
     */
    public static double of(long[] counts, double q) {
        if (counts.length != BOUNDS.size()) throw new IllegalArgumentException("need " + BOUNDS.size() + " buckets");
        long total = 0;
        for (long c : counts) total += Math.max(0, c);
        if (total == 0) return Double.NaN;
        if (q <= 0) return 0;
        double rank = q * total;
        long below = 0;
        for (int i = 0; i < counts.length; i++) {
            long c = Math.max(0, counts[i]);
            if (below + c >= rank && c > 0) {
                if (i == counts.length - 1) return BOUNDS.get(counts.length - 2);
                double start = i == 0 ? 0 : BOUNDS.get(i - 1);
                double end = BOUNDS.get(i);
                return start + (end - start) * ((rank - below) / c);
            }
            below += c;
        }
        return BOUNDS.get(counts.length - 2);
    }
}

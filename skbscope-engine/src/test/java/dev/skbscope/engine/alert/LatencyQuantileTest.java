package dev.skbscope.engine.alert;

import dev.skbscope.engine.StatsSnapshot.LatencyBuckets;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Expected values are what Prometheus' histogram_quantile gives for the same bucket counts. */
class LatencyQuantileTest {
    private static long[] counts(long... firstBuckets) {
        long[] c = new long[LatencyBuckets.UPPER_BOUNDS_US.size()];
        System.arraycopy(firstBuckets, 0, c, 0, firstBuckets.length);
        return c;
    }

    @Test
    void interpolatesLinearlyInTheBucketHoldingTheRank() {
        // 10 samples ≤ 1 µs, 10 in (1, 2]: the median is the upper edge of the first bucket
        assertThat(LatencyQuantile.of(counts(10, 10), 0.5)).isEqualTo(1.0);
        // p75: rank 15, 5 of 10 into (1, 2]
        assertThat(LatencyQuantile.of(counts(10, 10), 0.75)).isEqualTo(1.5);
        // the first bucket starts at 0
        assertThat(LatencyQuantile.of(counts(4), 0.5)).isEqualTo(0.5);
        // p99 of 100 samples in (500, 1000]: 500 + 500 * 99/100
        long[] c = new long[LatencyBuckets.UPPER_BOUNDS_US.size()];
        c[9] = 100;
        assertThat(LatencyQuantile.of(c, 0.99)).isCloseTo(995.0, within(1e-9));
    }

    @Test
    void aRankInTheInfiniteBucketGivesTheHighestFiniteBound() {
        long[] c = new long[LatencyBuckets.UPPER_BOUNDS_US.size()];
        c[c.length - 1] = 3;
        assertThat(LatencyQuantile.of(c, 0.5)).isEqualTo(10000.0);
    }

    @Test
    void noSamplesIsNaN() {
        assertThat(LatencyQuantile.of(counts(), 0.99)).isNaN();
    }
}

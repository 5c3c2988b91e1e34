package dev.skbscope.engine;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The snapshot's one-pass percentiles give exactly what HdrHistogram's getValueAtPercentile gives one by one. */
class PercentileScanTest {
    @Test
    void onePassEqualsOneCallPerPercentile() {
        SplittableRandom r = new SplittableRandom(7);
        double[] ps = {0, 0.5, 10, 49.3, 50, 50.7, 90, 97.1, 99, 99.9, 100, 25};   // not in order on purpose
        for (int round = 0; round < 200; round++) {
            Histogram h = new Histogram(60_000_000_000L, 3);
            int n = 1 + r.nextInt(round < 20 ? 10 : 20_000);
            long min = Long.MAX_VALUE, max = 0;
            for (int i = 0; i < n; i++) {
                long v = (long) Math.exp(6 + 2 * r.nextGaussian()) + 1;
                h.recordValueWithCount(v, 1 + r.nextInt(3));
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            long[] got = SnapshotBuilder.Scan.percentiles(h, ps, min, max);
            for (int i = 0; i < ps.length; i++) {
                long want = ps[i] <= 0 ? min : ps[i] >= 100 ? max
                        : Math.max(min, Math.min(h.medianEquivalentValue(h.getValueAtPercentile(ps[i])), max));
                assertThat(got[i]).as("round %d, p%s of %d values", round, ps[i], n).isEqualTo(want);
            }
        }
    }
}

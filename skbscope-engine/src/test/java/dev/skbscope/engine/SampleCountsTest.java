package dev.skbscope.engine;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Samples counted in {@link SampleCounts} and drained must read exactly as samples recorded into an HdrHistogram. */
class SampleCountsTest {

    @Test
    void drainedCountsReadAsADirectRecordingForNodesAndEdges() {
        for (int digits : new int[] {EngineCounters.NODE_DIGITS, EngineCounters.EDGE_DIGITS}) {
            for (long seed = 1; seed <= 20; seed++) {
                SplittableRandom r = new SplittableRandom(seed);
                Histogram direct = new Histogram(digits), drained = new Histogram(digits);
                SampleCounts counts = new SampleCounts(digits);
                // three snapshot intervals: the drained histogram is cumulative, like the scratch copy's
                for (int interval = 0; interval < 3; interval++) {
                    int n = 1 + r.nextInt(5_000);
                    for (int i = 0; i < n; i++) {
                        long v = sample(r);
                        int w = r.nextInt(10) == 0 ? 1 + r.nextInt(8) : 1;
                        direct.recordValueWithCount(v, w);
                        counts.record(v, w);
                    }
                    assertThat(counts.isEmpty()).isFalse();
                    counts.drainInto(drained);
                    assertThat(counts.isEmpty()).isTrue();
                    assertSame(direct, drained, "digits " + digits + " seed " + seed + " interval " + interval);
                }
            }
        }
    }

    @Test
    void bucketEdgesZeroAndTheCapLandInTheSameBuckets() {
        for (int digits : new int[] {EngineCounters.NODE_DIGITS, EngineCounters.EDGE_DIGITS}) {
            Histogram direct = new Histogram(digits), drained = new Histogram(digits);
            SampleCounts counts = new SampleCounts(digits);
            for (int b = 0; b < 63; b++) {
                long p = 1L << b;
                for (long v : new long[] {p - 1, p, p + 1}) {
                    if (v > EngineCounters.HIST_MAX_NS) continue;
                    direct.recordValue(v);
                    counts.record(v, 1);
                }
            }
            direct.recordValue(0);
            counts.record(0, 1);
            direct.recordValue(EngineCounters.HIST_MAX_NS);
            counts.record(EngineCounters.HIST_MAX_NS, 1);
            counts.drainInto(drained);
            assertSame(direct, drained, "digits " + digits);
        }
    }

    @Test
    void clearForgetsTheSamples() {
        SampleCounts counts = new SampleCounts(EngineCounters.NODE_DIGITS);
        counts.record(1_234_567, 3);
        counts.clear();
        assertThat(counts.isEmpty()).isTrue();
        Histogram h = new Histogram(EngineCounters.NODE_DIGITS);
        counts.record(42, 1);
        counts.drainInto(h);
        assertThat(h.getTotalCount()).isEqualTo(1);
        assertThat(h.getCountAtValue(1_234_567)).isZero();
    }

    /** Latencies from ns to the 60 s cap, most of them in microseconds, as a session sees them. */
    private static long sample(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextLong(0, 2_048);
            case 1 -> r.nextLong(0, 200_000);
            case 2 -> r.nextLong(0, 50_000_000);
            default -> (long) Math.min(EngineCounters.HIST_MAX_NS, Math.exp(r.nextDouble(0, Math.log(EngineCounters.HIST_MAX_NS))));
        };
    }

    private static void assertSame(Histogram direct, Histogram drained, String what) {
        assertThat(drained.getTotalCount()).as(what + " total").isEqualTo(direct.getTotalCount());
        assertThat(drained.getMaxValue()).as(what + " max").isEqualTo(direct.getMaxValue());
        assertThat(drained.getMinNonZeroValue()).as(what + " min").isEqualTo(direct.getMinNonZeroValue());
        assertThat(drained.getMinValue()).as(what + " min incl. 0").isEqualTo(direct.getMinValue());
        assertThat(drained.getMean()).as(what + " mean").isEqualTo(direct.getMean());
        for (double p : new double[] {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100}) {
            assertThat(drained.getValueAtPercentile(p)).as(what + " p" + p).isEqualTo(direct.getValueAtPercentile(p));
        }
        // every bucket: the counts themselves
        for (var v : direct.allValues()) {
            assertThat(drained.getCountAtValue(v.getValueIteratedTo())).as(what + " count at " + v.getValueIteratedTo())
                    .isEqualTo(v.getCountAtValueIteratedTo());
        }
    }
}

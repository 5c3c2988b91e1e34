package dev.skbscope.engine.compare;

import dev.skbscope.engine.StatsSnapshot.Interval;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class NoiseTest {
    /** Samples enough for a bound on every side. */
    private static final double N = 100_000;

    @Test
    void twoProportionZMatchesTheTextbook() {
        // 50/1000 vs 80/1000: pooled 0.065, se = sqrt(.065*.935*2/1000) = 0.011025
        assertThat(Noise.proportionZ(50, 1000, 1, 80, 1000, 1)).isCloseTo(2.721, within(0.001));
        assertThat(Noise.proportionZ(80, 1000, 1, 50, 1000, 1)).isCloseTo(-2.721, within(0.001));
        assertThat(Noise.proportionZ(50, 1000, 1, 50, 1000, 1)).isZero();
        assertThat(Noise.proportionZ(0, 1000, 1, 0, 1000, 1)).isZero();
        assertThat(Noise.proportionZ(5, 0, 1, 5, 1000, 1)).isZero();   // nothing on one side: no test
    }

    @Test
    void samplingWidensTheNoise() {
        // the same counts, but each observed packet stood for 16: 16 times fewer observations, z / 4
        double exact = Noise.proportionZ(500, 10_000, 1, 800, 10_000, 1);
        double sampled = Noise.proportionZ(500, 10_000, 16, 800, 10_000, 16);
        assertThat(sampled).isCloseTo(exact / 4, within(1e-9));
        assertThat(Noise.significant(exact)).isTrue();
        assertThat(Noise.significant(sampled)).isFalse();
    }

    @Test
    void latencyWithinHistogramPrecisionIsNeverSignificant() {
        // exact intervals (a constant latency) but a difference below the 0.05 % precision of the histogram
        Interval a = new Interval(100.0, 100.0), b = new Interval(100.09, 100.09);
        assertThat(Noise.latencyZ(0.5, 100.0, a, 0, N, 100.09, b, 0, N)).isZero();
        assertThat(Noise.significant(Noise.latencyZ(0.5, 100.0, a, 0, N, 100.2, new Interval(100.2, 100.2), 0, N))).isTrue();
    }

    @Test
    void latencyUsesTheIntervalSidesFacingEachOther() {
        // B is higher: A's upper half-width (2) and B's lower one (2) count; 95 % half-widths → se = sqrt(8)/1.96
        double z = Noise.latencyZ(0.99, 10, new Interval(9.9, 12), 0, N, 20, new Interval(18, 20.1), 0, N);
        assertThat(z).isCloseTo(10 / (Math.sqrt(8) / 1.959964), within(1e-6));
        // overlapping intervals are noise
        assertThat(Noise.significant(Noise.latencyZ(0.5, 10, new Interval(8, 12), 0, N, 11, new Interval(9, 13), 0, N))).isFalse();
    }

    @Test
    void aPercentileOfTooFewSamplesIsNeverSignificant() {
        // one sample a side: the engine's intervals collapse to the sample ([6, 6] and [5, 5]), which bounds nothing
        assertThat(Noise.latencyZ(0.5, 6, new Interval(6, 6), 0, 1, 5, new Interval(5, 5), 0, 1)).isZero();
        // p99: its upper side needs n > 380 (rank 0.99 n + 1.96 sqrt(0.0099 n) within n) ...
        assertThat(Noise.bounded(0.99, 380, true)).isFalse();
        assertThat(Noise.bounded(0.99, 381, true)).isTrue();
        assertThat(Noise.bounded(0.99, 1, false)).isTrue();   // ... its lower side is a bound from the first sample
        assertThat(Noise.bounded(0.5, 3, false)).isFalse();
        assertThat(Noise.bounded(0.5, 4, false)).isTrue();
        // A's p99 from 100 samples may lie above them all: B's higher p99 is no change, whatever its own precision
        assertThat(Noise.latencyZ(0.99, 10, new Interval(9, 10), 0, 100, 20, new Interval(19.9, 20.1), 0, N)).isZero();
        // nor is B's lower p99 from 100 samples: its upper side faces A, and is open
        assertThat(Noise.latencyZ(0.99, 20, new Interval(19.9, 20.1), 0, N, 10, new Interval(9, 10), 0, 100)).isZero();
        // but a p99 from 100 samples that falls below a well-known one shows: its lower side is bounded
        assertThat(Noise.significant(Noise.latencyZ(0.99, 20, new Interval(18, 20), 0, 100, 10, new Interval(9.9, 10.1), 0, N))).isTrue();
    }

    @Test
    void estimatedHalfWidthOfALogNormalMedian() {
        // log-normal with median 10 and sigma 0.5: p90 = 10 e^(0.5*1.2816), se(median) = 1.2533 * 10 * 0.5 / sqrt(n)
        double p90 = 10 * Math.exp(0.5 * 1.281552), p99 = 10 * Math.exp(0.5 * 2.326348);
        double half = Noise.estimatedHalfWidth(50, 10, p90, p99, 10_000);
        assertThat(half / 1.959964).isCloseTo(1.2533 * 10 * 0.5 / 100, within(1e-4));
        assertThat(Noise.estimatedHalfWidth(50, 10, p90, p99, 0)).isInfinite();
    }

    @Test
    void magnitudeIsSymmetricAndBounded() {
        assertThat(Noise.magnitude(1, 2)).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(Noise.magnitude(2, 1)).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(Noise.magnitude(0, 5)).isEqualTo(2);
        assertThat(Noise.magnitude(0, 0)).isZero();
    }
}

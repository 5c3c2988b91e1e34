package dev.skbscope.engine.compare;

import dev.skbscope.engine.StatsSnapshot.Interval;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class NoiseTest {
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
        assertThat(Noise.latencyZ(100.0, a, 0, 100.09, b, 0)).isZero();
        assertThat(Noise.significant(Noise.latencyZ(100.0, a, 0, 100.2, new Interval(100.2, 100.2), 0))).isTrue();
    }

    @Test
    void latencyUsesTheIntervalSidesFacingEachOther() {
        // B is higher: A's upper half-width (2) and B's lower one (2) count; 95 % half-widths → se = sqrt(8)/1.96
        double z = Noise.latencyZ(10, new Interval(9.9, 12), 0, 20, new Interval(18, 20.1), 0);
        assertThat(z).isCloseTo(10 / (Math.sqrt(8) / 1.959964), within(1e-6));
        // overlapping intervals are noise
        assertThat(Noise.significant(Noise.latencyZ(10, new Interval(8, 12), 0, 11, new Interval(9, 13), 0))).isFalse();
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

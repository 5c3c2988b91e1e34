package dev.skbscope.engine.compare;

import dev.skbscope.engine.StatsSnapshot.Interval;

/**
 * Whether a difference between two captures is larger than chance; stateless and thread-safe.
 *
 * <p>Two captures of the same traffic never give the same numbers. Counts are compared as
 * proportions (drops per packet, a verdict's share, the share of packets that go on to a node)
 * with the two-proportion z-test, on the packets actually observed: a source that traced one packet
 * in N counts each observed packet N times, so the test divides by N, which widens the noise
 * accordingly. Latency percentiles are compared with their confidence intervals from order
 * statistics (see {@code p50_ci_us} in the stats), and never closer than the histogram's precision.
 * A change counts when it is {@link #Z} standard errors or more: with ~100 tests in one diff, a
 * lower bar would flag a node or two of every comparison of identical traffic.
 */
public final class Noise {
    /** Standard errors a change must reach to count (two-sided p ≈ 6·10⁻⁵ per test). */
    public static final double Z = 4.0;
    /** z of the 95 % intervals the engine publishes. */
    static final double Z95 = 1.959964;
    /** Node latency histograms keep 3 significant digits: a reported value is within 0.05 % (and 1 ns rounding). */
    static final double LATENCY_PRECISION = 0.0005;

    private Noise() { }

    /**
     * z statistic of the change from {@code xa/na} to {@code xb/nb}; {@code ka}, {@code kb} are the
     * sides' sampling factors (1 = every packet). 0 when either side has nothing to compare.
     */
    public static double proportionZ(double xa, double na, int ka, double xb, double nb, int kb) {
        if (na <= 0 || nb <= 0) return 0;
        double ea = na / Math.max(1, ka), eb = nb / Math.max(1, kb);
        double pa = xa / na, pb = xb / nb;
        double pooled = (pa * ea + pb * eb) / (ea + eb);
        double se = Math.sqrt(pooled * (1 - pooled) * (1 / ea + 1 / eb));
        if (!(se > 0)) return pa == pb ? 0 : Math.copySign(Double.POSITIVE_INFINITY, pb - pa);
        return (pb - pa) / se;
    }

    /**
     * z statistic of a latency percentile's change from {@code a} to {@code b}: the difference over
     * the intervals' half-widths on the sides facing each other; 0 while the difference is within the
     * histogram's precision, and 0 when a facing side has no 95 % bound because there are too few
     * samples for it (see {@link #bounded}): a p99 from 100 samples can lie above all of them.
     *
     * @param p        the quantile compared, 0.5 or 0.99
     * @param ciA, ciB the published 95 % intervals, or null (then estimated with {@link #estimatedHalfWidth})
     * @param nA, nB   the samples actually observed on each side (weighted samples / sampling factor)
     */
    public static double latencyZ(double p, double a, Interval ciA, double fallbackHalfA, double nA,
                                  double b, Interval ciB, double fallbackHalfB, double nB) {
        double d = b - a;
        if (Math.abs(d) <= precision(a) + precision(b)) return 0;
        if (!bounded(p, nA, d > 0) || !bounded(p, nB, d < 0)) return 0;
        double halfA = ciA == null ? fallbackHalfA : d > 0 ? ciA.high() - a : a - ciA.low();
        double halfB = ciB == null ? fallbackHalfB : d > 0 ? b - ciB.low() : ciB.high() - b;
        double se = Math.sqrt(halfA * halfA + halfB * halfB) / Z95;
        if (!(se > 0)) return Math.copySign(Double.POSITIVE_INFINITY, d);
        return d / se;
    }

    /**
     * Whether the 95 % interval of the p-quantile from {@code n} observed samples has a bound on its
     * upper (or lower) side: the rank {@code n·p ± 1.96·√(n·p·(1−p))} of that bound lies within the
     * sample. Otherwise the engine publishes the sample's maximum (minimum) there, which bounds
     * nothing: for p99 the upper side needs about 381 samples, for the median either side 4.
     */
    public static boolean bounded(double p, double n, boolean upper) {
        if (!(n > 0)) return false;
        double half = Z95 * Math.sqrt(p * (1 - p) / n);
        return upper ? p + half < 1 : p - half > 0;
    }

    /** Half-width of the histogram's reporting precision around a value in µs. */
    static double precision(double us) { return Math.max(us * LATENCY_PRECISION, 0.0005); }

    /**
     * The 95 % half-width of a percentile when the stats carry no interval (stats saved by an older
     * version): the order-statistics standard error √(p(1−p)/n) / f(x), with the density f taken from
     * a log-normal fitted to the published p50, p90 and p99.
     *
     * @param which 50 or 99
     */
    public static double estimatedHalfWidth(int which, double p50, double p90, double p99, double samples) {
        if (samples <= 0) return Double.POSITIVE_INFINITY;
        double sigma;
        double x;
        double zq;
        double p;
        if (which == 50) {
            sigma = p50 > 0 && p90 > p50 ? Math.log(p90 / p50) / 1.281552 : 0;
            x = p50;
            zq = 0;
            p = 0.5;
        } else {
            sigma = p90 > 0 && p99 > p90 ? Math.log(p99 / p90) / (2.326348 - 1.281552) : 0;
            x = p99;
            zq = 2.326348;
            p = 0.99;
        }
        if (!(sigma > 0) || !(x > 0)) return 0;
        double density = Math.exp(-zq * zq / 2) / Math.sqrt(2 * Math.PI) / (x * sigma);
        return Z95 * Math.sqrt(p * (1 - p) / samples) / density;
    }

    /** Whether a z statistic counts as a change. */
    public static boolean significant(double z) { return Math.abs(z) >= Z; }

    /** Symmetric relative difference |b−a| / mean(|a|,|b|), within [0, 2]; 0 when both are 0. */
    public static double magnitude(double a, double b) {
        double mean = (Math.abs(a) + Math.abs(b)) / 2;
        return mean == 0 ? 0 : Math.abs(b - a) / mean;
    }
}

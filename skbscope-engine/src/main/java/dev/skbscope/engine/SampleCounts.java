package dev.skbscope.engine;

import org.HdrHistogram.Histogram;

import java.util.Arrays;

/**
 * The latency samples of one node or edge since the last snapshot, counted in the bucket layout of
 * an HdrHistogram of the same precision; single writer (the tracker's, under its lock), and the
 * snapshot side only after the writer has handed it over ({@link EngineCounters#swapHistograms}).
 *
 * <p>Why not record into an HdrHistogram directly: its {@code recordValueWithCount} also keeps a
 * total, a minimum and a maximum in volatile fields and normalises the index through a virtual
 * call, work the engine repeats per sample (it keeps exact sums, minima and maxima of its own).
 * Here a sample is one index computation and one add. {@link #drainInto} then records each
 * non-empty bucket's count at the bucket's lowest value, which lands in the same bucket of the
 * cumulative histogram: its counts, total, percentiles, mean and its reported minimum and
 * maximum (HdrHistogram reports them at bucket resolution) are those a direct recording gives,
 * as HdrHistogram's own {@code add} does for histograms of different sizes.
 *
 * <p>Like an auto-resizing HdrHistogram, the counts cover only the largest value seen: the array
 * grows (allocating) when a sample reaches a new power of two, a bounded number of times.
 */
final class SampleCounts {
    /** Log2 of half the sub-buckets per bucket (HdrHistogram's subBucketHalfCountMagnitude). */
    private final int halfMagnitude;
    private final int halfCount;
    /** HdrHistogram's subBucketMask (its unit magnitude is 0: lowest discernible value 1). */
    private final long subBucketMask;
    private final int leadingZeroCountBase;
    private long[] counts;
    /** Highest index with a count since the last drain, or -1. */
    private int top = -1;

    /** Counts with the bucket layout of {@code new Histogram(digits)}. */
    SampleCounts(int digits) {
        long largestSingleUnit = 2 * (long) Math.pow(10, digits);
        int countMagnitude = (int) Math.ceil(Math.log(largestSingleUnit) / Math.log(2));
        halfMagnitude = Math.max(countMagnitude, 1) - 1;
        int subBucketCount = 1 << (halfMagnitude + 1);
        halfCount = subBucketCount / 2;
        subBucketMask = subBucketCount - 1;
        leadingZeroCountBase = 64 - halfMagnitude - 1;
        counts = new long[2 * halfCount];   // values below 2^(halfMagnitude + 1): as a new Histogram(digits)
    }

    /** Adds {@code w} samples of {@code value} (0 or more; the caller caps it). */
    void record(long value, int w) {
        int bucket = leadingZeroCountBase - Long.numberOfLeadingZeros(value | subBucketMask);
        int i = ((bucket + 1) << halfMagnitude) + (int) (value >>> bucket) - halfCount;
        long[] c = counts;
        if (i >= c.length) c = grow(i);
        c[i] += w;
        if (i > top) top = i;
    }

    private long[] grow(int index) {
        // whole buckets, up to the one holding index (as HdrHistogram's auto-resize)
        int buckets = (index >> halfMagnitude) + 1;
        return counts = Arrays.copyOf(counts, buckets << halfMagnitude);
    }

    /** Whether a sample was recorded since the last drain. */
    boolean isEmpty() { return top < 0; }

    /** The value HdrHistogram maps to index {@code i}: its bucket's lowest. */
    private long valueAt(int i) {
        int bucket = (i >> halfMagnitude) - 1;
        int sub = (i & (halfCount - 1)) + halfCount;
        if (bucket < 0) { sub -= halfCount; bucket = 0; }
        return (long) sub << bucket;
    }

    /** Adds the samples to {@code h} (same precision) and empties this. */
    void drainInto(Histogram h) {
        long[] c = counts;
        for (int i = 0; i <= top; i++) {
            long n = c[i];
            if (n == 0) continue;
            h.recordValueWithCount(valueAt(i), n);
            c[i] = 0;
        }
        top = -1;
    }

    /** Forgets the samples. */
    void clear() {
        Arrays.fill(counts, 0, top + 1, 0);
        top = -1;
    }
}

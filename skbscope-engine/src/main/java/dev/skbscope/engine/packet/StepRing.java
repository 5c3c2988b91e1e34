package dev.skbscope.engine.packet;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * The steps of a session's journeys, each written once, at ingest, where its readers find it;
 * single writer (the tracker's thread, under its lock), readers under the same lock. Not
 * thread-safe.
 *
 * <p>Every packet's steps share one ring of step positions: a position counts up for the ring's
 * life and lives in slot {@code position & mask}, two longs a step (the time, and the
 * {@link JourneyDescriptor#word step word} whose bits 40-63 hold the distance back to the packet's
 * previous step, 0 for its first). A packet's record keeps only the position of its latest step and
 * its step count; a reader walks back from there ({@link #copyTo}). Nothing is copied when a packet
 * finishes, which is the point: a step costs two stores, once.
 *
 * <p>A position more than the capacity behind the write position has been overwritten. Readers
 * see only the steps still there: a journey whose first steps are gone shows its later ones and
 * says so (fewer steps than its record holds; see {@link PacketHistory}). A ring made below its
 * maximum capacity (a recording's index) grows, doubling, instead of overwriting anything, until
 * it reaches the maximum; a live session's is allocated whole and never grows.
 */
final class StepRing {
    static final int BACK_SHIFT = 40;
    static final long BACK_MAX = (1L << 24) - 1;
    static final long WORD_MASK = (1L << BACK_SHIFT) - 1;
    /** Capacity limit: a back distance must fit its 24 bits. */
    static final int MAX_CAPACITY = 1 << 24;

    /** [2i] time, [2i + 1] word with the back distance; slot i = position & mask. */
    long[] data;
    int mask;
    /** The next position to write. */
    long pos;
    /** The write position at which the ring grows instead of overwriting (Long.MAX_VALUE: never). */
    long growAt;
    private final int maxCapacity;

    /** A ring of {@code initial} steps that grows up to {@code max} (both rounded up to powers of two). */
    StepRing(int initial, int max) {
        this.maxCapacity = pow2(Math.max(initial, max));
        int cap = Math.min(pow2(initial), maxCapacity);
        data = new long[cap * 2];
        mask = cap - 1;
        clear();
    }

    static int pow2(long n) {
        long c = Long.highestOneBit(Math.max(2, n) - 1) << 1;
        return (int) Math.min(c, MAX_CAPACITY);
    }

    int capacity() { return mask + 1; }

    /** The oldest position still in the ring (negative while the ring has not come round). */
    long floor() { return pos - mask - 1; }

    /**
     * Appends a step of the packet whose previous step is at {@code prev} (-1: none) and returns its
     * position. The tracker's hot path writes its steps inline instead (JourneyRecorder.step), the
     * same way.
     */
    long append(long ts, long word, long prev) {
        long p = pos;
        if (p >= growAt) grow();
        pos = p + 1;
        int s = (int) p & mask;
        data[2 * s] = ts;
        data[2 * s + 1] = word & WORD_MASK | link(p, prev);
        return p;
    }

    /** The back-distance bits of a step at {@code p} after one at {@code prev} (none when it is gone or too far). */
    long link(long p, long prev) {
        long back = p - prev;
        return prev < 0 || back > mask || back > BACK_MAX ? 0 : back << BACK_SHIFT;
    }

    /** Doubles the capacity, keeping every position still in the ring (called when the write position reaches {@link #growAt}). */
    void grow() {
        int cap = capacity();
        if (cap >= maxCapacity) { growAt = Long.MAX_VALUE; return; }
        int grown = cap * 2;
        long[] d = new long[grown * 2];
        int m = grown - 1;
        for (long p = Math.max(0, pos - cap); p < pos; p++) {
            int s = (int) p & mask, t = (int) p & m;
            d[2 * t] = data[2 * s];
            d[2 * t + 1] = data[2 * s + 1];
        }
        data = d;
        mask = m;
        growAt = grown < maxCapacity ? grown : Long.MAX_VALUE;
    }

    /**
     * Copies the steps of the chain whose latest step is at {@code head} ({@code n} steps, oldest
     * first) into row {@code row} of {@code dst} from step position {@code base}, and sets the row's
     * {@code STEP_BASE}, {@code STEPS} and {@code VERDICTS}. Steps the ring has overwritten are left
     * out: the row then starts later and has fewer steps. Returns the steps copied.
     */
    int copyTo(long head, int n, JourneyColumns dst, int row, long base) {
        final long[] d = data, ts = dst.stepTs, words = dst.stepWord;
        final int dm = dst.stepMask;
        long floor = floor(), p = head;
        int k = n, verdicts = 0;
        while (k > 0 && p >= 0 && p >= floor) {
            int s = (int) p & mask, t = (int) (base + --k) & dm;
            long w = d[2 * s + 1];
            ts[t] = d[2 * s];
            words[t] = w & WORD_MASK;
            verdicts |= 1 << verdict((int) w);
            long back = w >>> BACK_SHIFT;
            if (back == 0) break;
            p -= back;
        }
        // k > 0: the ring came round over the first k steps (or the chain was cut): the journey starts after them
        dst.longs[row * LONGS + STEP_BASE] = base + k;
        dst.ints[row * INTS + STEPS] = n - k;
        dst.ints[row * INTS + VERDICTS] = verdicts & ~1;
        return n - k;
    }

    /** Forgets every step. */
    void clear() {
        pos = 0;
        growAt = capacity() < maxCapacity ? capacity() : Long.MAX_VALUE;
    }
}

package dev.skbscope.engine.packet;

import java.util.Arrays;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * Journeys stored as flat primitive columns (layout: {@link JourneyDescriptor}); not
 * thread-safe (its owner guards it). Records are rows; a record's steps are {@code STEPS}
 * consecutive step positions from its {@code STEP_BASE}, addressed modulo the step capacity
 * (a power of two), so a store may use its steps as a ring. Nothing is allocated except when
 * the owner grows the columns.
 */
public final class JourneyColumns {
    long[] longs;
    int[] ints;
    long[] stepTs;
    /** {@link JourneyDescriptor#word step words}: probe and packed step. */
    long[] stepWord;
    int stepMask;
    int rows;

    /** Columns for {@code rows} records and {@code steps} steps (rounded up to a power of two). */
    public JourneyColumns(int rows, int steps) {
        this.rows = rows;
        longs = new long[rows * LONGS];
        ints = new int[rows * INTS];
        int cap = Integer.highestOneBit(Math.max(1, steps - 1)) << 1;
        stepTs = new long[cap];
        stepWord = new long[cap];
        stepMask = cap - 1;
    }

    /** Record capacity. */
    public int rows() { return rows; }
    /** Step capacity (a power of two). */
    public int stepCapacity() { return stepMask + 1; }

    public long l(int row, int field) { return longs[row * LONGS + field]; }
    public int i(int row, int field) { return ints[row * INTS + field]; }
    void l(int row, int field, long v) { longs[row * LONGS + field] = v; }
    void i(int row, int field, int v) { ints[row * INTS + field] = v; }

    public long id(int row) { return longs[row * LONGS + ID]; }
    public long finish(int row) { return longs[row * LONGS + FINISH]; }
    public long startNs(int row) { return longs[row * LONGS + START]; }
    public long endNs(int row) { return longs[row * LONGS + END]; }
    public int info(int row) { return ints[row * INTS + INFO]; }
    public int steps(int row) { return ints[row * INTS + STEPS]; }
    public int path(int row) { return info(row) >>> INFO_PATH_SHIFT & 0x7; }
    public JourneyEnd end(int row) { return JourneyEnd.of(info(row) >>> INFO_END_SHIFT & 0x7); }

    /** Timestamp of step {@code k} (0-based) of record {@code row}. */
    public long stepTs(int row, int k) { return stepTs[(int) (longs[row * LONGS + STEP_BASE] + k) & stepMask]; }
    /** Probe id of step {@code k}, or -1. */
    public int stepProbe(int row, int k) { return probe(stepWord[(int) (longs[row * LONGS + STEP_BASE] + k) & stepMask]); }
    public int stepPacked(int row, int k) { return packed(stepWord[(int) (longs[row * LONGS + STEP_BASE] + k) & stepMask]); }

    /** Copies record {@code srcRow} of {@code src} and its steps into {@code dstRow}, its steps starting at {@code dstBase}. */
    void copyFrom(JourneyColumns src, int srcRow, int dstRow, long dstBase) {
        System.arraycopy(src.longs, srcRow * LONGS, longs, dstRow * LONGS, LONGS);
        System.arraycopy(src.ints, srcRow * INTS, ints, dstRow * INTS, INTS);
        longs[dstRow * LONGS + STEP_BASE] = dstBase;
        long from = src.longs[srcRow * LONGS + STEP_BASE];
        for (int k = 0, n = src.ints[srcRow * INTS + STEPS]; k < n; k++) {
            int s = (int) (from + k) & src.stepMask, d = (int) (dstBase + k) & stepMask;
            stepTs[d] = src.stepTs[s];
            stepWord[d] = src.stepWord[s];
        }
    }

    /**
     * Like {@link #copyFrom} but keeps at most {@code maxSteps} steps: the first {@code maxSteps - 1}
     * and the last (the end event, which gives the last hop its time).
     */
    void copyFrom(JourneyColumns src, int srcRow, int dstRow, long dstBase, int maxSteps) {
        int n = src.ints[srcRow * INTS + STEPS];
        if (n <= maxSteps) { copyFrom(src, srcRow, dstRow, dstBase); return; }
        System.arraycopy(src.longs, srcRow * LONGS, longs, dstRow * LONGS, LONGS);
        System.arraycopy(src.ints, srcRow * INTS, ints, dstRow * INTS, INTS);
        longs[dstRow * LONGS + STEP_BASE] = dstBase;
        ints[dstRow * INTS + STEPS] = maxSteps;
        long from = src.longs[srcRow * LONGS + STEP_BASE];
        for (int k = 0; k < maxSteps; k++) {
            int sk = k < maxSteps - 1 ? k : n - 1;
            int s = (int) (from + sk) & src.stepMask, d = (int) (dstBase + k) & stepMask;
            stepTs[d] = src.stepTs[s];
            stepWord[d] = src.stepWord[s];
        }
    }

    /** Grows the record capacity to {@code newRows}, keeping rows {@code [0, rows)} where they are. */
    void growRows(int newRows) {
        longs = Arrays.copyOf(longs, newRows * LONGS);
        ints = Arrays.copyOf(ints, newRows * INTS);
        rows = newRows;
    }

    /** Grows the step capacity to {@code newCap} (a power of two), keeping the steps at positions {@code [from, to)}. */
    void growSteps(int newCap, long from, long to) {
        long[] ts = new long[newCap], word = new long[newCap];
        int mask = newCap - 1;
        for (long p = from; p < to; p++) {
            int s = (int) p & stepMask, d = (int) p & mask;
            ts[d] = stepTs[s];
            word[d] = stepWord[s];
        }
        stepTs = ts;
        stepWord = word;
        stepMask = mask;
    }
}

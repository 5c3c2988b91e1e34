package dev.skbscope.engine.packet;

import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * The finished journeys a session keeps, in bounded memory; single writer (the tracker's thread,
 * under its lock), and readers under the same lock. It holds:
 * <ul>
 *   <li>the last {@code capacity} finished journeys, oldest evicted first: a ring of records, each
 *       pointing at the latest of its steps in the session's {@link StepRing}, where the
 *       {@link JourneyRecorder} wrote them at ingest (a chain back to the first; nothing is copied
 *       when a packet finishes). The step ring is sized for 16 steps a journey, so retention is also
 *       bounded by it: a journey whose latest step falls in the ring's oldest eighth leaves with the
 *       oldest, and a reader shows a journey whose first steps were overwritten (one that finished
 *       long after it started) without them, with {@code steps_omitted} saying how many it lost;</li>
 *   <li>{@link ExemplarTable exemplars}: per node and latency bucket, per drop reason and per nft
 *       rule, the latest few journeys. An exemplar pins its journey: when the ring evicts a pinned
 *       journey it is copied into a small pool (at most {@link #PIN_STEPS} steps), where it stays
 *       while an exemplar refers to it.</li>
 * </ul>
 * Exemplars cost nothing per packet: {@link #refreshExemplars} (at each snapshot) offers the
 * journeys finished since the last refresh, and the ring offers a journey it evicts unseen only if
 * it could still be an exemplar: a hop slower than its node's p99.9, or fewer newer journeys
 * with its drop reason (or its last nft rule) than that group keeps. So however fast packets
 * come, exemplar work is bounded by the ring's size per snapshot, and slow packets and rare drop
 * reasons and rules are never missed.
 * Journeys are ordered by their finish ordinal; {@link #query} walks them newest first and builds
 * its answer's rows (steps in order) only for the journeys it returns, and for the others only when
 * a filter looks at steps. A history created with {@code initialCapacity < capacity} grows as it
 * fills (recording indexes); a live session's is allocated whole, so ingest allocates nothing.
 */
public final class PacketHistory implements JourneySink, ExemplarTable.Pins {
    public static final int DEFAULT_CAPACITY = 10_000;
    /** Steps kept per pinned journey (its first 31 and its last). */
    public static final int PIN_STEPS = 32;
    static final int STEPS_PER_JOURNEY = 16;
    /** The smallest step ring (1 MiB): the packets in flight write their steps into it too. */
    static final int MIN_STEPS = 65_536;

    private final int capacity;
    /** The records; a record's STEP_BASE is the position of its latest step in {@link #steps}. */
    private final JourneyColumns ring;
    private final StepRing steps;
    /** One journey with its steps in order, for the readers (under the owner's lock). */
    private final JourneyColumns scratch = new JourneyColumns(1, MAX_STEPS);
    /** Finish ordinals kept in the ring: (oldest, newest], i.e. none when equal. */
    private long oldest, newest;
    /** Ring row of {@code newest}: rows are found from it by subtraction, not division. */
    private int newestRow = -1;
    private long highestEndNs = Long.MIN_VALUE;
    /** Journeys up to this finish ordinal have been offered to the exemplar tables. */
    private long refreshed;
    /** Journeys finished per drop reason id and per rule index (wrapping counts: only differences matter). */
    private final int[] dropSeq = new int[ExemplarTable.MAX_REASONS], ruleSeq = new int[ExemplarTable.MAX_RULES];

    private final ExemplarTable exemplars;
    private final JourneyColumns pool;
    private final Long2LongHashMap poolRow;
    private final int[] poolFree;
    private int poolFreeTop;
    private final HopCursor hops = new HopCursor();

    /**
     * @param capacity        finished journeys kept
     * @param initialCapacity journeys allocated at once (= capacity for a live session)
     * @param pinned          journeys the exemplar pool can hold (0: no exemplars)
     */
    public PacketHistory(int capacity, int initialCapacity, int pinned) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1");
        this.capacity = capacity;
        int rows = Math.max(1, Math.min(capacity, initialCapacity));
        this.ring = new JourneyColumns(rows, 1);
        // at least MIN_STEPS: the packets in flight have their steps here too
        this.steps = new StepRing((int) Math.min(StepRing.MAX_CAPACITY, Math.max(MIN_STEPS, (long) rows * STEPS_PER_JOURNEY)),
                (int) Math.min(StepRing.MAX_CAPACITY, Math.max(MIN_STEPS, (long) capacity * STEPS_PER_JOURNEY)));
        if (pinned > 0) {
            exemplars = new ExemplarTable();
            pool = new JourneyColumns(pinned, pinned * PIN_STEPS);
            poolRow = new Long2LongHashMap(pinned * 2, 0.5f, -1);
            poolFree = new int[pinned];
        } else {
            exemplars = null;
            pool = null;
            poolRow = null;
            poolFree = null;
        }
        clear();
    }

    /** A live session's history: allocated whole, with exemplars. */
    public static PacketHistory live(int capacity) { return new PacketHistory(capacity, capacity, 1024); }

    /** A recording's index: grows as it fills, no exemplars. */
    public static PacketHistory index(int capacity) { return new PacketHistory(capacity, 16_384, 0); }

    public int capacity() { return capacity; }
    /** Journeys in the ring now. */
    public int size() { return (int) (newest - oldest); }
    /** Finish ordinal of the newest journey (the number of journeys received). */
    public long newest() { return newest; }
    /** Latest end time of any journey received (Long.MIN_VALUE before the first). */
    public long highestEndNs() { return highestEndNs; }
    /** The exemplar references (null without exemplars); read under the owner's lock. */
    public ExemplarTable exemplars() { return exemplars; }

    /** The ring row of finish ordinal {@code finish} (which must be kept in the ring). */
    private int row(long finish) {
        int r = newestRow - (int) (newest - finish);
        return r < 0 ? r + ring.rows : r;
    }

    /** The session's step store: the recorder writes each step there once, at ingest. */
    StepRing steps() { return steps; }

    /**
     * Adds a finished journey: record {@code srcRow} of {@code src} (copied), whose {@code n} steps
     * are the chain in {@link #steps} ending at position {@code head}; returns its row. Evicts the
     * oldest journey when the ring is full, or when its latest step is about to be overwritten.
     */
    int append(JourneyColumns src, int srcRow, long head, int n) {
        if (newest - oldest == ring.rows) {
            if (ring.rows < capacity) growRows();
            else evictOldest();
        }
        long guard = steps.floor() + (steps.capacity() >>> 3);
        while (newest > oldest && ring.longs[row(oldest + 1) * LONGS + STEP_BASE] < guard) evictOldest();
        long f = ++newest;
        newestRow = newestRow + 1 == ring.rows ? 0 : newestRow + 1;
        int r = newestRow;
        System.arraycopy(src.longs, srcRow * LONGS, ring.longs, r * LONGS, LONGS);
        System.arraycopy(src.ints, srcRow * INTS, ring.ints, r * INTS, INTS);
        ring.longs[r * LONGS + STEP_BASE] = head;
        ring.longs[r * LONGS + FINISH] = f;
        ring.ints[r * INTS + STEPS] = n;
        commit(r);
        return r;
    }

    /**
     * Copies journey row {@code r} into row {@code dstRow} of {@code dst}, its steps in order from
     * step position {@code dstBase} (at most its {@code STEPS}; fewer when the ring overwrote its
     * first ones), with its {@code VERDICTS}.
     */
    void copyOut(int r, JourneyColumns dst, int dstRow, long dstBase) {
        System.arraycopy(ring.longs, r * LONGS, dst.longs, dstRow * LONGS, LONGS);
        System.arraycopy(ring.ints, r * INTS, dst.ints, dstRow * INTS, INTS);
        steps.copyTo(ring.longs[r * LONGS + STEP_BASE], ring.ints[r * INTS + STEPS], dst, dstRow, dstBase);
    }

    /** Journey row {@code r} with its steps in order, in the scratch row 0 (valid until the next call). */
    private JourneyColumns materialize(int r) {
        copyOut(r, scratch, 0, 0);
        return scratch;
    }

    /** The journey written at row {@code r} is complete: its exemplar sequence numbers. */
    private void commit(int r) {
        int[] in = ring.ints;
        int ib = r * INTS;
        in[ib + PIN] = 0;
        long end = ring.longs[r * LONGS + END];
        if (end > highestEndNs) highestEndNs = end;
        int reason = in[ib + DROP_REASON], rule = in[ib + LAST_RULE];
        if ((in[ib + INFO] & INFO_DROPPED) != 0 && reason >= 0 && reason < dropSeq.length) in[ib + DROP_SEQ] = ++dropSeq[reason];
        if (rule >= 0 && rule < ruleSeq.length) in[ib + RULE_SEQ] = ++ruleSeq[rule];
    }

    /** Whether journey {@code r}, leaving the ring unseen by any refresh, could still be an exemplar. */
    private boolean mayBeExemplar(int r) {
        int[] in = ring.ints;
        int ib = r * INTS;
        int info = in[ib + INFO];
        if ((info & INFO_TAIL) != 0) return true;
        int reason = in[ib + DROP_REASON], rule = in[ib + LAST_RULE];
        if ((info & INFO_DROPPED) != 0 && reason >= 0 && reason < dropSeq.length
                && dropSeq[reason] - in[ib + DROP_SEQ] < ExemplarTable.PER_REASON) return true;
        return rule >= 0 && rule < ruleSeq.length && ruleSeq[rule] - in[ib + RULE_SEQ] < ExemplarTable.PER_RULE;
    }

    /**
     * Offers the journeys finished since the last refresh (those still in the ring) to the exemplar
     * tables, newest first; call under the owner's lock, e.g. before each snapshot.
     */
    public void refreshExemplars() {
        if (exemplars == null) return;
        for (long f = newest; f > Math.max(oldest, refreshed); f--) offerExemplars(materialize(row(f)), 0, f);
        refreshed = newest;
    }

    /** Keeps a journey finished elsewhere: its steps are appended to the step ring, then its record. */
    @Override
    public void finished(JourneyColumns j, int jr) {
        long head = -1;
        int n = j.steps(jr);
        for (int k = 0; k < n; k++) {
            int s = (int) (j.l(jr, STEP_BASE) + k) & j.stepMask;
            head = steps.append(j.stepTs[s], j.stepWord[s], head);
        }
        append(j, jr, head, n);
    }

    private void growRows() {
        int old = ring.rows, grown = (int) Math.min(capacity, (long) old * 2);
        // the kept records, oldest first, go to rows 0.. of the bigger ring
        long[] longs = Arrays.copyOf(ring.longs, ring.longs.length);
        int[] ints = Arrays.copyOf(ring.ints, ring.ints.length);
        ring.growRows(grown);
        int to = 0;
        for (long f = oldest + 1; f <= newest; f++, to++) {
            int from = newestRow - (int) (newest - f);
            if (from < 0) from += old;
            System.arraycopy(longs, from * LONGS, ring.longs, to * LONGS, LONGS);
            System.arraycopy(ints, from * INTS, ring.ints, to * INTS, INTS);
        }
        newestRow = to - 1;
    }

    private void evictOldest() {
        long f = oldest + 1;
        int r = row(f);
        JourneyColumns j = null;
        if (exemplars != null && f > refreshed && mayBeExemplar(r)) offerExemplars(j = materialize(r), 0, f);   // unseen by any refresh
        if (pool != null && ring.i(r, PIN) > 0 && poolFreeTop > 0) {
            if (j == null) j = materialize(r);
            j.ints[PIN] = ring.i(r, PIN);   // the offer may have pinned it
            int p = poolFree[--poolFreeTop];
            pool.copyFrom(j, 0, p, (long) p * PIN_STEPS, PIN_STEPS);
            poolRow.put(f, p);
        }
        oldest = f;
    }

    /**
     * Offers journey {@code r} of {@code c} (steps in order), finish ordinal {@code f}, to the
     * exemplar tables: each hop (as {@link HopCursor} walks them), its drop and its rules.
     */
    private void offerExemplars(JourneyColumns c, int r, long f) {
        ExemplarTable x = exemplars;
        final long[] l = c.longs;
        final int[] in = c.ints;
        final long[] ts = c.stepTs;
        final long[] words = c.stepWord;
        final int mask = c.stepMask;
        long id = l[r * LONGS + ID], end = l[r * LONGS + END];
        long duration = Math.max(0, end - l[r * LONGS + START]);
        int info = in[r * INTS + INFO];
        int base = (int) l[r * LONGS + STEP_BASE], n = in[r * INTS + STEPS];
        int runNode = -1, lastRule = -1;
        long runStart = 0;
        for (int k = 0; k < n; k++) {
            int p = (int) words[(base + k) & mask] & PACKED_MASK;
            int node = p & NODE_MASK;
            if (node != OTHER && node != END_NODE && node != runNode) {
                long t = ts[(base + k) & mask];
                if (runNode >= 0) x.offerNode(runNode, Math.max(0, t - runStart), f, id, end, this);
                runNode = node;
                runStart = t;
            }
            int rule = (p >>> RULE_SHIFT & RULE_MASK) - 1;
            if (rule >= 0 && rule != lastRule) {
                x.offerRule(rule, duration, f, id, end, this);
                lastRule = rule;
            }
        }
        if (runNode >= 0 && (info & INFO_END_SAMPLE) != 0) x.offerNode(runNode, Math.max(0, end - runStart), f, id, end, this);
        if ((info & INFO_DROPPED) != 0) x.offerDrop(in[r * INTS + DROP_REASON], duration, f, id, end, this);
    }

    private static final int OTHER = dev.skbscope.engine.PipelineNode.OTHER.ordinal();

    @Override
    public void pin(long f) {
        if (f > oldest && f <= newest) {
            int r = row(f);
            ring.i(r, PIN, ring.i(r, PIN) + 1);
            return;
        }
        int p = (int) poolRow.get(f);
        if (p >= 0) pool.i(p, PIN, pool.i(p, PIN) + 1);
    }

    @Override
    public void unpin(long f) {
        if (f > oldest && f <= newest) {
            int r = row(f);
            ring.i(r, PIN, ring.i(r, PIN) - 1);
            return;
        }
        int p = (int) poolRow.get(f);
        if (p < 0) return;   // evicted while the pool was full: nothing left to free
        int pins = pool.i(p, PIN) - 1;
        pool.i(p, PIN, pins);
        if (pins <= 0) {
            poolRow.remove(f);
            poolFree[poolFreeTop++] = p;
        }
    }

    /** Pinned journeys in the pool now. */
    public int pinnedInPool() { return poolRow == null ? 0 : poolRow.size(); }

    /** Forgets everything. */
    public void clear() {
        oldest = newest = 0;
        newestRow = -1;
        refreshed = 0;
        Arrays.fill(dropSeq, 0);
        Arrays.fill(ruleSeq, 0);
        steps.clear();
        highestEndNs = Long.MIN_VALUE;
        if (exemplars != null) {
            exemplars.clear();
            poolRow.clear();
            for (int i = 0; i < poolFree.length; i++) poolFree[i] = poolFree.length - 1 - i;
            poolFreeTop = poolFree.length;
        }
    }

    // ------------------------------------------------------------------ queries (under the owner's lock)

    /**
     * The journeys that match {@code q}, newest first, finishing before {@code before} (a finish
     * ordinal; Long.MAX_VALUE for the first page), at most {@code limit}: copied out of the store so
     * that views can be built after the lock is released.
     */
    public PacketQuery.Result query(PacketQuery q, PacketQuery.Context ctx, long before, int limit) {
        PacketQuery.Bound bound = q.bind(ctx);
        long[] hits = new long[Math.min(limit + 1, 1024)];
        int found = 0;
        long matched = 0;
        // the ring, newest first
        for (long f = newest; f > oldest; f--) {
            int r = row(f);
            if (!bound.matchesRecord(ring, r)) continue;
            if (bound.needsSteps() && !bound.matchesSteps(materialize(r), 0, hops)) continue;
            matched++;
            if (f < before && found <= limit) {
                if (found == hits.length) hits = Arrays.copyOf(hits, Math.min(limit + 1, hits.length * 2));
                hits[found++] = f;
            }
        }
        // then pinned journeys evicted from the ring: all older than the ring's
        long[] pinned = pinnedFinishes();
        for (int i = pinned.length - 1; i >= 0; i--) {
            long f = pinned[i];
            int p = (int) poolRow.get(f);
            if (!bound.matches(pool, p, hops)) continue;
            matched++;
            if (f < before && found <= limit) {
                if (found == hits.length) hits = Arrays.copyOf(hits, Math.min(limit + 1, hits.length * 2));
                hits[found++] = f;
            }
        }
        boolean more = found > limit;
        int n = Math.min(found, limit);
        JourneyColumns out = new JourneyColumns(Math.max(1, n), Math.max(2, stepsOf(hits, n)));
        long base = 0;
        for (int i = 0; i < n; i++) {
            long f = hits[i];
            if (f > oldest) {
                int r = row(f);
                int n0 = ring.steps(r);   // the row may show fewer (overwritten first steps), at the end of its room
                copyOut(r, out, i, base);
                base += n0;
            } else {
                int p = (int) poolRow.get(f);
                out.copyFrom(pool, p, i, base);
                base += pool.steps(p);
            }
        }
        out.rows = n;
        long next = more ? hits[n - 1] : 0;
        return new PacketQuery.Result(out, n, matched, next, size() + pinnedInPool());
    }

    private int stepsOf(long[] hits, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            long f = hits[i];
            sum += f > oldest ? ring.steps(row(f)) : pool.steps((int) poolRow.get(f));
        }
        return (int) Math.min(sum, 1 << 30);
    }

    /** Finish ordinals of the pooled journeys, ascending. */
    private long[] pinnedFinishes() {
        if (poolRow == null || poolRow.isEmpty()) return new long[0];
        long[] out = new long[poolRow.size()];
        int i = 0;
        for (var it = poolRow.keySet().iterator(); it.hasNext(); ) out[i++] = it.nextValue();
        Arrays.sort(out);
        return out;
    }

    /** The journey with packet id {@code id}, copied out, or null. */
    public JourneyColumns find(long id) {
        for (long f = newest; f > oldest; f--) {
            int r = row(f);
            if (ring.id(r) == id) {
                JourneyColumns out = new JourneyColumns(1, Math.max(2, ring.steps(r)));
                copyOut(r, out, 0, 0);
                return out;
            }
        }
        if (poolRow != null) {
            for (var it = poolRow.values().iterator(); it.hasNext(); ) {
                int p = (int) it.nextValue();
                if (pool.id(p) == id) return copyOne(pool, p);
            }
        }
        return null;
    }

    private static JourneyColumns copyOne(JourneyColumns src, int row) {
        JourneyColumns out = new JourneyColumns(1, Math.max(2, src.steps(row)));
        out.copyFrom(src, row, 0, 0);
        return out;
    }
}

package dev.skbscope.engine.packet;

import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * The finished journeys a session keeps, in bounded memory; single writer (the tracker's thread,
 * under its lock), and readers under the same lock. It holds:
 * <ul>
 *   <li>the last {@code capacity} finished journeys, oldest evicted first (a ring of records and a
 *       ring of their steps; retention is also bounded by the step ring, sized for 16 steps a journey);</li>
 *   <li>{@link ExemplarTable exemplars}: per node and latency bucket, per drop reason and per nft
 *       rule, the latest few journeys. An exemplar pins its journey: when the ring evicts a pinned
 *       journey it is copied into a small pool (at most {@link #PIN_STEPS} steps), where it stays
 *       while an exemplar refers to it.</li>
 * </ul>
 * Journeys are ordered by their finish ordinal; {@link #query} walks them newest first. A history
 * created with {@code initialCapacity < capacity} grows as it fills (recording indexes); a live
 * session's is allocated whole, so ingest allocates nothing.
 */
public final class PacketHistory implements JourneySink, ExemplarTable.Pins {
    public static final int DEFAULT_CAPACITY = 10_000;
    /** Steps kept per pinned journey (its first 31 and its last). */
    public static final int PIN_STEPS = 32;
    static final int STEPS_PER_JOURNEY = 16;

    private final int capacity;
    private final int maxStepCapacity;
    private final JourneyColumns ring;
    /** Finish ordinals kept in the ring: (oldest, newest], i.e. none when equal. */
    private long oldest, newest;
    private long stepWrite;
    private long highestEndNs = Long.MIN_VALUE;

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
        this.maxStepCapacity = pow2((long) capacity * STEPS_PER_JOURNEY);
        int rows = Math.max(1, Math.min(capacity, initialCapacity));
        this.ring = new JourneyColumns(rows, Math.max(MAX_STEPS * 2, Math.min(maxStepCapacity, pow2((long) rows * STEPS_PER_JOURNEY))));
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

    private static int pow2(long n) {
        long c = Long.highestOneBit(Math.max(2, n) - 1) << 1;
        return (int) Math.min(c, 1 << 30);
    }

    public int capacity() { return capacity; }
    /** Journeys in the ring now. */
    public int size() { return (int) (newest - oldest); }
    /** Finish ordinal of the newest journey (the number of journeys received). */
    public long newest() { return newest; }
    /** Latest end time of any journey received (Long.MIN_VALUE before the first). */
    public long highestEndNs() { return highestEndNs; }
    /** The exemplar references (null without exemplars); read under the owner's lock. */
    public ExemplarTable exemplars() { return exemplars; }

    private int row(long finish) { return (int) ((finish - 1) % ring.rows); }

    @Override
    public void finished(JourneyColumns j, int jr) {
        int n = j.steps(jr);
        if (newest - oldest == ring.rows) {
            if (ring.rows < capacity) growRows();
            else evictOldest();
        }
        while (stepWrite + n - stepFloor() > ring.stepCapacity()) {
            if (ring.stepCapacity() < maxStepCapacity) ring.growSteps(ring.stepCapacity() * 2, stepFloor(), stepWrite);
            else evictOldest();
        }
        long f = ++newest;
        int r = row(f);
        ring.copyFrom(j, jr, r, stepWrite);
        ring.l(r, FINISH, f);
        ring.i(r, PIN, 0);
        stepWrite += n;
        long end = ring.endNs(r);
        if (end > highestEndNs) highestEndNs = end;
        if (exemplars != null) offerExemplars(r, f);
    }

    private long stepFloor() { return newest == oldest ? stepWrite : ring.l(row(oldest + 1), STEP_BASE); }

    private void growRows() {
        int old = ring.rows, grown = (int) Math.min(capacity, (long) old * 2);
        // re-place each kept record at its row in the bigger ring
        long[] longs = Arrays.copyOf(ring.longs, ring.longs.length);
        int[] ints = Arrays.copyOf(ring.ints, ring.ints.length);
        ring.growRows(grown);
        for (long f = oldest + 1; f <= newest; f++) {
            int from = (int) ((f - 1) % old), to = row(f);
            System.arraycopy(longs, from * LONGS, ring.longs, to * LONGS, LONGS);
            System.arraycopy(ints, from * INTS, ring.ints, to * INTS, INTS);
        }
    }

    private void evictOldest() {
        long f = oldest + 1;
        int r = row(f);
        if (pool != null && ring.i(r, PIN) > 0 && poolFreeTop > 0) {
            int p = poolFree[--poolFreeTop];
            pool.copyFrom(ring, r, p, (long) p * PIN_STEPS, PIN_STEPS);
            poolRow.put(f, p);
        }
        oldest = f;
    }

    private void offerExemplars(int r, long f) {
        ExemplarTable x = exemplars;
        long id = ring.id(r), end = ring.endNs(r);
        long duration = Math.max(0, end - ring.startNs(r));
        for (hops.reset(ring, r); hops.next(); ) {
            long spent = hops.spentNs();
            if (spent >= 0) x.offerNode(hops.node(), spent, f, id, end, this);
        }
        int info = ring.info(r);
        if ((info & INFO_DROPPED) != 0) x.offerDrop(ring.i(r, DROP_REASON), duration, f, id, end, this);
        int lastRule = -1;
        for (int k = 0, n = ring.steps(r); k < n; k++) {
            int rule = rule(ring.stepPacked(r, k));
            if (rule >= 0 && rule != lastRule) {
                x.offerRule(rule, duration, f, id, end, this);
                lastRule = rule;
            }
        }
    }

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
        stepWrite = 0;
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
            if (!bound.matches(ring, r, hops)) continue;
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
            JourneyColumns src = f > oldest ? ring : pool;
            int sr = f > oldest ? row(f) : (int) poolRow.get(f);
            out.copyFrom(src, sr, i, base);
            base += src.steps(sr);
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
            if (ring.id(r) == id) return copyOne(ring, r);
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

package dev.skbscope.engine.packet;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.StatsSnapshot.LatencyBuckets;

/**
 * The latest few packets of each node latency bucket, drop reason and nft rule, as references
 * (finish ordinal, id, value, event time) in one fixed array; single writer, like its
 * {@link PacketHistory}. A group keeps the journeys with the highest finish ordinals offered to it,
 * whatever the order of the offers. The live table is written under the tracker's lock; a snapshot copies it
 * into a second instance ({@link #copyInto}) and reads that one outside the lock.
 *
 * <p>Node buckets split each fixed latency bucket of the Prometheus histograms
 * ({@link LatencyBuckets#UPPER_BOUNDS_US}) in four (geometrically; the last at 20, 50 and 100 ms),
 * so that a bucket's exemplars are close to any percentile that falls in it; a packet belongs to
 * the first bucket whose upper bound is at or above its time at the node. Each node also keeps
 * its slowest recent packet (replaced by a slower one, or by any one after {@link #SLOWEST_AGE_NS}
 * of event time).
 */
public final class ExemplarTable {
    static final int NODES = PipelineNode.COUNT;
    /** The Prometheus buckets. */
    public static final int BUCKETS = LatencyBuckets.UPPER_BOUNDS_US.size();
    /** Exemplar buckets per Prometheus bucket. */
    static final int SPLIT = 4;
    static final int FINE = BUCKETS * SPLIT;
    static final int PER_BUCKET = 3, PER_REASON = 3, PER_RULE = 2;
    /** Drop reason ids and rule indexes past these have no exemplars (the kernel has ~130 reasons; rules are capped at 1,000). */
    static final int MAX_REASONS = 512, MAX_RULES = 1024;
    /** After this much event time the slowest packet of a node gives way to any newer one. */
    static final long SLOWEST_AGE_NS = 10_000_000_000L;
    /** Upper bounds of the fine buckets (the last is +Inf). */
    private static final long[] FINE_NS = new long[FINE - 1];
    static {
        double lower = 0;
        for (int b = 0; b < BUCKETS; b++) {
            double upper = b < BUCKETS - 1 ? LatencyBuckets.UPPER_BOUNDS_US.get(b) * 1000 : 100_000_000;   // +Inf: split up to 100 ms
            for (int k = 1; k <= SPLIT; k++) {
                int i = b * SPLIT + k - 1;
                if (i == FINE - 1) break;
                double bound = lower <= 0 ? upper * k / SPLIT
                        : b == BUCKETS - 1 ? new double[]{20e6, 50e6, 100e6}[k - 1]
                        : lower * Math.pow(upper / lower, (double) k / SPLIT);
                FINE_NS[i] = k == SPLIT ? Math.round(upper) : Math.round(bound);
            }
            lower = upper;
        }
    }

    private static final int SLOWEST_BASE = NODES * FINE * PER_BUCKET;
    private static final int NODE_GROUPS = NODES * FINE;
    private static final int DROP_BASE = SLOWEST_BASE + NODES;
    private static final int RULE_BASE = DROP_BASE + MAX_REASONS * PER_REASON;
    private static final int SLOTS = RULE_BASE + MAX_RULES * PER_RULE;

    /**
     * The references, {@link #STRIDE} longs each (finish ordinal, packet id, value, end time), so
     * that a reference is one cache line: finish 0 = empty. Node slots hold the packet's time at the
     * node (ns), the others its duration.
     */
    private final long[] refs = new long[SLOTS * STRIDE];
    private static final int STRIDE = 4, F = 0, ID = 1, V = 2, AT = 3;

    /** Keeps references alive in the store they point into. */
    interface Pins {
        void pin(long finish);
        void unpin(long finish);
    }

    /** Per bit length of a latency, the first fine bucket that can hold it: a scan from there takes a step or two. */
    private static final int[] FIRST_BY_BITS = new int[65];
    static {
        for (int bits = 0; bits <= 64; bits++) {
            long low = bits == 0 ? 0 : 1L << (bits - 1);
            int i = 0;
            while (i < FINE_NS.length && FINE_NS[i] < low) i++;
            FIRST_BY_BITS[bits] = i;
        }
    }

    /** The fine bucket index of a latency (its Prometheus bucket is {@code fine / SPLIT}). */
    static int fineBucketOf(long ns) {
        int i = FIRST_BY_BITS[64 - Long.numberOfLeadingZeros(ns)];
        while (i < FINE_NS.length && FINE_NS[i] < ns) i++;
        return i;
    }

    void offerNode(int node, long spentNs, long finish, long id, long at, Pins pins) {
        int b = fineBucketOf(spentNs);
        put((node * FINE + b) * PER_BUCKET, PER_BUCKET, finish, id, spentNs, at, pins);
        int s = (SLOWEST_BASE + node) * STRIDE;
        long old = refs[s + F];
        if (old == finish) return;
        // the slowest recent: a slower one replaces it, and after SLOWEST_AGE_NS any newer one does
        if (old == 0 || spentNs > refs[s + V] && at >= refs[s + AT] - SLOWEST_AGE_NS || at > refs[s + AT] + SLOWEST_AGE_NS) {
            if (old != 0) pins.unpin(old);
            set(s, finish, id, spentNs, at);
            pins.pin(finish);
        }
    }

    void offerDrop(int reason, long durationNs, long finish, long id, long at, Pins pins) {
        if (reason < 0 || reason >= MAX_REASONS) return;
        put(DROP_BASE + reason * PER_REASON, PER_REASON, finish, id, durationNs, at, pins);
    }

    void offerRule(int rule, long durationNs, long finish, long id, long at, Pins pins) {
        if (rule < 0 || rule >= MAX_RULES) return;
        put(RULE_BASE + rule * PER_RULE, PER_RULE, finish, id, durationNs, at, pins);
    }

    /** Keeps the {@code k} latest journeys (highest finish ordinals) of the group at slot {@code base}. */
    private void put(int base, int k, long f, long packet, long v, long t, Pins pins) {
        int oldest = -1;
        long oldestF = Long.MAX_VALUE;
        for (int i = 0; i < k; i++) {
            int s = (base + i) * STRIDE;
            long x = refs[s + F];
            if (x == f) return;   // already there (two hops in one bucket, or offered again)
            if (x < oldestF) { oldestF = x; oldest = s; }
        }
        if (oldestF >= f) return;   // all kept ones are newer
        if (oldestF != 0) pins.unpin(oldestF);
        set(oldest, f, packet, v, t);
        pins.pin(f);
    }

    private void set(int s, long f, long packet, long v, long t) {
        refs[s + F] = f;
        refs[s + ID] = packet;
        refs[s + V] = v;
        refs[s + AT] = t;
    }

    void clear() {
        java.util.Arrays.fill(refs, 0);
    }

    /** Copies every reference into {@code dst} (a snapshot's copy). */
    public void copyInto(ExemplarTable dst) {
        System.arraycopy(refs, 0, dst.refs, 0, refs.length);
    }

    /**
     * The exemplar of node {@code node} for its p99: among its kept packets, the fastest at or
     * above {@code p99Ns}, else the slowest below; -1 slot when it has none. Returns the slot.
     */
    public int p99Slot(int node, long p99Ns) {
        int best = -1, below = -1;
        int base = node * FINE * PER_BUCKET;
        for (int i = 0; i <= FINE * PER_BUCKET; i++) {
            int s = i < FINE * PER_BUCKET ? base + i : SLOWEST_BASE + node;
            if (f(s) == 0) continue;
            long v = value(s);
            if (v >= p99Ns) {
                if (best < 0 || v < value(best) || v == value(best) && f(s) > f(best)) best = s;
            } else if (below < 0 || v > value(below) || v == value(below) && f(s) > f(below)) {
                below = s;
            }
        }
        return best >= 0 ? best : below;
    }

    /** The slowest of the latest packets in node {@code node}'s Prometheus bucket {@code b}, or -1. */
    public int bucketSlot(int node, int b) {
        int base = (node * FINE + b * SPLIT) * PER_BUCKET, best = -1;
        for (int s = base; s < base + SPLIT * PER_BUCKET; s++) {
            if (f(s) != 0 && (best < 0 || value(s) > value(best))) best = s;
        }
        return best;
    }

    /** The slowest recent packet of node {@code node}, or -1. */
    public int slowestSlot(int node) {
        int s = SLOWEST_BASE + node;
        return f(s) == 0 ? -1 : s;
    }

    /** The latest dropped packet with drop reason id {@code reason}, or -1. */
    public int dropSlot(int reason) {
        return reason < 0 || reason >= MAX_REASONS ? -1 : latest(DROP_BASE + reason * PER_REASON, PER_REASON);
    }

    /** The latest packet that nft rule index {@code rule} gave a verdict, or -1. */
    public int ruleSlot(int rule) {
        return rule < 0 || rule >= MAX_RULES ? -1 : latest(RULE_BASE + rule * PER_RULE, PER_RULE);
    }

    private int latest(int base, int k) {
        int best = -1;
        for (int s = base; s < base + k; s++) if (f(s) != 0 && (best < 0 || f(s) > f(best))) best = s;
        return best;
    }

    private long f(int slot) { return refs[slot * STRIDE + F]; }
    /** The packet id of the reference in {@code slot}. */
    public long id(int slot) { return refs[slot * STRIDE + ID]; }
    /** Its time at the node (node slots) or its duration, ns. */
    public long value(int slot) { return refs[slot * STRIDE + V]; }
    /** Event time it ended. */
    public long at(int slot) { return refs[slot * STRIDE + AT]; }
}

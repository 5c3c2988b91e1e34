package dev.skbscope.engine.packet;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.StatsSnapshot.LatencyBuckets;

/**
 * The latest few packets of each node latency bucket, drop reason and nft rule, as references
 * (finish ordinal, id, value, event time) in fixed arrays; single writer, like its
 * {@link PacketHistory}. The live table is written under the tracker's lock; a snapshot copies it
 * into a second instance ({@link #copyInto}) and reads that one outside the lock.
 *
 * <p>Node buckets are the fixed latency buckets of the Prometheus histograms
 * ({@link LatencyBuckets#UPPER_BOUNDS_US}): a packet belongs to the first bucket whose upper bound
 * is at or above its time at the node.
 */
public final class ExemplarTable {
    static final int NODES = PipelineNode.COUNT;
    public static final int BUCKETS = LatencyBuckets.UPPER_BOUNDS_US.size();
    static final int PER_BUCKET = 3, PER_REASON = 3, PER_RULE = 2;
    /** Drop reason ids and rule indexes past these have no exemplars (the kernel has ~130 reasons; rules are capped at 1,000). */
    static final int MAX_REASONS = 512, MAX_RULES = 1024;
    private static final long[] BOUNDS_NS = new long[BUCKETS - 1];
    static {
        for (int b = 0; b < BUCKETS - 1; b++) BOUNDS_NS[b] = Math.round(LatencyBuckets.UPPER_BOUNDS_US.get(b) * 1000);
    }

    private static final int NODE_GROUPS = NODES * BUCKETS;
    private static final int DROP_BASE = NODE_GROUPS * PER_BUCKET;
    private static final int RULE_BASE = DROP_BASE + MAX_REASONS * PER_REASON;
    private static final int SLOTS = RULE_BASE + MAX_RULES * PER_RULE;
    private static final int GROUPS = NODE_GROUPS + MAX_REASONS + MAX_RULES;

    /** Finish ordinal of the referenced journey; 0 = empty. */
    final long[] finish = new long[SLOTS];
    final long[] id = new long[SLOTS];
    /** Node slots: the packet's time at the node (ns); others: its duration. */
    final long[] value = new long[SLOTS];
    /** Event time the journey ended. */
    final long[] at = new long[SLOTS];
    private final byte[] cursor = new byte[GROUPS];

    /** Keeps references alive in the store they point into. */
    interface Pins {
        void pin(long finish);
        void unpin(long finish);
    }

    /** The bucket index of a latency. */
    public static int bucketOf(long ns) {
        for (int b = 0; b < BOUNDS_NS.length; b++) if (ns <= BOUNDS_NS[b]) return b;
        return BUCKETS - 1;
    }

    void offerNode(int node, long spentNs, long finish, long id, long at, Pins pins) {
        int b = bucketOf(spentNs);
        int g = node * BUCKETS + b;
        put(g, node * BUCKETS * PER_BUCKET + b * PER_BUCKET, PER_BUCKET, finish, id, spentNs, at, pins);
    }

    void offerDrop(int reason, long durationNs, long finish, long id, long at, Pins pins) {
        if (reason < 0 || reason >= MAX_REASONS) return;
        put(NODE_GROUPS + reason, DROP_BASE + reason * PER_REASON, PER_REASON, finish, id, durationNs, at, pins);
    }

    void offerRule(int rule, long durationNs, long finish, long id, long at, Pins pins) {
        if (rule < 0 || rule >= MAX_RULES) return;
        put(NODE_GROUPS + MAX_REASONS + rule, RULE_BASE + rule * PER_RULE, PER_RULE, finish, id, durationNs, at, pins);
    }

    private void put(int group, int base, int k, long f, long packet, long v, long t, Pins pins) {
        int c = cursor[group];
        int s = base + c;
        long old = finish[s];
        if (old == f) return;   // the same journey again (two hops in one bucket)
        if (old != 0) pins.unpin(old);
        finish[s] = f;
        id[s] = packet;
        value[s] = v;
        at[s] = t;
        pins.pin(f);
        cursor[group] = (byte) (c + 1 == k ? 0 : c + 1);
    }

    void clear() {
        java.util.Arrays.fill(finish, 0);
        java.util.Arrays.fill(cursor, (byte) 0);
    }

    /** Copies every reference into {@code dst} (a snapshot's copy). */
    public void copyInto(ExemplarTable dst) {
        System.arraycopy(finish, 0, dst.finish, 0, SLOTS);
        System.arraycopy(id, 0, dst.id, 0, SLOTS);
        System.arraycopy(value, 0, dst.value, 0, SLOTS);
        System.arraycopy(at, 0, dst.at, 0, SLOTS);
    }

    /**
     * The exemplar of node {@code node} for its p99: among its kept packets, the fastest at or
     * above {@code p99Ns}, else the slowest below; -1 slot when it has none. Returns the slot.
     */
    public int p99Slot(int node, long p99Ns) {
        int best = -1, below = -1;
        int base = node * BUCKETS * PER_BUCKET;
        for (int s = base; s < base + BUCKETS * PER_BUCKET; s++) {
            if (finish[s] == 0) continue;
            long v = value[s];
            if (v >= p99Ns) {
                if (best < 0 || v < value[best] || v == value[best] && finish[s] > finish[best]) best = s;
            } else if (below < 0 || v > value[below] || v == value[below] && finish[s] > finish[below]) {
                below = s;
            }
        }
        return best >= 0 ? best : below;
    }

    /** The slowest of the latest packets of node {@code node}'s bucket {@code b}, or -1. */
    public int bucketSlot(int node, int b) {
        int base = node * BUCKETS * PER_BUCKET + b * PER_BUCKET, best = -1;
        for (int s = base; s < base + PER_BUCKET; s++) {
            if (finish[s] != 0 && (best < 0 || value[s] > value[best])) best = s;
        }
        return best;
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
        for (int s = base; s < base + k; s++) if (finish[s] != 0 && (best < 0 || finish[s] > finish[best])) best = s;
        return best;
    }

    /** Packets kept for node {@code node}'s bucket {@code b} (for tests): slots, empty ones included. */
    int[] bucketSlots(int node, int b) {
        int base = node * BUCKETS * PER_BUCKET + b * PER_BUCKET;
        int[] out = new int[PER_BUCKET];
        for (int i = 0; i < PER_BUCKET; i++) out[i] = base + i;
        return out;
    }

    public long id(int slot) { return id[slot]; }
    public long value(int slot) { return value[slot]; }
    public long at(int slot) { return at[slot]; }
}

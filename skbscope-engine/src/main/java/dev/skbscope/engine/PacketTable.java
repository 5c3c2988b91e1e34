package dev.skbscope.engine;

import org.agrona.collections.Long2LongHashMap;

/**
 * Per-packet state of the packets tracked now, in a fixed number of slots; not thread-safe (the
 * tracker's writer owns it). State lives in primitive arrays indexed by slot and is read and
 * written through small named accessors (the JIT inlines them); a pre-sized agrona map finds a
 * packet's slot by identity, and an intrusive doubly linked list over the slots keeps them oldest
 * first so eviction is O(1) per packet. Nothing is allocated after construction.
 */
final class PacketTable {
    static final int NONE = -1;

    /*
     * The per-event state of a slot sits together (two cache lines at most, not six):
     * time[slot * 2 + RUN_START | LAST_TS] and meta[slot * 4 + NODE | PATH | FLAGS | VISITED].
     */
    /** Time of the first event of the packet's current run at its node. */
    private static final int RUN_START = 0;
    /** Latest timestamp seen for the packet. */
    private static final int LAST_TS = 1;
    /** Current node ordinal, or {@link #NONE} before the packet reached a pipeline node. */
    private static final int NODE = 0;
    /** {@code ProbeTable.PATH_*}. */
    private static final int PATH = 1;
    /** Bits 0-3: pipelines started; 4-7: pipelines open (started, not yet ended); plus FLAG_*. */
    private static final int FLAGS = 2;
    /** Bit per node ordinal: nodes this packet has entered. */
    private static final int VISITED = 3;

    private static final int OPEN_SHIFT = 4;
    private static final int OPEN_MASK = 0xf << OPEN_SHIFT;
    private static final int FLAG_REACHED_NIC = 1 << 8;
    private static final int FLAG_DROPPED = 1 << 9;
    /** Known by an nft trace id: no end event will come. */
    private static final int FLAG_TRACE_ID = 1 << 10;

    private final int capacity;
    private final Long2LongHashMap slotOf;
    private final long[] key;
    private final long[] time;
    private final int[] meta;
    /** Packets the slot stands for (its first event's weight): counts about the packet scale by it. */
    private final int[] weight;
    private final int[] prev;
    private final int[] next;
    private final int[] free;
    private int freeTop;
    private int head = NONE;
    private int tail = NONE;
    private int size;

    PacketTable(int capacity) {
        this.capacity = capacity;
        // load factor 0.5 on twice the capacity: the map never resizes
        slotOf = new Long2LongHashMap(capacity * 2, 0.5f, NONE);
        key = new long[capacity];
        time = new long[capacity * 2];
        meta = new int[capacity * 4];
        weight = new int[capacity];
        prev = new int[capacity];
        next = new int[capacity];
        free = new int[capacity];
        clear();
    }

    int capacity() { return capacity; }
    int size() { return size; }
    boolean isFull() { return size == capacity; }
    /** The oldest tracked slot, or {@link #NONE}. */
    int oldest() { return head; }
    /** The slot after {@code slot} in age order, or {@link #NONE}. */
    int newer(int slot) { return next[slot]; }

    /** The slot of packet {@code k}, or {@link #NONE}. */
    int find(long k) { return (int) slotOf.get(k); }

    // ---------------------------------------------------------------- one slot's state

    /** Packets the slot stands for. */
    int weight(int s) { return weight[s]; }

    /** The packet's current node ordinal, or {@link #NONE}. */
    int node(int s) { return meta[s << 2 | NODE]; }
    void node(int s, int node) { meta[s << 2 | NODE] = node; }

    /** The packet's path ({@code ProbeTable.PATH_*}). */
    int path(int s) { return meta[s << 2 | PATH]; }
    void path(int s, int path) { meta[s << 2 | PATH] = path; }

    /** When the packet's current run at its node began. */
    long runStart(int s) { return time[s << 1 | RUN_START]; }
    void runStart(int s, long ts) { time[s << 1 | RUN_START] = ts; }

    /** The latest timestamp seen for the packet. */
    long lastTs(int s) { return time[s << 1 | LAST_TS]; }
    void lastTs(int s, long ts) { time[s << 1 | LAST_TS] = ts; }

    /** Marks node {@code node} visited; true if this is the packet's first visit there. */
    /** Bit per node ordinal: the nodes the packet in {@code s} entered. */
    int visited(int s) { return meta[s << 2 | VISITED]; }

    boolean visit(int s, int node) {
        int bit = 1 << node, i = s << 2 | VISITED;
        if ((meta[i] & bit) != 0) return false;
        meta[i] |= bit;
        return true;
    }

    boolean dropped(int s) { return (meta[s << 2 | FLAGS] & FLAG_DROPPED) != 0; }
    void markDropped(int s) { meta[s << 2 | FLAGS] |= FLAG_DROPPED; }

    /** The packet left through nic/nic_tx: an ingress node next means a new journey. */
    boolean reachedNic(int s) { return (meta[s << 2 | FLAGS] & FLAG_REACHED_NIC) != 0; }
    void markReachedNic(int s) { meta[s << 2 | FLAGS] |= FLAG_REACHED_NIC; }

    /** The packet is known by an nft trace id (no end event will come). */
    boolean knownByTraceId(int s) { return (meta[s << 2 | FLAGS] & FLAG_TRACE_ID) != 0; }
    void markKnownByTraceId(int s) { meta[s << 2 | FLAGS] |= FLAG_TRACE_ID; }

    /** Starts and opens pipeline {@code pipe}; false if it had started before (a pipeline starts once). */
    boolean startPipeline(int s, int pipe) {
        int started = 1 << pipe, i = s << 2 | FLAGS;
        int f = meta[i];
        if ((f & started) != 0) return false;
        meta[i] = f | started | started << OPEN_SHIFT;
        return true;
    }

    /** Closes pipeline {@code pipe}; false if it was not open. */
    boolean closePipeline(int s, int pipe) {
        int open = 1 << (pipe + OPEN_SHIFT), i = s << 2 | FLAGS;
        int f = meta[i];
        if ((f & open) == 0) return false;
        meta[i] = f & ~open;
        return true;
    }

    /** Closes every open pipeline; returns them as a bit per pipeline index. */
    int closeOpenPipelines(int s) {
        int i = s << 2 | FLAGS;
        int f = meta[i];
        meta[i] = f & ~OPEN_MASK;
        return (f & OPEN_MASK) >>> OPEN_SHIFT;
    }

    // ---------------------------------------------------------------- tracking

    /** Tracks packet {@code k} (which must not be tracked and the table must not be full) as the newest. */
    int add(long k, long ts, int w) {
        int s = free[--freeTop];
        slotOf.put(k, s);
        key[s] = k;
        time[s << 1 | RUN_START] = ts;
        time[s << 1 | LAST_TS] = ts;
        meta[s << 2 | NODE] = NONE;
        meta[s << 2 | PATH] = 0;
        meta[s << 2 | FLAGS] = 0;
        meta[s << 2 | VISITED] = 0;
        weight[s] = w;
        prev[s] = tail;
        next[s] = NONE;
        if (tail != NONE) next[tail] = s; else head = s;
        tail = s;
        size++;
        return s;
    }

    /** Stops tracking the packet in {@code slot}. */
    void remove(int s) {
        slotOf.remove(key[s]);
        int p = prev[s], n = next[s];
        if (p != NONE) next[p] = n; else head = n;
        if (n != NONE) prev[n] = p; else tail = p;
        free[freeTop++] = s;
        size--;
    }

    void clear() {
        slotOf.clear();
        for (int i = 0; i < capacity; i++) free[i] = capacity - 1 - i;
        freeTop = capacity;
        head = tail = NONE;
        size = 0;
    }

    /** Size of the identity map's backing array: constant for the table's life (for tests). */
    int mapCapacity() { return slotOf.capacity(); }
}

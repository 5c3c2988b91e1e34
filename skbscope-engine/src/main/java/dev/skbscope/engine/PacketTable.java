package dev.skbscope.engine;

import org.agrona.collections.Long2LongHashMap;

/**
 * Per-packet state of the packets tracked now, in a fixed number of slots; not thread-safe (the
 * tracker's writer owns it). State lives in primitive arrays indexed by slot; a
 * pre-sized agrona map finds a packet's slot by identity, and an intrusive doubly linked list
 * over the slots keeps them oldest first so eviction is O(1) per packet. Nothing is allocated
 * after construction.
 */
final class PacketTable {
    static final int NONE = -1;

    /** Bits of {@link #FLAGS} above the pipeline bits. */
    static final int FLAG_REACHED_NIC = 1 << 8;
    static final int FLAG_DROPPED = 1 << 9;
    /** Known by an nft trace id: no end event will come. */
    static final int FLAG_TRACE_ID = 1 << 10;

    private final int capacity;
    private final Long2LongHashMap slotOf;
    final long[] key;
    /*
     * The per-event state of a slot sits together (two cache lines at most, not six):
     * time[slot * 2 + RUN_START | LAST_TS] and meta[slot * 4 + NODE | PATH | FLAGS | VISITED].
     */
    /** Time of the first event of the packet's current run at its node. */
    static final int RUN_START = 0;
    /** Latest timestamp seen for the packet. */
    static final int LAST_TS = 1;
    /** Current node ordinal, or {@link #NONE} before the packet reached a pipeline node. */
    static final int NODE = 0;
    /** {@code ProbeTable.PATH_*}. */
    static final int PATH = 1;
    /** Bits 0-3: pipelines started; 4-7: pipelines open (started, not yet ended); plus FLAG_*. */
    static final int FLAGS = 2;
    /** Bit per node ordinal: nodes this packet has entered. */
    static final int VISITED = 3;
    final long[] time;
    final int[] meta;
    /** Packets the slot stands for (its first event's weight): counts about the packet scale by it. */
    final int[] weight;
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

package dev.skbscope.engine;

/**
 * Per-packet state of the packets tracked now, in a fixed number of slots; not thread-safe (the
 * tracker's writer owns it). State lives in primitive arrays indexed by slot and is read and
 * written through small named accessors (the JIT inlines them); a {@link SlotIndex} finds a
 * packet's slot by identity. Two intrusive doubly linked lists over the slots keep them least
 * recently active first, one for packets in the stack and one for packets waiting at a socket
 * for the application: eviction and idle expiry are O(1) per packet. Nothing is allocated after
 * construction.
 */
final class PacketTable {
    static final int NONE = -1;

    /** The list of packets in the stack, and of packets delivered to a socket and not yet read. */
    static final int STACK = 0, SOCKET = 1;

    /*
     * The per-event state of a slot sits together (two cache lines at most):
     * time[slot * 4 + RUN_START | LAST_TS | HOOK_NS | EDGE_TS] and
     * meta[slot * 8 + NODE | PATH | FLAGS | VISITED | EDGE_FROM | RESUME | LIST].
     */
    private static final int TS = 2, MS = 3; // log2 of the strides
    /** Time of the first event of the packet's current run at its node. */
    private static final int RUN_START = 0;
    /** Latest timestamp seen for the packet. */
    private static final int LAST_TS = 1;
    /** Time the packet spent in its netfilter hook's node before the stages nested in it. */
    private static final int HOOK_NS = 2;
    /** When the packet entered {@link #EDGE_FROM}. */
    private static final int EDGE_TS = 3;
    /** Current node ordinal, or {@link #NONE} before the packet reached a pipeline node. */
    private static final int NODE = 0;
    /** {@code ProbeTable.PATH_*}. */
    private static final int PATH = 1;
    /** Bits 0-3: pipelines started; 4-7: pipelines open (started, not yet ended); plus FLAG_*. */
    private static final int FLAGS = 2;
    /** Bit per node ordinal: nodes this packet has entered. */
    private static final int VISITED = 3;
    /** The node the next edge starts from: the last node entered (a stage, while its hook's node resumes). */
    private static final int EDGE_FROM = 4;
    /** The hook node a stage nests in (the packet returns there when the stage ends), or {@link #NONE}. */
    private static final int RESUME = 5;
    /** {@link #STACK} or {@link #SOCKET}. */
    private static final int LIST = 6;
    /** The hook (Hook ordinal) whose verdict is inferred when the packet leaves its node, or 0. */
    private static final int PENDING_VERDICT = 7;

    private static final int OPEN_SHIFT = 4;
    private static final int OPEN_MASK = 0xf << OPEN_SHIFT;
    private static final int FLAG_REACHED_NIC = 1 << 8;
    private static final int FLAG_DROPPED = 1 << 9;
    /** Known by an nft trace id: no end event will come. */
    private static final int FLAG_TRACE_ID = 1 << 10;

    private final int capacity;
    private final SlotIndex slotOf;
    private final long[] key;
    private final long[] time;
    private final int[] meta;
    /** Packets the slot stands for (its first event's weight): counts about the packet scale by it. */
    private final int[] weight;
    /** The age lists' links, interleaved so that a slot's two share a cache line: [2s] older, [2s + 1] newer. */
    private final int[] link;
    private final int[] free;
    private int freeTop;
    private final int[] head = {NONE, NONE};
    private final int[] tail = {NONE, NONE};
    private int size;

    PacketTable(int capacity) {
        this.capacity = capacity;
        key = new long[capacity];
        slotOf = new SlotIndex(capacity, key);
        time = new long[capacity << TS];
        meta = new int[capacity << MS];
        weight = new int[capacity];
        link = new int[capacity * 2];
        free = new int[capacity];
        clear();
    }

    int capacity() { return capacity; }
    int size() { return size; }
    boolean isFull() { return size == capacity; }
    /** The least recently active slot of list {@code list}, or {@link #NONE}. */
    int oldest(int list) { return head[list]; }

    /** The least recently active slot of both lists, or {@link #NONE}. */
    int oldest() {
        int a = head[STACK], b = head[SOCKET];
        if (a == NONE) return b;
        if (b == NONE) return a;
        return time[b << TS | LAST_TS] < time[a << TS | LAST_TS] ? b : a;
    }
    /** The slot after {@code slot} in its list's age order, or {@link #NONE}. */
    int newer(int slot) { return link[2 * slot + 1]; }

    /** The slot of packet {@code k}, or {@link #NONE}. */
    int find(long k) { return slotOf.find(k); }

    // ---------------------------------------------------------------- one slot's state

    /** Packets the slot stands for. */
    int weight(int s) { return weight[s]; }

    /** The packet's current node ordinal, or {@link #NONE}. */
    int node(int s) { return meta[s << MS | NODE]; }
    void node(int s, int node) { meta[s << MS | NODE] = node; }

    /** The packet's path ({@code ProbeTable.PATH_*}). */
    int path(int s) { return meta[s << MS | PATH]; }
    void path(int s, int path) { meta[s << MS | PATH] = path; }

    /** When the packet's current run at its node began. */
    long runStart(int s) { return time[s << TS | RUN_START]; }
    void runStart(int s, long ts) { time[s << TS | RUN_START] = ts; }

    /** The latest timestamp seen for the packet. */
    long lastTs(int s) { return time[s << TS | LAST_TS]; }
    void lastTs(int s, long ts) { time[s << TS | LAST_TS] = ts; }

    /** Bit per node ordinal: the nodes the packet in {@code s} entered. */
    int visited(int s) { return meta[s << MS | VISITED]; }

    /** Marks node {@code node} visited; true if this is the packet's first visit there. */
    boolean visit(int s, int node) {
        int bit = 1 << node, i = s << MS | VISITED;
        if ((meta[i] & bit) != 0) return false;
        meta[i] |= bit;
        return true;
    }

    /** Hook time accumulated before the stages nested in the hook. */
    long hookNs(int s) { return time[s << TS | HOOK_NS]; }
    void hookNs(int s, long ns) { time[s << TS | HOOK_NS] = ns; }

    /** The node the next edge starts from, and when the packet entered it. */
    int edgeFrom(int s) { return meta[s << MS | EDGE_FROM]; }
    long edgeTs(int s) { return time[s << TS | EDGE_TS]; }
    void edgeFrom(int s, int node, long ts) {
        meta[s << MS | EDGE_FROM] = node;
        time[s << TS | EDGE_TS] = ts;
    }

    /** The hook node an open stage returns to, or {@link #NONE}. */
    int resume(int s) { return meta[s << MS | RESUME]; }
    void resume(int s, int node) { meta[s << MS | RESUME] = node; }

    /** The hook whose verdict is pending (Hook ordinal), or 0. */
    int pendingVerdict(int s) { return meta[s << MS | PENDING_VERDICT]; }
    void pendingVerdict(int s, int hook) { meta[s << MS | PENDING_VERDICT] = hook; }

    boolean dropped(int s) { return (meta[s << MS | FLAGS] & FLAG_DROPPED) != 0; }
    void markDropped(int s) { meta[s << MS | FLAGS] |= FLAG_DROPPED; }

    /** The packet left through nic/nic_tx: an ingress node next means a new journey. */
    boolean reachedNic(int s) { return (meta[s << MS | FLAGS] & FLAG_REACHED_NIC) != 0; }
    void markReachedNic(int s) { meta[s << MS | FLAGS] |= FLAG_REACHED_NIC; }

    /** The packet is known by an nft trace id (no end event will come). */
    boolean knownByTraceId(int s) { return (meta[s << MS | FLAGS] & FLAG_TRACE_ID) != 0; }
    void markKnownByTraceId(int s) { meta[s << MS | FLAGS] |= FLAG_TRACE_ID; }

    /** Starts and opens pipeline {@code pipe}; false if it had started before (a pipeline starts once). */
    boolean startPipeline(int s, int pipe) {
        int started = 1 << pipe, i = s << MS | FLAGS;
        int f = meta[i];
        if ((f & started) != 0) return false;
        meta[i] = f | started | started << OPEN_SHIFT;
        return true;
    }

    /** Closes pipeline {@code pipe}; false if it was not open. */
    boolean closePipeline(int s, int pipe) {
        int open = 1 << (pipe + OPEN_SHIFT), i = s << MS | FLAGS;
        int f = meta[i];
        if ((f & open) == 0) return false;
        meta[i] = f & ~open;
        return true;
    }

    /** Closes every open pipeline; returns them as a bit per pipeline index. */
    int closeOpenPipelines(int s) {
        int i = s << MS | FLAGS;
        int f = meta[i];
        meta[i] = f & ~OPEN_MASK;
        return (f & OPEN_MASK) >>> OPEN_SHIFT;
    }

    // ---------------------------------------------------------------- tracking

    /** Tracks packet {@code k} (which must not be tracked and the table must not be full) as the newest. */
    int add(long k, long ts, int w) {
        int s = free[--freeTop];
        key[s] = k;
        slotOf.add(s);
        int t = s << TS, m = s << MS;
        time[t | RUN_START] = ts;
        time[t | LAST_TS] = ts;
        time[t | HOOK_NS] = 0;
        time[t | EDGE_TS] = ts;
        meta[m | NODE] = NONE;
        meta[m | PATH] = 0;
        meta[m | FLAGS] = 0;
        meta[m | VISITED] = 0;
        meta[m | EDGE_FROM] = NONE;
        meta[m | RESUME] = NONE;
        meta[m | LIST] = STACK;
        meta[m | PENDING_VERDICT] = 0;
        weight[s] = w;
        append(s, STACK);
        size++;
        return s;
    }

    /** The packet in {@code s} was active now: it becomes the most recent of list {@code list}. */
    void touch(int s, int list) {
        int l = meta[s << MS | LIST];
        if (tail[l] == s && l == list) return;
        unlink(s, l);
        meta[s << MS | LIST] = list;
        append(s, list);
    }

    private void append(int s, int l) {
        int t = tail[l];
        link[2 * s] = t;
        link[2 * s + 1] = NONE;
        if (t != NONE) link[2 * t + 1] = s; else head[l] = s;
        tail[l] = s;
    }

    private void unlink(int s, int l) {
        int p = link[2 * s], n = link[2 * s + 1];
        if (p != NONE) link[2 * p + 1] = n; else head[l] = n;
        if (n != NONE) link[2 * n] = p; else tail[l] = p;
    }

    /** Stops tracking the packet in {@code slot}. */
    void remove(int s) {
        slotOf.remove(s);
        unlink(s, meta[s << MS | LIST]);
        free[freeTop++] = s;
        size--;
    }

    void clear() {
        slotOf.clear();
        for (int i = 0; i < capacity; i++) free[i] = capacity - 1 - i;
        freeTop = capacity;
        head[STACK] = head[SOCKET] = tail[STACK] = tail[SOCKET] = NONE;
        size = 0;
    }

    /** Size of the identity index: constant for the table's life (for tests). */
    int mapCapacity() { return slotOf.capacity(); }
}

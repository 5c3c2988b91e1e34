package dev.skbscope.engine.packet;

import dev.skbscope.engine.event.TraceEvent;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * Records the journeys of the packets a tracker follows; single writer (the tracker's, under its
 * lock). The tracker calls {@link #open} when it starts tracking a packet in a slot, {@link #step}
 * for each of its events, and {@link #close} when it stops; the finished journey goes into the
 * session's {@link PacketHistory}, and to a {@link JourneySink} listener if there is one.
 *
 * <p>Each step is written once, at ingest, into its final store: the history's {@link StepRing}
 * (or the recorder's own when only a listener takes journeys), two longs a step, each pointing back
 * to the packet's previous step. A packet in flight has a record indexed by the tracker's slot
 * (written when it opens, from its first events, and when it closes) and two per-slot words (its
 * latest step, its event count). Closing writes only the packet's record into the
 * history (identity, 5-tuple, path, end, weight, and where its chain of steps ends): no step is
 * copied. Nothing is allocated per event. A packet in flight long enough for the ring to come
 * round loses its first steps (its record says how many events it had); at most
 * {@link JourneyDescriptor#MAX_STEPS} steps are kept per journey, the first ones and the latest.
 */
public final class JourneyRecorder {
    /** Events looked at for the 5-tuple, interface and netns (sources put them on every event they know them for). */
    private static final int TUPLE_EVENTS = 3;
    private static final int BACK_SHIFT = StepRing.BACK_SHIFT;
    private static final long WORD_MASK = StepRing.WORD_MASK;
    /** A record's EVENTS saturate here (as when events and steps shared an int). */
    private static final int EVENTS_MAX = Integer.MAX_VALUE >>> 7;

    private final JourneyColumns live;
    /**
     * Per slot, side by side so that a step reads one cache line: [2 slot] the ring position of the
     * packet's latest step (-1: none), [2 slot + 1] its events so far. Its steps stored are
     * min(events, MAX_STEPS): every event adds a step until there are MAX_STEPS, then replaces the latest.
     */
    private final long[] state;
    /** Where the steps go: the history's ring, or the recorder's own when there is no history. */
    private final StepRing ring;
    /** A finished journey with its steps in order, for the listener. */
    private final JourneyColumns scratch = new JourneyColumns(1, MAX_STEPS);
    private final PacketHistory history;
    private final JourneySink listener;
    private long nextId, finished;

    /**
     * @param slots     the tracker's slot count (packets tracked at once)
     * @param ringSteps steps of packets in flight kept at once when there is no history (rounded up
     *                  to a power of two); with a history, its ring holds the steps
     * @param history   keeps the finished journeys (null: none kept)
     * @param listener  also receives every finished journey, on the writer's thread (null: none)
     */
    public JourneyRecorder(int slots, int ringSteps, PacketHistory history, JourneySink listener) {
        if (history == null && listener == null) throw new IllegalArgumentException("a recorder needs a history or a listener");
        live = new JourneyColumns(slots, 1);
        state = new long[slots * 2];
        ring = history != null ? history.steps() : new StepRing(ringSteps, ringSteps);
        this.history = history;
        this.listener = listener;
    }

    /** Starts the journey of a packet now tracked in {@code slot}. */
    public void open(int slot, long key, boolean hasSkb, int journey, long ts, int weight) {
        long[] l = live.longs;
        int[] n = live.ints;
        int lb = slot * LONGS, ib = slot * INTS;
        // the 5-tuple fields are written by the first event (captureTuple), addresses only when known
        l[lb + ID] = ++nextId;
        l[lb + KEY] = key;
        l[lb + START] = ts;
        n[ib + JOURNEY] = journey;
        n[ib + WEIGHT] = weight;
        n[ib + INFO] = hasSkb ? INFO_HAS_SKB : 0;
        n[ib + DROP_NODE] = -1;
        n[ib + DROP_REASON] = -1;
        n[ib + LAST_RULE] = -1;
        state[2 * slot] = -1;
        state[2 * slot + 1] = 0;
    }

    /** Which journey of its identity the packet in {@code slot} is on (1, or 2+ after veth/loopback re-entry). */
    public int journey(int slot) { return live.ints[slot * INTS + JOURNEY]; }

    /**
     * One event of the packet in {@code slot}: {@code node} is its node ordinal (or
     * {@link JourneyDescriptor#END_NODE} for the end event), {@code rule} the session's index of its
     * nft rule or -1.
     */
    public void step(int slot, TraceEvent e, int probe, int node, int hook, int verdict, int rule, boolean reordered) {
        final long[] st = state;
        final int si = 2 * slot;
        long events = st[si + 1];
        if (events < TUPLE_EVENTS) captureTuple(slot, e, events == 0);
        if (rule >= 0) live.ints[slot * INTS + LAST_RULE] = rule;
        final StepRing s = ring;
        long last = st[si];
        long word = word(pack(node, hook, verdict, reordered, rule), probe);
        long p = s.pos;
        int r;
        if (events >= MAX_STEPS && last > p - s.mask - 1) {
            r = (int) last & s.mask;   // full: the latest step replaces the previous latest
            word |= s.data[2 * r + 1] & ~WORD_MASK;
        } else {
            if (p >= s.growAt) s.grow();   // a recording's index only: a live ring never grows
            s.pos = p + 1;
            r = (int) p & s.mask;
            word |= s.link(p, last);
            st[si] = p;
        }
        long[] d = s.data;
        d[2 * r] = e.tsNs;
        d[2 * r + 1] = word;
        st[si + 1] = events + 1;
    }

    /** Takes the packet's 5-tuple, interface, length and netns from its first events ({@code first}: as they are, unknowns included). */
    private void captureTuple(int slot, TraceEvent e, boolean first) {
        long[] l = live.longs;
        int[] n = live.ints;
        int lb = slot * LONGS, ib = slot * INTS;
        if (first) {
            n[ib + PROTO] = e.proto; n[ib + SPORT] = e.sport; n[ib + DPORT] = e.dport;
            n[ib + IFINDEX] = e.ifindex; n[ib + LEN] = e.len;
            l[lb + NETNS] = e.netns;
        }
        int info = n[ib + INFO];
        if (e.ipVersion != 0 && (info & INFO_IP_MASK) == 0) {
            n[ib + INFO] = info | e.ipVersion & INFO_IP_MASK;
            l[lb + SRC_HI] = e.srcHi; l[lb + SRC_LO] = e.srcLo; l[lb + DST_HI] = e.dstHi; l[lb + DST_LO] = e.dstLo;
        }
        if (e.proto != TraceEvent.UNKNOWN && n[ib + PROTO] < 0) n[ib + PROTO] = e.proto;
        if (e.sport != TraceEvent.UNKNOWN && n[ib + SPORT] < 0) n[ib + SPORT] = e.sport;
        if (e.dport != TraceEvent.UNKNOWN && n[ib + DPORT] < 0) n[ib + DPORT] = e.dport;
        if (e.ifindex != TraceEvent.UNKNOWN && n[ib + IFINDEX] < 0) n[ib + IFINDEX] = e.ifindex;
        if (e.len != TraceEvent.UNKNOWN && n[ib + LEN] < 0) n[ib + LEN] = e.len;
        if (e.netns != TraceEvent.UNKNOWN && l[lb + NETNS] < 0) l[lb + NETNS] = e.netns;
    }

    /** The packet in {@code slot} spent longer at a node than its node's tail threshold: an exemplar candidate. */
    public void markTail(int slot) { live.ints[slot * INTS + INFO] |= INFO_TAIL; }

    /** The packet in {@code slot} got a DROP verdict at {@code node} ({@code reason}: the event's drop reason id or -1). */
    public void dropped(int slot, int node, int reason) {
        int ib = slot * INTS;
        int[] n = live.ints;
        if ((n[ib + INFO] & INFO_DROPPED) != 0) return;
        n[ib + INFO] |= INFO_DROPPED;
        n[ib + DROP_NODE] = node;
        if (reason >= 0) n[ib + DROP_REASON] = reason;
    }

    /**
     * Ends the journey in {@code slot} and hands it on. A packet that was dropped ends
     * {@link JourneyEnd#DROPPED} whatever stopped its tracking.
     *
     * @param end        why tracking stopped
     * @param lastNs     the time of its latest event
     * @param endNs      the end event's time (or the re-entry event's); used only with an end sample
     * @param endSample  whether the last hop's time is known (an end event or re-entry)
     * @param path       the packet's path code
     * @param visited    bit per node ordinal it entered
     * @param dropNode   for a kfree_skb: the node it was dropped at; else -1
     * @param dropReason for a kfree_skb: the drop reason id; else -1
     */
    public void close(int slot, JourneyEnd end, long lastNs, long endNs, boolean endSample, int path, int visited,
                      int dropNode, int dropReason) {
        long[] l = live.longs;
        int[] n = live.ints;
        int lb = slot * LONGS, ib = slot * INTS;
        int info = n[ib + INFO];
        if (end == JourneyEnd.DROPPED) {
            info |= INFO_DROPPED;
            if (n[ib + DROP_NODE] < 0) n[ib + DROP_NODE] = dropNode;
            if (dropReason >= 0) n[ib + DROP_REASON] = dropReason;
        }
        if ((info & INFO_DROPPED) != 0) end = JourneyEnd.DROPPED;
        n[ib + INFO] = info & ~(0x7 << INFO_PATH_SHIFT | 0x7 << INFO_END_SHIFT | INFO_END_SAMPLE)
                | (path & 0x7) << INFO_PATH_SHIFT | end.ordinal() << INFO_END_SHIFT | (endSample ? INFO_END_SAMPLE : 0);
        l[lb + END] = endSample ? endNs : lastNs;
        l[lb + FINISH] = ++finished;
        n[ib + VISITED] = visited;
        long events = state[2 * slot + 1];
        n[ib + EVENTS] = (int) Math.min(events, EVENTS_MAX);
        n[ib + PIN] = 0;
        int steps = (int) Math.min(events, MAX_STEPS);
        long head = state[2 * slot];
        if (history != null) {
            int r = history.append(live, slot, head, steps);
            if (listener != null) {
                history.copyOut(r, scratch, 0, 0);
                listener.finished(scratch, 0);
            }
        } else {
            System.arraycopy(l, lb, scratch.longs, 0, LONGS);
            System.arraycopy(n, ib, scratch.ints, 0, INTS);
            ring.copyTo(head, steps, scratch, 0, 0);
            listener.finished(scratch, 0);
        }
    }

    /** Forgets every journey (tracker reset); ids start again from 1. */
    public void clear() {
        nextId = 0;
        finished = 0;
        if (history == null) ring.clear();   // else the history clears its ring
    }
}

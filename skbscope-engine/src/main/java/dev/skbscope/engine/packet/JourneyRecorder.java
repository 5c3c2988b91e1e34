package dev.skbscope.engine.packet;

import dev.skbscope.engine.event.TraceEvent;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * Records the journeys of the packets a tracker follows, in preallocated slots; single writer
 * (the tracker's, under its lock). The tracker calls {@link #open} when it starts tracking a packet
 * in a slot, {@link #step} for each of its events, and {@link #close} when it stops; the finished
 * journey, assembled in a scratch record, goes to the {@link JourneySink}. Nothing is allocated
 * per event: a journey in flight is a record indexed by the tracker's slot, and its steps go to a
 * shared ring where each step points back to the packet's previous one. A packet in flight long
 * enough for the ring to come round loses its first steps (its record says how many events it
 * had); at most {@link JourneyDescriptor#MAX_STEPS} steps are kept per journey, the first ones and
 * the latest.
 */
public final class JourneyRecorder {
    /** Tracks the event count of journeys; looks at the first events for the 5-tuple and interface. */
    private static final int TUPLE_EVENTS = 8;

    private final JourneyColumns live;
    private final long[] ringTs;
    private final int[] ringProbe, ringPacked, ringBack;
    private final int ringMask;
    private long ringPos;
    private final JourneyColumns scratch = new JourneyColumns(1, MAX_STEPS);
    private final JourneySink sink;
    private long nextId, finished;

    /**
     * @param slots     the tracker's slot count (packets tracked at once)
     * @param ringSteps steps of packets in flight kept at once (rounded up to a power of two)
     * @param sink      receives every finished journey, on the writer's thread
     */
    public JourneyRecorder(int slots, int ringSteps, JourneySink sink) {
        live = new JourneyColumns(slots, 1);
        int cap = Integer.highestOneBit(Math.max(2, ringSteps) - 1) << 1;
        ringTs = new long[cap];
        ringProbe = new int[cap];
        ringPacked = new int[cap];
        ringBack = new int[cap];
        ringMask = cap - 1;
        this.sink = sink;
    }

    /** Steps of packets in flight kept at once. */
    public int ringCapacity() { return ringMask + 1; }

    /** Journeys opened so far: the id of the latest. */
    public long opened() { return nextId; }

    /** Starts the journey of a packet now tracked in {@code slot}. */
    public void open(int slot, long key, boolean hasSkb, int journey, long ts, int weight) {
        long[] l = live.longs;
        int[] n = live.ints;
        int lb = slot * LONGS, ib = slot * INTS;
        l[lb + ID] = ++nextId;
        l[lb + FINISH] = 0;
        l[lb + KEY] = key;
        l[lb + START] = ts;
        l[lb + END] = ts;
        l[lb + SRC_HI] = 0; l[lb + SRC_LO] = 0; l[lb + DST_HI] = 0; l[lb + DST_LO] = 0;
        l[lb + NETNS] = -1;
        l[lb + STEP_BASE] = -1;   // in flight: the ring position of the latest step
        n[ib + JOURNEY] = journey;
        n[ib + WEIGHT] = weight;
        n[ib + INFO] = hasSkb ? INFO_HAS_SKB : 0;
        n[ib + PROTO] = -1; n[ib + SPORT] = -1; n[ib + DPORT] = -1; n[ib + IFINDEX] = -1; n[ib + LEN] = -1;
        n[ib + DROP_NODE] = -1;
        n[ib + DROP_REASON] = -1;
        n[ib + VISITED] = 0;
        n[ib + VERDICTS] = 0;
        n[ib + STEPS] = 0;
        n[ib + EVENTS] = 0;
        n[ib + PIN] = 0;
    }

    /** Which journey of its identity the packet in {@code slot} is on (1, or 2+ after veth/loopback re-entry). */
    public int journey(int slot) { return live.ints[slot * INTS + JOURNEY]; }

    /**
     * One event of the packet in {@code slot}: {@code node} is its node ordinal (or
     * {@link JourneyDescriptor#END_NODE} for the end event), {@code rule} the session's index of its
     * nft rule or -1.
     */
    public void step(int slot, TraceEvent e, int probe, int node, int hook, int verdict, int rule, boolean reordered) {
        long[] l = live.longs;
        int[] n = live.ints;
        int lb = slot * LONGS, ib = slot * INTS;
        int events = ++n[ib + EVENTS];
        if ((n[ib + INFO] & INFO_TUPLE_DONE) == 0) captureTuple(lb, ib, e, events);
        if (node != END_NODE) n[ib + VISITED] |= 1 << node;
        if (verdict != 0) n[ib + VERDICTS] |= 1 << verdict;
        long ts = e.tsNs;
        if (ts > l[lb + END]) l[lb + END] = ts;
        int packed = pack(node, hook, verdict, reordered, rule);
        int steps = n[ib + STEPS];
        long last = l[lb + STEP_BASE];
        int r;
        if (steps == MAX_STEPS && last > ringPos - ringTs.length) {
            r = (int) last & ringMask;   // full: the latest step replaces the previous latest
        } else {
            long p = ringPos++;
            r = (int) p & ringMask;
            ringBack[r] = last < 0 ? 0 : (int) Math.min(p - last, Integer.MAX_VALUE);
            l[lb + STEP_BASE] = p;
            if (steps < MAX_STEPS) n[ib + STEPS] = steps + 1;
        }
        ringTs[r] = ts;
        ringProbe[r] = probe;
        ringPacked[r] = packed;
    }

    private void captureTuple(int lb, int ib, TraceEvent e, int events) {
        long[] l = live.longs;
        int[] n = live.ints;
        int info = n[ib + INFO];
        if (e.ipVersion != 0 && (info & INFO_IP_MASK) == 0) {
            info |= e.ipVersion & INFO_IP_MASK;
            l[lb + SRC_HI] = e.srcHi; l[lb + SRC_LO] = e.srcLo; l[lb + DST_HI] = e.dstHi; l[lb + DST_LO] = e.dstLo;
        }
        if (e.proto != TraceEvent.UNKNOWN && n[ib + PROTO] < 0) n[ib + PROTO] = e.proto;
        if (e.sport != TraceEvent.UNKNOWN && n[ib + SPORT] < 0) n[ib + SPORT] = e.sport;
        if (e.dport != TraceEvent.UNKNOWN && n[ib + DPORT] < 0) n[ib + DPORT] = e.dport;
        if (e.ifindex != TraceEvent.UNKNOWN && n[ib + IFINDEX] < 0) n[ib + IFINDEX] = e.ifindex;
        if (e.len != TraceEvent.UNKNOWN && n[ib + LEN] < 0) n[ib + LEN] = e.len;
        if (e.netns != TraceEvent.UNKNOWN && l[lb + NETNS] < 0) l[lb + NETNS] = e.netns;
        boolean complete = (info & INFO_IP_MASK) != 0 && n[ib + PROTO] >= 0 && n[ib + SPORT] >= 0 && n[ib + IFINDEX] >= 0
                && n[ib + LEN] >= 0 && l[lb + NETNS] >= 0;
        if (complete || events >= TUPLE_EVENTS) info |= INFO_TUPLE_DONE;
        n[ib + INFO] = info;
    }

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
     * Ends the journey in {@code slot} and hands it to the sink. A packet that was dropped ends
     * {@link JourneyEnd#DROPPED} whatever stopped its tracking.
     *
     * @param end        why tracking stopped
     * @param endNs      the end event's time (or the re-entry event's); ignored without an end sample
     * @param endSample  whether the last hop's time is known (an end event or re-entry)
     * @param path       the packet's path code
     * @param dropNode   for a kfree_skb: the node it was dropped at; else -1
     * @param dropReason for a kfree_skb: the drop reason id; else -1
     */
    public void close(int slot, JourneyEnd end, long endNs, boolean endSample, int path, int dropNode, int dropReason) {
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
        info = info & ~(0x7 << INFO_PATH_SHIFT | 0x7 << INFO_END_SHIFT | INFO_END_SAMPLE)
                | (path & 0x7) << INFO_PATH_SHIFT | end.ordinal() << INFO_END_SHIFT | (endSample ? INFO_END_SAMPLE : 0);
        n[ib + INFO] = info;
        if (endSample) l[lb + END] = endNs;
        l[lb + FINISH] = ++finished;
        assemble(slot);
        sink.finished(scratch, 0);
    }

    /** Copies the record in {@code slot} and its steps (walked back through the ring) into the scratch record. */
    private void assemble(int slot) {
        JourneyColumns s = scratch;
        System.arraycopy(live.longs, slot * LONGS, s.longs, 0, LONGS);
        System.arraycopy(live.ints, slot * INTS, s.ints, 0, INTS);
        int n = live.ints[slot * INTS + STEPS];
        long p = live.longs[slot * LONGS + STEP_BASE];
        long oldest = ringPos - ringTs.length;
        int k = n;
        while (k > 0 && p >= 0 && p >= oldest) {
            int r = (int) p & ringMask;
            k--;
            s.stepTs[k] = ringTs[r];
            s.stepProbe[k] = ringProbe[r];
            s.stepPacked[k] = ringPacked[r];
            int back = ringBack[r];
            if (back == 0) break;
            p -= back;
        }
        if (k > 0) {   // the ring came round: the first k steps are gone
            System.arraycopy(s.stepTs, k, s.stepTs, 0, n - k);
            System.arraycopy(s.stepProbe, k, s.stepProbe, 0, n - k);
            System.arraycopy(s.stepPacked, k, s.stepPacked, 0, n - k);
        }
        s.ints[STEPS] = n - k;
        s.longs[STEP_BASE] = 0;
    }

    /** Forgets every journey (tracker reset); ids start again from 1. */
    public void clear() {
        nextId = 0;
        finished = 0;
        ringPos = 0;
    }
}

package dev.skbscope.engine.packet;

/**
 * The flat layout of one journey (a packet's life from its first event to its end) in
 * {@link JourneyColumns}; constants only, so thread-safe. A journey is a record of
 * {@link #LONGS} longs and {@link #INTS} ints, plus its steps (one per recorded event) in two
 * parallel step columns: the time, and a word with the probe and the packed step. The same record
 * layout serves the packets in flight (one record per tracker slot), the finished packets a session
 * keeps, and the index of a recording. Where the steps are differs: in a {@link JourneyColumns}
 * handed to readers (query answers, listeners, the exemplar pool) a record's steps are consecutive
 * from its {@code STEP_BASE}; in a {@link PacketHistory}'s own records {@code STEP_BASE} is the
 * position of the journey's latest step in the session's {@link StepRing}, a chain back to its first.
 *
 * <pre>
 * record longs   ID | FINISH | KEY | START | END | SRC_HI | SRC_LO | DST_HI | DST_LO | NETNS | STEP_BASE
 * record ints    JOURNEY | WEIGHT | INFO | PROTO | SPORT | DPORT | IFINDEX | LEN | DROP_NODE | DROP_REASON
 *                | VISITED | VERDICTS | STEPS | EVENTS | PIN | LAST_RULE | DROP_SEQ | RULE_SEQ
 *
 * INFO bits      0-2 ip version (0, 4, 6)   3-5 path (PATH_*)   6-8 end (JourneyEnd ordinal)
 *                9 identity is an skb (else an nft trace id)   10 the last hop has an end sample
 *                11 tail: a hop slower than its node's p99.9 at the last snapshot (see PacketHistory)
 *                12 dropped (a DROP verdict or kfree_skb)
 *
 * step           ts (long) | WORD (long)
 * WORD bits      0-23 PACKED   24-39 probe id (0xffff: unknown)   40-63 free (the recorder's ring: distance
 *                back to the packet's previous step)
 * PACKED bits    0-4 node ordinal, or END_NODE for the end event (consume_skb, kfree_skb)
 *                5-7 hook ordinal   8-11 verdict ordinal   12 timestamp earlier than the packet's previous event
 *                13-23 nft rule index + 1 in the session's rule table (0: none)
 * </pre>
 */
public final class JourneyDescriptor {
    private JourneyDescriptor() { }

    /** The packet id: its ordinal among the session's journeys, from 1. */
    public static final int ID = 0;
    /** Finish ordinal, from 1 (0 while in flight): the order in which journeys ended. */
    public static final int FINISH = 1;
    /** The identity: the skb, or the nft trace id (INFO bit 9 clear). */
    public static final int KEY = 2;
    /** Event time (ns) of the first event. */
    public static final int START = 3;
    /** Event time (ns) of the end event, or of the last event when the journey had no end event. */
    public static final int END = 4;
    public static final int SRC_HI = 5, SRC_LO = 6, DST_HI = 7, DST_LO = 8;
    /** Network namespace inode, or -1. */
    public static final int NETNS = 9;
    /** Where the journey's first step is in its columns' steps (in a history's records: its latest step's position in the step ring). */
    public static final int STEP_BASE = 10;
    public static final int LONGS = 11;

    /** Which journey of its identity this is: 2 for the second journey of a veth/loopback skb. */
    public static final int JOURNEY = 0;
    /** Packets this journey stands for (its first event's weight; > 1 when the source sampled). */
    public static final int WEIGHT = 1;
    public static final int INFO = 2;
    public static final int PROTO = 3, SPORT = 4, DPORT = 5, IFINDEX = 6, LEN = 7;
    /** Node ordinal where it was dropped, or -1. */
    public static final int DROP_NODE = 8;
    /** Drop reason id (SymbolTable.DROP_REASONS), or -1. */
    public static final int DROP_REASON = 9;
    /** Bit per node ordinal: the nodes it entered. */
    public static final int VISITED = 10;
    /** Bit per verdict ordinal: the verdicts its events carried. */
    public static final int VERDICTS = 11;
    /** Steps stored (at most {@link #MAX_STEPS}). */
    public static final int STEPS = 12;
    /** Events the journey had (more than STEPS when steps were left out). */
    public static final int EVENTS = 13;
    /** References from exemplar tables (finished-packet stores only). */
    public static final int PIN = 14;
    /** Index of the nft rule of its last rule verdict, or -1. */
    public static final int LAST_RULE = 15;
    /** Finished-packet stores: how many journeys of its drop reason, and of its last rule, had finished with it. */
    public static final int DROP_SEQ = 16, RULE_SEQ = 17;
    public static final int INTS = 18;

    public static final int INFO_IP_MASK = 0x7;
    public static final int INFO_PATH_SHIFT = 3;
    public static final int INFO_END_SHIFT = 6;
    public static final int INFO_HAS_SKB = 1 << 9;
    public static final int INFO_END_SAMPLE = 1 << 10;
    public static final int INFO_TAIL = 1 << 11;
    public static final int INFO_DROPPED = 1 << 12;

    /** Path codes, the same numbers as the engine's tracking (ProbeTable.PATH_*). */
    public static final int PATH_NONE = 0, PATH_INBOUND = 1, PATH_LOCAL = 2, PATH_FORWARD = 3, PATH_OUTBOUND = 4;

    /** Steps kept per journey: the first {@code MAX_STEPS - 1} and the latest. */
    public static final int MAX_STEPS = 64;

    /** PACKED node value of an end event (consume_skb, kfree_skb). */
    public static final int END_NODE = 31;
    public static final int NODE_MASK = 0x1f;
    public static final int HOOK_SHIFT = 5, HOOK_MASK = 0x7;
    public static final int VERDICT_SHIFT = 8, VERDICT_MASK = 0xf;
    public static final int REORDERED = 1 << 12;
    public static final int RULE_SHIFT = 13, RULE_MASK = 0x7ff;

    public static final int PACKED_MASK = 0xffffff;
    public static final int PROBE_SHIFT = 24;
    public static final int UNKNOWN_PROBE = 0xffff;

    /** A step word: the packed step and the probe id. */
    public static long word(int packed, int probe) {
        return (long) (probe >= 0 && probe < UNKNOWN_PROBE ? probe : UNKNOWN_PROBE) << PROBE_SHIFT | packed;
    }

    /** The packed step of a step word. */
    public static int packed(long word) { return (int) word & PACKED_MASK; }

    /** The probe id of a step word, or -1. */
    public static int probe(long word) {
        int p = (int) (word >>> PROBE_SHIFT) & 0xffff;
        return p == UNKNOWN_PROBE ? -1 : p;
    }

    public static int pack(int node, int hook, int verdict, boolean reordered, int rule) {
        return node | hook << HOOK_SHIFT | verdict << VERDICT_SHIFT | (reordered ? REORDERED : 0)
                | (rule < 0 || rule >= RULE_MASK ? 0 : rule + 1) << RULE_SHIFT;
    }

    public static int node(int packed) { return packed & NODE_MASK; }
    public static int hook(int packed) { return packed >>> HOOK_SHIFT & HOOK_MASK; }
    public static int verdict(int packed) { return packed >>> VERDICT_SHIFT & VERDICT_MASK; }
    /** The rule index, or -1. */
    public static int rule(int packed) { return (packed >>> RULE_SHIFT & RULE_MASK) - 1; }
}

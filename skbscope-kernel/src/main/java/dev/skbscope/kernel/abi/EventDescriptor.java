package dev.skbscope.kernel.abi;

/**
 * Layout of {@code struct skbscope_event} (src/main/bpf/include/abi.h), the record the BPF
 * programs write into the ring buffer. Little-endian host order except the addresses. A test
 * checks every offset against the committed object's BTF.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        ts_ns (u64)                            |  0
 *  +---------------------------------------------------------------+
 *  |                        skb_id (u64)                           |  8
 *  +---------------------------------------------------------------+
 *  |                        session_mask (u64)                     | 16
 *  +-------------------------------+-------------------------------+
 *  |          netns (u32)          |          ifindex (u32)        | 24
 *  +-------------------------------+-------------------------------+
 *  |           len (u32)           |        drop_reason (u32)      | 32
 *  +-------------------------------+---------------+---------------+
 *  |           pid (u32)           |  probe (u16)  |   cpu (u16)   | 40
 *  +-------+-------+-------+-------+---------------+---------------+
 *  | hook  |verdict| ipver | proto |  sport (u16)  |  dport (u16)  | 48   hook: NF_INET_*, verdict: NF_*
 *  +-------+-------+-------+-------+---------------+---------------+
 *  |                  src[16] (network order)                      | 56
 *  |                  dst[16] (network order)                      | 72
 *  +-------+-------+-----------------------------------------------+
 *  | tcpfl | flags | weight (u16)  |  pf   |        pad[3]         | 88
 *  +-------+-------+-----------------------------------------------+  96
 * </pre>
 */
public final class EventDescriptor {
    public static final int TS_NS = 0;
    public static final int SKB_ID = 8;
    public static final int SESSION_MASK = 16;
    public static final int NETNS = 24;
    public static final int IFINDEX = 28;
    public static final int LEN = 32;
    public static final int DROP_REASON = 36;
    public static final int PID = 40;
    public static final int PROBE = 44;
    public static final int CPU = 46;
    public static final int HOOK = 48;
    public static final int VERDICT = 49;
    public static final int IP_VERSION = 50;
    public static final int PROTO = 51;
    public static final int SPORT = 52;
    public static final int DPORT = 54;
    public static final int SRC = 56;
    public static final int DST = 72;
    public static final int TCP_FLAGS = 88;
    public static final int FLAGS = 89;
    /** Packets the event stands for: one packet in {@code weight} was traced (0 from older objects: 1). */
    public static final int WEIGHT = 90;
    /** NFPROTO_* of the hook, when {@link #F_HOOK}. */
    public static final int PF = 92;
    public static final int SIZE = 96;

    /** {@link #FLAGS} bit: sport/dport are valid. */
    public static final int F_PORTS = 1;
    /** {@link #FLAGS} bit: tcp_flags is valid. */
    public static final int F_TCP_FLAGS = 2;
    /** {@link #FLAGS} bit: hook (NF_INET_*) and pf are valid. */
    public static final int F_HOOK = 4;
    /** {@link #FLAGS} bit: verdict (NF_*) is valid. */
    public static final int F_VERDICT = 8;

    private EventDescriptor() { }
}

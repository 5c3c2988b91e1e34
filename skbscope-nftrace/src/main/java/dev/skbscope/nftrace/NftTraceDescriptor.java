package dev.skbscope.nftrace;

import dev.skbscope.engine.event.Verdict;

/**
 * Wire layout of an nftables trace notification (constants only; stateless, thread-safe). Numbers
 * are those of {@code include/uapi/linux/netfilter/nf_tables.h} and {@code nfnetlink.h}, checked
 * against the headers of Linux 6.x; the kernel side is {@code net/netfilter/nf_tables_trace.c}.
 *
 * <pre>
 *  0               16  18  20        24      28   29 30   32
 * +----------------+---+---+---------+-------+----+--+----+-----------------------------+
 * | nlmsg_len (u32, host order)      | type  |flags| seq | pid | nfgenmsg {family u8,     |
 * |                                  | 0x0a11 = NFNL_SUBSYS_NFTABLES&lt;&lt;8 | NFT_MSG_TRACE |
 * +-----------------------------------------------------------------------------------+
 * | nfgenmsg: family (u8) | version (u8) | res_id (be16)                              |
 * +-----------------------------------------------------------------------------------+
 * | attributes: nla_len (u16) | nla_type (u16, low 14 bits) | payload, padded to 4    |
 * +-----------------------------------------------------------------------------------+
 * </pre>
 * Integer attribute payloads are big-endian. The packet headers and interfaces are sent only in
 * the first message of each base-chain run ({@code packet_dumped}); later messages of the same
 * run carry the trace id only.
 */
public final class NftTraceDescriptor {
    private NftTraceDescriptor() { }

    public static final int NLMSG_HDRLEN = 16;
    public static final int NFGENMSG_LEN = 4;
    public static final int NLA_HDRLEN = 4;
    public static final int NLA_TYPE_MASK = 0x3fff;

    public static final int NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;
    public static final int NFNL_SUBSYS_NFTABLES = 10;
    public static final int NFT_MSG_TRACE = 17;
    public static final int MSG_TYPE_TRACE = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE;

    // enum nft_trace_attributes
    public static final int NFTA_TRACE_TABLE = 1;
    public static final int NFTA_TRACE_CHAIN = 2;
    public static final int NFTA_TRACE_RULE_HANDLE = 3;
    public static final int NFTA_TRACE_TYPE = 4;
    public static final int NFTA_TRACE_VERDICT = 5;
    public static final int NFTA_TRACE_ID = 6;
    public static final int NFTA_TRACE_LL_HEADER = 7;
    public static final int NFTA_TRACE_NETWORK_HEADER = 8;
    public static final int NFTA_TRACE_TRANSPORT_HEADER = 9;
    public static final int NFTA_TRACE_IIF = 10;
    public static final int NFTA_TRACE_IIFTYPE = 11;
    public static final int NFTA_TRACE_OIF = 12;
    public static final int NFTA_TRACE_OIFTYPE = 13;
    public static final int NFTA_TRACE_MARK = 14;
    public static final int NFTA_TRACE_NFPROTO = 15;
    public static final int NFTA_TRACE_POLICY = 16;

    // enum nft_verdict_attributes (nested in NFTA_TRACE_VERDICT)
    public static final int NFTA_VERDICT_CODE = 1;
    public static final int NFTA_VERDICT_CHAIN = 2;

    // enum nft_trace_types
    public static final int NFT_TRACETYPE_POLICY = 1;
    public static final int NFT_TRACETYPE_RETURN = 2;
    public static final int NFT_TRACETYPE_RULE = 3;

    // NFPROTO_* (family of nfgenmsg and NFTA_TRACE_NFPROTO)
    public static final int NFPROTO_INET = 1, NFPROTO_IPV4 = 2, NFPROTO_ARP = 3, NFPROTO_NETDEV = 5,
            NFPROTO_BRIDGE = 7, NFPROTO_IPV6 = 10;

    // netfilter verdicts (low byte) and nft verdicts (negative)
    public static final int NF_DROP = 0, NF_ACCEPT = 1, NF_STOLEN = 2, NF_QUEUE = 3, NF_REPEAT = 4, NF_STOP = 5;
    public static final int NFT_CONTINUE = -1, NFT_BREAK = -2, NFT_JUMP = -3, NFT_GOTO = -4, NFT_RETURN = -5;

    /** Verdict for a kernel verdict code; {@link Verdict#NONE} for a code we don't know. */
    public static Verdict verdict(int code) {
        if (code >= 0) {
            return switch (code & 0xff) {  // upper bits carry a queue number or drop errno
                case NF_DROP -> Verdict.DROP;
                case NF_ACCEPT -> Verdict.ACCEPT;
                case NF_STOLEN -> Verdict.STOLEN;
                case NF_QUEUE -> Verdict.QUEUE;
                case NF_REPEAT -> Verdict.REPEAT;
                case NF_STOP -> Verdict.STOP;
                default -> Verdict.NONE;
            };
        }
        return switch (code) {
            case NFT_CONTINUE -> Verdict.CONTINUE;
            case NFT_BREAK -> Verdict.BREAK;
            case NFT_JUMP -> Verdict.JUMP;
            case NFT_GOTO -> Verdict.GOTO;
            case NFT_RETURN -> Verdict.RETURN;
            default -> Verdict.NONE;
        };
    }

    /** nft's name of a family ({@code ip}, {@code inet}...) or null. */
    public static String familyName(int nfproto) {
        return switch (nfproto) {
            case NFPROTO_INET -> "inet";
            case NFPROTO_IPV4 -> "ip";
            case NFPROTO_ARP -> "arp";
            case NFPROTO_NETDEV -> "netdev";
            case NFPROTO_BRIDGE -> "bridge";
            case NFPROTO_IPV6 -> "ip6";
            default -> null;
        };
    }

    /** NFPROTO number of an nft family name, or -1. */
    public static int familyNumber(String name) {
        return switch (name) {
            case "inet" -> NFPROTO_INET;
            case "ip" -> NFPROTO_IPV4;
            case "arp" -> NFPROTO_ARP;
            case "netdev" -> NFPROTO_NETDEV;
            case "bridge" -> NFPROTO_BRIDGE;
            case "ip6" -> NFPROTO_IPV6;
            default -> -1;
        };
    }
}

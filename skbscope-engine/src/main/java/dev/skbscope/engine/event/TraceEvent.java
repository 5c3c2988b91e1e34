package dev.skbscope.engine.event;

/**
 * One event of a packet's life (spec section 1), as a mutable flyweight: sources fill a reused
 * instance and the engine reads it during {@code accept}; nobody keeps a reference after that.
 * Not thread-safe. Strings are interned in {@link SymbolTable}s so that the hot path sees ints.
 */
public final class TraceEvent {
    public static final int UNKNOWN = -1;

    /** Monotonic kernel time in ns. */
    public long tsNs;
    /** Packet identity (skb address, Retis orig_head+timestamp hash, nft trace id...). */
    public long skb;
    /** False only for {@code nft_trace} events that carry {@link #traceId} instead of an skb. */
    public boolean hasSkb;
    /** Id in {@link SymbolTable#PROBES}. */
    public int probe;
    public Hook hook = Hook.NONE;
    public Verdict verdict = Verdict.NONE;
    /** Id in {@link SymbolTable#DROP_REASONS}, or {@link #UNKNOWN}. */
    public int dropReason = UNKNOWN;
    public int ifindex = UNKNOWN;
    public int len = UNKNOWN;
    public int cpu = UNKNOWN;
    public int pid = UNKNOWN;
    /** Network namespace inode, or {@link #UNKNOWN}. */
    public long netns = UNKNOWN;

    /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6), or {@link #UNKNOWN}. */
    public int proto = UNKNOWN;
    /** 4, 6, or 0 when no addresses are known. IPv4 addresses live in the low 32 bits of {@code *Lo}. */
    public int ipVersion;
    public long srcHi, srcLo, dstHi, dstLo;
    public int sport = UNKNOWN;
    public int dport = UNKNOWN;
    /** TCP flags byte, or {@link #UNKNOWN}. */
    public int tcpFlags = UNKNOWN;

    /** nftables trace fields: ids in {@link SymbolTable#NFT_NAMES}, or {@link #UNKNOWN}. */
    public int table = UNKNOWN;
    public int chain = UNKNOWN;
    public long ruleHandle = UNKNOWN;
    public long traceId = UNKNOWN;
    /**
     * How many packets' events this one stands for: 1, or N when the source traced one packet in N
     * (live tracing under load samples packets in the kernel). Counts scale by it; latency samples
     * count it times.
     */
    public int weight = 1;

    /** Resets every field to "unknown" so the instance can be refilled. */
    public TraceEvent clear() {
        tsNs = 0; skb = 0; hasSkb = false; probe = 0;
        hook = Hook.NONE; verdict = Verdict.NONE; dropReason = UNKNOWN;
        ifindex = UNKNOWN; len = UNKNOWN; cpu = UNKNOWN; pid = UNKNOWN; netns = UNKNOWN;
        proto = UNKNOWN; ipVersion = 0; srcHi = srcLo = dstHi = dstLo = 0;
        sport = UNKNOWN; dport = UNKNOWN; tcpFlags = UNKNOWN;
        table = UNKNOWN; chain = UNKNOWN; ruleHandle = UNKNOWN; traceId = UNKNOWN; weight = 1;
        return this;
    }

    /** Copies every field of {@code o} into this instance. */
    public TraceEvent copyFrom(TraceEvent o) {
        tsNs = o.tsNs; skb = o.skb; hasSkb = o.hasSkb; probe = o.probe;
        hook = o.hook; verdict = o.verdict; dropReason = o.dropReason;
        ifindex = o.ifindex; len = o.len; cpu = o.cpu; pid = o.pid; netns = o.netns;
        proto = o.proto; ipVersion = o.ipVersion; srcHi = o.srcHi; srcLo = o.srcLo; dstHi = o.dstHi; dstLo = o.dstLo;
        sport = o.sport; dport = o.dport; tcpFlags = o.tcpFlags;
        table = o.table; chain = o.chain; ruleHandle = o.ruleHandle; traceId = o.traceId; weight = o.weight;
        return this;
    }

    /** The probe name, for logs and tests (allocates nothing: names are interned). */
    public String probeName() { return SymbolTable.PROBES.name(probe); }

    @Override public String toString() {
        return "TraceEvent{ts=" + tsNs + ", skb=0x" + Long.toHexString(skb) + ", probe=" + probeName()
                + ", hook=" + hook + ", verdict=" + verdict + "}";
    }
}

package dev.skbscope.nftrace;

import dev.skbscope.engine.event.TraceEvent;

/**
 * One decoded {@code NFT_MSG_TRACE}, as a mutable flyweight refilled by {@link NftTraceDecoder}.
 * Not thread-safe: owned by the reader thread. Names are ids in
 * {@link dev.skbscope.engine.event.SymbolTable#NFT_NAMES}; absent values are {@link #ABSENT}.
 */
public final class NftTraceMessage {
    public static final int ABSENT = TraceEvent.UNKNOWN;

    /** nfgenmsg family: the base chain's table family (NFPROTO_*). */
    public int family;
    /** NFTA_TRACE_NFPROTO: the packet's protocol family, or {@link #ABSENT}. */
    public int nfproto;
    /** NFTA_TRACE_TYPE (NFT_TRACETYPE_*), or {@link #ABSENT}. */
    public int type;
    /** NFTA_TRACE_ID as an unsigned 32-bit value, or {@link #ABSENT}. */
    public long traceId;
    public int table, chain;
    public long ruleHandle;
    /** NFTA_VERDICT_CODE, valid when {@link #hasVerdict}. */
    public int verdictCode;
    public boolean hasVerdict;
    /** Jump/goto target chain, or {@link #ABSENT}. */
    public int jumpChain;
    /** NFTA_TRACE_POLICY, or {@link #ABSENT}. */
    public int policy;
    public int mark, iif, oif, iifType, oifType;

    /** True when NFTA_TRACE_NETWORK_HEADER held an IPv4 or IPv6 header. */
    public boolean hasPacket;
    public int ipVersion, proto, len;
    public long srcHi, srcLo, dstHi, dstLo;
    public int sport, dport, tcpFlags;

    public NftTraceMessage clear() {
        family = 0; nfproto = ABSENT; type = ABSENT; traceId = ABSENT;
        table = ABSENT; chain = ABSENT; ruleHandle = ABSENT;
        verdictCode = 0; hasVerdict = false; jumpChain = ABSENT; policy = ABSENT;
        mark = ABSENT; iif = ABSENT; oif = ABSENT; iifType = ABSENT; oifType = ABSENT;
        hasPacket = false; ipVersion = 0; proto = ABSENT; len = ABSENT;
        srcHi = srcLo = dstHi = dstLo = 0;
        sport = ABSENT; dport = ABSENT; tcpFlags = ABSENT;
        return this;
    }

    @Override public String toString() {
        return "NftTraceMessage{id=" + Long.toHexString(traceId) + ", type=" + type + ", table=" + table
                + ", chain=" + chain + ", rule=" + ruleHandle + ", verdict=" + (hasVerdict ? verdictCode : "-")
                + ", policy=" + policy + ", proto=" + proto + ", sport=" + sport + ", dport=" + dport + "}";
    }
}

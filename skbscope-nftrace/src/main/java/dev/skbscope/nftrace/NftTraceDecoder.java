package dev.skbscope.nftrace;

import dev.skbscope.engine.event.SymbolTable;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.skbscope.nftrace.NftTraceDescriptor.*;

/**
 * Decodes the netlink datagrams of the nftrace group into {@link NftTraceMessage}s. Not
 * thread-safe: one instance per reader thread. Every length is checked against the bytes that are
 * really there; a message that does not fit is reported as bad and decoding goes on with the next
 * datagram. Allocates nothing per message once table and chain names have been seen.
 */
public final class NftTraceDecoder {
    private static final ValueLayout.OfInt INT_HOST = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT_HOST = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Receives what a datagram held, on the decoding thread. */
    public interface Handler {
        /** A trace message; {@code m} is reused after the call returns. */
        void onTrace(NftTraceMessage m);
        /** A message that could not be decoded; {@code why} is a constant string. */
        void onBad(String why);
    }

    private final NameInterner names;
    private final NftTraceMessage msg = new NftTraceMessage();

    public NftTraceDecoder() { this(SymbolTable.NFT_NAMES); }

    NftTraceDecoder(SymbolTable symbols) { this.names = new NameInterner(symbols); }

    /**
     * Walks the netlink messages in {@code buf[0, length)}.
     *
     * @return the number of trace messages handed to {@code handler}
     */
    public int decode(MemorySegment buf, int length, Handler handler) {
        if (length > buf.byteSize()) length = (int) buf.byteSize();
        int off = 0, traces = 0;
        while (length - off >= NLMSG_HDRLEN) {
            int nlen = buf.get(INT_HOST, off);
            int type = buf.get(SHORT_HOST, off + 4) & 0xffff;
            if (nlen < NLMSG_HDRLEN || nlen > length - off) {
                handler.onBad("netlink message length out of bounds");
                return traces;
            }
            if (type == MSG_TYPE_TRACE) {
                String why = decodeTrace(buf, off + NLMSG_HDRLEN, off + nlen, msg.clear());
                if (why == null) {
                    traces++;
                    handler.onTrace(msg);
                } else {
                    handler.onBad(why);
                }
            }
            // other nftables notifications, NOOP/DONE/ERROR: not ours to count
            off += align4(nlen);
        }
        if (off < length && off != align4(length)) handler.onBad("trailing bytes after netlink messages");
        return traces;
    }

    static int align4(int n) { return (n + 3) & ~3; }

    /** Decodes one trace message's payload in {@code [start, end)}; returns null or why it is bad. */
    String decodeTrace(MemorySegment b, int start, int end, NftTraceMessage m) {
        if (end - start < NFGENMSG_LEN) return "trace message shorter than nfgenmsg";
        m.family = b.get(ValueLayout.JAVA_BYTE, start) & 0xff;
        int off = start + NFGENMSG_LEN;
        int netOff = -1, netLen = 0, thOff = -1, thLen = 0;
        while (end - off >= NLA_HDRLEN) {
            int alen = b.get(SHORT_HOST, off) & 0xffff;
            int atype = b.get(SHORT_HOST, off + 2) & NLA_TYPE_MASK;
            if (alen < NLA_HDRLEN || alen > end - off) return "attribute length out of bounds";
            int p = off + NLA_HDRLEN, plen = alen - NLA_HDRLEN;
            switch (atype) {
                case NFTA_TRACE_TABLE -> { if (plen == 0) return "empty table name"; m.table = names.intern(b, p, plen); }
                case NFTA_TRACE_CHAIN -> { if (plen == 0) return "empty chain name"; m.chain = names.intern(b, p, plen); }
                case NFTA_TRACE_RULE_HANDLE -> { if (plen != 8) return "rule handle not 8 bytes"; m.ruleHandle = b.get(LONG_BE, p); }
                case NFTA_TRACE_TYPE -> { if (plen != 4) return "trace type not 4 bytes"; m.type = b.get(INT_BE, p); }
                case NFTA_TRACE_ID -> { if (plen != 4) return "trace id not 4 bytes"; m.traceId = b.get(INT_BE, p) & 0xffffffffL; }
                case NFTA_TRACE_VERDICT -> { String why = decodeVerdict(b, p, p + plen, m); if (why != null) return why; }
                case NFTA_TRACE_IIF -> { if (plen != 4) return "iif not 4 bytes"; m.iif = b.get(INT_BE, p); }
                case NFTA_TRACE_OIF -> { if (plen != 4) return "oif not 4 bytes"; m.oif = b.get(INT_BE, p); }
                case NFTA_TRACE_IIFTYPE -> { if (plen != 2) return "iiftype not 2 bytes"; m.iifType = b.get(SHORT_BE, p) & 0xffff; }
                case NFTA_TRACE_OIFTYPE -> { if (plen != 2) return "oiftype not 2 bytes"; m.oifType = b.get(SHORT_BE, p) & 0xffff; }
                case NFTA_TRACE_MARK -> { if (plen != 4) return "mark not 4 bytes"; m.mark = b.get(INT_BE, p); }
                case NFTA_TRACE_NFPROTO -> { if (plen != 4) return "nfproto not 4 bytes"; m.nfproto = b.get(INT_BE, p); }
                case NFTA_TRACE_POLICY -> { if (plen != 4) return "policy not 4 bytes"; m.policy = b.get(INT_BE, p); }
                case NFTA_TRACE_NETWORK_HEADER -> { netOff = p; netLen = plen; }
                case NFTA_TRACE_TRANSPORT_HEADER -> { thOff = p; thLen = plen; }
                default -> { }  // LL header, padding, attributes newer than us
            }
            off += align4(alen);
        }
        if (m.traceId == NftTraceMessage.ABSENT) return "trace message without trace id";
        boolean portsUsable = netOff >= 0 && parseNetwork(b, netOff, netLen, m);
        if (thOff >= 0 && portsUsable) parseTransport(b, thOff, thLen, m);
        return null;
    }

    private String decodeVerdict(MemorySegment b, int off, int end, NftTraceMessage m) {
        while (end - off >= NLA_HDRLEN) {
            int alen = b.get(SHORT_HOST, off) & 0xffff;
            int atype = b.get(SHORT_HOST, off + 2) & NLA_TYPE_MASK;
            if (alen < NLA_HDRLEN || alen > end - off) return "verdict attribute length out of bounds";
            int p = off + NLA_HDRLEN, plen = alen - NLA_HDRLEN;
            if (atype == NFTA_VERDICT_CODE) {
                if (plen != 4) return "verdict code not 4 bytes";
                m.verdictCode = b.get(INT_BE, p);
                m.hasVerdict = true;
            } else if (atype == NFTA_VERDICT_CHAIN && plen > 0) {
                m.jumpChain = names.intern(b, p, plen);
            }
            off += align4(alen);
        }
        return null;
    }

    /**
     * IPv4 / IPv6 header: the kernel sends at most 40 bytes, up to the transport header.
     * @return whether the transport header that follows starts with this packet's ports
     */
    private static boolean parseNetwork(MemorySegment b, int off, int len, NftTraceMessage m) {
        if (len < 1) return false;
        int version = (b.get(ValueLayout.JAVA_BYTE, off) >> 4) & 0xf;
        if (version == 4 && len >= 20) {
            m.ipVersion = 4;
            m.hasPacket = true;
            m.len = b.get(SHORT_BE, off + 2) & 0xffff;
            m.proto = b.get(ValueLayout.JAVA_BYTE, off + 9) & 0xff;
            m.srcHi = 0; m.srcLo = b.get(INT_BE, off + 12) & 0xffffffffL;
            m.dstHi = 0; m.dstLo = b.get(INT_BE, off + 16) & 0xffffffffL;
            return (b.get(SHORT_BE, off + 6) & 0x1fff) == 0; // a later fragment has no ports
        } else if (version == 6 && len >= 40) {
            m.ipVersion = 6;
            m.hasPacket = true;
            m.len = (b.get(SHORT_BE, off + 4) & 0xffff) + 40;
            m.proto = b.get(ValueLayout.JAVA_BYTE, off + 6) & 0xff;
            m.srcHi = b.get(LONG_BE, off + 8); m.srcLo = b.get(LONG_BE, off + 16);
            m.dstHi = b.get(LONG_BE, off + 24); m.dstLo = b.get(LONG_BE, off + 32);
            return true;
        }
        return false;
    }

    private static void parseTransport(MemorySegment b, int off, int len, NftTraceMessage m) {
        switch (m.proto) {
            case 6, 17, 132, 136 -> {   // TCP, UDP, SCTP, UDP-Lite: ports first
                if (len < 4) return;
                m.sport = b.get(SHORT_BE, off) & 0xffff;
                m.dport = b.get(SHORT_BE, off + 2) & 0xffff;
                if (m.proto == 6 && len >= 14) m.tcpFlags = b.get(ValueLayout.JAVA_BYTE, off + 13) & 0xff;
            }
            default -> { }
        }
    }
}

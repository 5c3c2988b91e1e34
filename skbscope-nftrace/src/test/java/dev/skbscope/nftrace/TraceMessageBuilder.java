package dev.skbscope.nftrace;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static dev.skbscope.nftrace.NftTraceDescriptor.*;

/** Builds NFT_MSG_TRACE datagrams byte by byte, as the kernel lays them out, for decoder tests. */
final class TraceMessageBuilder {
    private final ByteArrayOutputStream attrs = new ByteArrayOutputStream();
    private int family = NFPROTO_INET;
    private int type = MSG_TYPE_TRACE;

    static TraceMessageBuilder trace() { return new TraceMessageBuilder(); }

    TraceMessageBuilder family(int f) { family = f; return this; }
    TraceMessageBuilder msgType(int t) { type = t; return this; }

    TraceMessageBuilder attr(int atype, byte[] payload) {
        attrs.writeBytes(attr0(atype, payload));
        return this;
    }

    static byte[] attr0(int atype, byte[] payload) {
        int len = NLA_HDRLEN + payload.length;
        ByteBuffer b = ByteBuffer.allocate(NftTraceDecoder.align4(len)).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) len).putShort((short) atype).put(payload);
        return b.array();
    }

    /** An attribute header claiming {@code claimedLen} bytes, followed by {@code actual} bytes. */
    TraceMessageBuilder rawAttr(int atype, int claimedLen, byte[] actual) {
        ByteBuffer b = ByteBuffer.allocate(NLA_HDRLEN + actual.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) claimedLen).putShort((short) atype).put(actual);
        attrs.writeBytes(b.array());
        return this;
    }

    TraceMessageBuilder str(int atype, String s) {
        byte[] b = (s + "\0").getBytes(StandardCharsets.UTF_8);
        return attr(atype, b);
    }

    TraceMessageBuilder u32(int atype, int v) { return attr(atype, ByteBuffer.allocate(4).putInt(v).array()); }
    TraceMessageBuilder u16(int atype, int v) { return attr(atype, ByteBuffer.allocate(2).putShort((short) v).array()); }
    TraceMessageBuilder u64(int atype, long v) { return attr(atype, ByteBuffer.allocate(8).putLong(v).array()); }

    TraceMessageBuilder verdict(int code, String chain) {
        ByteArrayOutputStream nest = new ByteArrayOutputStream();
        nest.writeBytes(attr0(NFTA_VERDICT_CODE, ByteBuffer.allocate(4).putInt(code).array()));
        if (chain != null) nest.writeBytes(attr0(NFTA_VERDICT_CHAIN, (chain + "\0").getBytes(StandardCharsets.UTF_8)));
        return attr(NFTA_TRACE_VERDICT | 0x8000, nest.toByteArray());
    }

    static byte[] ipv4(int proto, String src, String dst, int fragOff) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 48).putShort((short) 1).putShort((short) fragOff)
                .put((byte) 64).put((byte) proto).putShort((short) 0).put(addr(src)).put(addr(dst));
        return b.array();
    }

    static byte[] ipv6(int next, String src, String dst) {
        ByteBuffer b = ByteBuffer.allocate(40);
        b.putInt(0x60000000).putShort((short) 20).put((byte) next).put((byte) 64).put(addr(src)).put(addr(dst));
        return b.array();
    }

    static byte[] ports(int sport, int dport, int tcpFlags) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) sport).putShort((short) dport).putInt(0).putInt(0).put((byte) 0x50).put((byte) tcpFlags);
        return b.array();
    }

    static byte[] addr(String a) {
        try {
            return java.net.InetAddress.getByName(a).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The whole netlink message: nlmsghdr + nfgenmsg + attributes. */
    byte[] bytes() {
        byte[] a = attrs.toByteArray();
        int len = NLMSG_HDRLEN + NFGENMSG_LEN + a.length;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(len).putShort((short) type).putShort((short) 0).putInt(0).putInt(0);
        b.put((byte) family).put((byte) 0).putShort((short) 0);
        b.put(a);
        return b.array();
    }

    static MemorySegment segment(byte[]... messages) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            all.writeBytes(m);
            all.writeBytes(new byte[NftTraceDecoder.align4(m.length) - m.length]);
        }
        byte[] bytes = all.toByteArray();
        MemorySegment s = Arena.ofAuto().allocate(Math.max(1, bytes.length));
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
        return s;
    }
}

package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.TraceEvent;

/**
 * Reads the 5-tuple from raw packet bytes that start at the Ethernet header (Retis' packet
 * section). Stateless and thread-safe. Truncated or unknown packets leave the fields unknown.
 */
final class PacketHeaders {
    private PacketHeaders() { }

    static void decodeEthernet(byte[] b, int n, TraceEvent e) {
        if (n < 14) return;
        int etype = u16(b, 12), off = 14;
        while ((etype == 0x8100 || etype == 0x88a8) && off + 4 <= n) {   // VLAN tags
            etype = u16(b, off + 2);
            off += 4;
        }
        int l4, proto;
        if (etype == 0x0800) {
            if (off + 20 > n || (b[off] & 0xf0) != 0x40) return;
            int ihl = (b[off] & 0x0f) * 4;
            proto = b[off + 9] & 0xff;
            e.ipVersion = 4;
            e.srcHi = 0; e.srcLo = u32(b, off + 12);
            e.dstHi = 0; e.dstLo = u32(b, off + 16);
            boolean firstFragment = (u16(b, off + 6) & 0x1fff) == 0;
            if (!firstFragment) { e.proto = proto; return; }
            l4 = off + ihl;
        } else if (etype == 0x86dd) {
            if (off + 40 > n) return;
            proto = b[off + 6] & 0xff;
            e.ipVersion = 6;
            e.srcHi = u64(b, off + 8); e.srcLo = u64(b, off + 16);
            e.dstHi = u64(b, off + 24); e.dstLo = u64(b, off + 32);
            l4 = off + 40;
        } else {
            return;
        }
        e.proto = proto;
        if ((proto == 6 || proto == 17 || proto == 132) && l4 + 4 <= n) {
            e.sport = u16(b, l4);
            e.dport = u16(b, l4 + 2);
            if (proto == 6 && l4 + 14 <= n) e.tcpFlags = b[l4 + 13] & 0xff;
        }
    }

    private static int u16(byte[] b, int i) { return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff); }
    private static long u32(byte[] b, int i) { return ((long) u16(b, i) << 16) | u16(b, i + 2); }
    private static long u64(byte[] b, int i) { return (u32(b, i) << 32) | u32(b, i + 4); }
}

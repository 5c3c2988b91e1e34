package dev.skbscope.kernel.abi;

import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Layout of {@code struct skbscope_filter} (src/main/bpf/include/abi.h), one live session's
 * filter in the BPF array map {@code sessions}, and its encoding from a {@link PacketFilter}.
 *
 * <pre>
 *   0 flags u32 | 4 proto u8 | 5 src_ver | 6 dst_ver | 7 host_ver
 *   8 sport u16 | 10 dport u16 | 12 port u16 | 14 pad
 *  16 ifindex u32 | 20 netns u32
 *  24 src_net[16] 40 src_mask[16] 56 dst_net[16] 72 dst_mask[16] 88 host_net[16] 104 host_mask[16]
 * 120 end          (addresses and masks in network byte order; IPv4 in the first 4 bytes)
 * </pre>
 * Stateless.
 */
public final class FilterDescriptor {
    public static final int FLAGS = 0, PROTO = 4, SRC_VER = 5, DST_VER = 6, HOST_VER = 7, SPORT = 8, DPORT = 10,
            PORT = 12, IFINDEX = 16, NETNS = 20, SRC_NET = 24, DST_NET = 56, HOST_NET = 88, SIZE = 120;
    public static final int F_PROTO = 1, F_SRC = 2, F_DST = 4, F_HOST = 8, F_SPORT = 16, F_DPORT = 32, F_PORT = 64,
            F_IFINDEX = 128, F_NETNS = 256;

    private FilterDescriptor() { }

    /** Writes {@code f} into {@code seg} (zeroed first). @return true if the filter uses ifindex or netns */
    public static boolean write(PacketFilter f, MemorySegment seg) {
        seg.fill((byte) 0);
        int flags = 0;
        if (f.proto() != null) {
            flags |= F_PROTO;
            seg.set(JAVA_BYTE, PROTO, (byte) PacketFilter.protoNumber(f.proto()));
        }
        if (f.src() != null) { flags |= F_SRC; prefix(seg, SRC_VER, SRC_NET, f.src()); }
        if (f.dst() != null) { flags |= F_DST; prefix(seg, DST_VER, DST_NET, f.dst()); }
        if (f.host() != null) { flags |= F_HOST; prefix(seg, HOST_VER, HOST_NET, f.host()); }
        if (f.sport() != null) { flags |= F_SPORT; seg.set(JAVA_SHORT_UNALIGNED, SPORT, (short) (int) f.sport()); }
        if (f.dport() != null) { flags |= F_DPORT; seg.set(JAVA_SHORT_UNALIGNED, DPORT, (short) (int) f.dport()); }
        if (f.port() != null) { flags |= F_PORT; seg.set(JAVA_SHORT_UNALIGNED, PORT, (short) (int) f.port()); }
        if (f.ifindex() != null) { flags |= F_IFINDEX; seg.set(JAVA_INT_UNALIGNED, IFINDEX, f.ifindex()); }
        if (f.netns() != null) { flags |= F_NETNS; seg.set(JAVA_INT_UNALIGNED, NETNS, (int) (long) f.netns()); }
        seg.set(JAVA_INT_UNALIGNED, FLAGS, flags);
        return (flags & (F_IFINDEX | F_NETNS)) != 0;
    }

    private static final java.lang.foreign.ValueLayout.OfLong BE_LONG = JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final java.lang.foreign.ValueLayout.OfInt BE_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static void prefix(MemorySegment seg, int verOff, int netOff, Cidr c) {
        seg.set(JAVA_BYTE, verOff, (byte) c.ipVersion());
        int maskOff = netOff + 16;
        if (c.ipVersion() == 4) {
            int mask = c.prefixLength() == 0 ? 0 : (int) (0xffffffffL << (32 - c.prefixLength()));
            seg.set(BE_INT, netOff, (int) c.lo() & mask);
            seg.set(BE_INT, maskOff, mask);
        } else {
            int p = c.prefixLength();
            long mhi = p == 0 ? 0 : p >= 64 ? -1L : -1L << (64 - p);
            long mlo = p <= 64 ? 0 : p == 128 ? -1L : -1L << (128 - p);
            seg.set(BE_LONG, netOff, c.hi() & mhi);
            seg.set(BE_LONG, netOff + 8, c.lo() & mlo);
            seg.set(BE_LONG, maskOff, mhi);
            seg.set(BE_LONG, maskOff + 8, mlo);
        }
    }
}

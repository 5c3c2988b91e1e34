package dev.skbscope.kernel;

import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.assertj.core.api.Assertions.assertThat;

/** The filter bytes the BPF side compares packets against (network order, pre-masked prefixes). */
class FilterDescriptorTest {

    private static byte[] bytes(MemorySegment seg, int off, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = seg.get(JAVA_BYTE, off + i);
        return b;
    }

    @Test
    void encodesIpv4PrefixPortsAndFlags() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(FilterDescriptor.SIZE);
            PacketFilter f = new PacketFilter("udp", Cidr.parse("198.18.0.0/16"), null, null, null, 5000, null, 3, null);
            boolean device = FilterDescriptor.write(f, seg);
            assertThat(device).isTrue();
            assertThat(seg.get(JAVA_INT_UNALIGNED, FilterDescriptor.FLAGS)).isEqualTo(
                    FilterDescriptor.F_PROTO | FilterDescriptor.F_SRC | FilterDescriptor.F_DPORT | FilterDescriptor.F_IFINDEX);
            assertThat(seg.get(JAVA_BYTE, FilterDescriptor.PROTO)).isEqualTo((byte) 17);
            assertThat(seg.get(JAVA_BYTE, FilterDescriptor.SRC_VER)).isEqualTo((byte) 4);
            // 198.18.0.0 and 255.255.0.0 in network order, in the first 4 bytes
            assertThat(bytes(seg, FilterDescriptor.SRC_NET, 4)).containsExactly(198, 18, 0, 0);
            assertThat(bytes(seg, FilterDescriptor.SRC_NET + 16, 4)).containsExactly(255, 255, 0, 0);
            assertThat(seg.get(JAVA_SHORT_UNALIGNED, FilterDescriptor.DPORT)).isEqualTo((short) 5000);
            assertThat(seg.get(JAVA_INT_UNALIGNED, FilterDescriptor.IFINDEX)).isEqualTo(3);
        }
    }

    @Test
    void encodesIpv6PrefixAcrossBothHalves() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(FilterDescriptor.SIZE);
            FilterDescriptor.write(new PacketFilter(null, null, null, Cidr.parse("2001:db8::/72"), null, null, null, null, null), seg);
            assertThat(seg.get(JAVA_BYTE, FilterDescriptor.HOST_VER)).isEqualTo((byte) 6);
            byte[] net = bytes(seg, FilterDescriptor.HOST_NET, 16);
            byte[] mask = bytes(seg, FilterDescriptor.HOST_NET + 16, 16);
            assertThat(net).startsWith(0x20, 0x01, 0x0d, 0xb8).endsWith(0, 0, 0, 0, 0, 0, 0, 0);
            assertThat(mask).startsWith(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff).endsWith(0, 0, 0, 0, 0, 0, 0);
        }
    }

    @Test
    void anyFilterSetsNoFlags() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(FilterDescriptor.SIZE);
            assertThat(FilterDescriptor.write(PacketFilter.ANY, seg)).isFalse();
            assertThat(seg.get(JAVA_INT_UNALIGNED, FilterDescriptor.FLAGS)).isZero();
        }
    }
}

package dev.skbscope.nftrace;

import dev.skbscope.engine.event.SymbolTable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trace socket on the real kernel when it overflows: only what doesn't fit is lost, no
 * ENOBUFS, and the kernel's drop counter accounts for every message we did not get.
 */
@Tag("kernel")
class NetlinkSocketKernelTest {
    private static final String TABLE = "skbnft_overflow";   // not skbscope_*: no sweep may remove it
    private static final int PORT = 7197, PACKETS = 400;

    @Test
    void overflowLosesOnlyWhatDoesNotFitAndCountsIt() throws Exception {
        KernelFixture.requireNfTrace();
        NftExec.run("table inet " + TABLE + " {}\ndelete table inet " + TABLE + "\ntable inet " + TABLE + " {\n"
                + " chain out {\n  type filter hook output priority -400; policy accept;\n"
                + "  udp dport " + PORT + " meta nftrace set 1 accept\n }\n}\n", "-f", "-");
        try (NetlinkSocket s = NetlinkSocket.openTraceGroup(4096, 100);   // a few messages' room
             DatagramChannel tx = DatagramChannel.open()) {
            assertThat(s.reportsOverrun()).as("NETLINK_NO_ENOBUFS accepted").isFalse();
            long drops0 = s.kernelDrops();
            ByteBuffer payload = ByteBuffer.allocate(16);
            InetSocketAddress dst = new InetSocketAddress("127.0.0.1", PORT);
            for (int i = 0; i < PACKETS; i++) tx.send(payload.clear(), dst);   // not read meanwhile

            int table = SymbolTable.NFT_NAMES.intern(TABLE);
            int[] ours = {0};
            NftTraceDecoder decoder = new NftTraceDecoder();
            NftTraceDecoder.Handler count = new NftTraceDecoder.Handler() {
                @Override public void onTrace(NftTraceMessage m) { if (m.table == table) ours[0]++; }
                @Override public void onBad(String why) { }
            };
            int n;
            while ((n = s.receiveQueued()) != NetlinkSocket.TIMEOUT) {
                assertThat(n).as("no ENOBUFS with NETLINK_NO_ENOBUFS").isNotEqualTo(NetlinkSocket.OVERRUN);
                for (int i = 0; i < n; i++) decoder.decode(s.message(i), s.length(i), count);
            }
            long dropped = s.kernelDrops() - drops0;
            assertThat(ours[0]).as("the buffer's worth was delivered").isPositive().isLessThan(PACKETS);
            // one message per packet; other traffic traced on this host may add to the drops, never subtract
            assertThat(dropped).isGreaterThanOrEqualTo(PACKETS - ours[0]);
            // and after the overflow the socket delivers again at once (it is not left congested)
            tx.send(payload.clear(), dst);
            ours[0] = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            // wait for its trace (each receive waits up to the 100 ms timeout), then take what else is queued
            while (ours[0] == 0 && System.nanoTime() < deadline) {
                n = s.receiveBatch();
                for (int i = 0; i < n; i++) decoder.decode(s.message(i), s.length(i), count);
            }
            while ((n = s.receiveQueued()) > 0) {
                for (int i = 0; i < n; i++) decoder.decode(s.message(i), s.length(i), count);
            }
            assertThat(ours[0]).as("the one packet sent after the overflow, traced once").isEqualTo(1);
        } finally {
            NftExec.run(null, "delete", "table", "inet", TABLE);
        }
    }
}

package dev.skbscope.kernel.attach;

import dev.skbscope.kernel.abi.KernelValues;
import dev.skbscope.libbpf.BpfMap;
import dev.skbscope.libbpf.LibbpfException;
import dev.skbscope.libbpf.LinkCreate;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Measures what two adjacent netfilter programs cost with nothing between them: a stage's
 * brackets (conntrack, NAT) include that much on top of the stage's own time, and the closing
 * bracket takes it off. Links {@code nf_calib_a} and {@code nf_calib_b} side by side on this
 * namespace's OUTPUT hook for the few milliseconds it takes to send 2,000 loopback datagrams, and
 * takes the median gap. Stateless; call from a thread in the namespace to measure in.
 */
public final class Calibration {
    private static final int DATAGRAMS = 2000;
    /** Far from every priority the kernel and nftables use. */
    private static final int PRIORITY = 0x3fff0000;

    private Calibration() { }

    /** The median gap in ns, or 0 when it could not be measured (then nothing is taken off). */
    public static long measure(LinkCreate links, int progA, int progB, BpfMap calib) {
        int la = -1, lb = -1;
        try {
            la = links.netfilter(progA, KernelValues.NFPROTO_IPV4, KernelValues.NF_INET_LOCAL_OUT, PRIORITY);
            lb = links.netfilter(progB, KernelValues.NFPROTO_IPV4, KernelValues.NF_INET_LOCAL_OUT, PRIORITY + 1);
            send();
        } catch (LibbpfException | IOException e) {
            return 0;
        } finally {
            LinkCreate.close(la);
            LinkCreate.close(lb);
        }
        return median(calib);
    }

    private static void send() throws IOException {
        try (DatagramChannel rx = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramChannel tx = DatagramChannel.open()) {
            rx.configureBlocking(false);
            ByteBuffer out = ByteBuffer.allocate(16), in = ByteBuffer.allocate(64);
            InetSocketAddress to = (InetSocketAddress) rx.getLocalAddress();
            for (int i = 0; i < DATAGRAMS; i++) {
                out.clear();
                tx.send(out, to);
                in.clear();
                while (rx.receive(in) != null) in.clear();
            }
        }
    }

    private static long median(BpfMap calib) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(4, 4);
            key.set(JAVA_INT, 0, 0);
            MemorySegment v = a.allocate(calib.valueSize(), 8);
            if (!calib.lookup(key, v)) return 0;
            long count = v.get(JAVA_LONG, 0);
            int n = (int) Math.min(count, (calib.valueSize() - 8) / 8);
            if (n < 16) return 0;
            long[] gaps = new long[n];
            for (int i = 0; i < n; i++) gaps[i] = v.get(JAVA_LONG, 8 + 8L * i);
            Arrays.sort(gaps);
            return gaps[n / 2];
        } catch (LibbpfException e) {
            return 0;
        }
    }
}

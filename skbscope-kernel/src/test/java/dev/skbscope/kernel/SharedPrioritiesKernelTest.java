package dev.skbscope.kernel;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two tracers at once (a second skbscope, or another tool's netfilter link at our priorities): the
 * kernel refuses a BPF link at a priority another hook holds, and the second tracer's netfilter
 * nodes went dark. It now links next to the taken priority, on the slot's side, says so in the
 * capabilities, and both tracers see the packets at OUTPUT and INPUT.
 */
@Tag("kernel")
class SharedPrioritiesKernelTest {
    private static final String NS = "skk-sp";

    @BeforeAll
    static void setUp() {
        KernelTestSupport.requireBpf();
        KernelTestSupport.runQuietly("ip", "netns", "del", NS);
        KernelTestSupport.run("ip", "netns", "add", NS);
        KernelTestSupport.run("ip", "-n", NS, "link", "set", "lo", "up");
    }

    @AfterAll
    static void tearDown() {
        KernelTestSupport.runQuietly("ip", "netns", "del", NS);
    }

    @Test
    void aSecondTracerLinksNextToTheTakenPriorities() throws Exception {
        KernelProbe probe = KernelTestSupport.requireBpf();
        assertThat(probe.netfilter().available()).as("netfilter links: " + probe.netfilter().reason()).isTrue();
        PacketFilter mine = new PacketFilter("udp", null, null, Cidr.parse("127.0.0.1/32"), null, 9, null, null, null);
        KernelLiveBackend first = new KernelLiveBackend(), second = new KernelLiveBackend();
        try (EventSource a = first.open(new LiveBackend.LiveRequest("a", "full", mine, 50))) {
            await(first, h -> h.contains("IPv4 OUTPUT/first"));
            try (EventSource b = second.open(new LiveBackend.LiveRequest("b", "full", mine, 50))) {
                List<String> hooks = await(second, h -> h.stream().anyMatch(s -> s.startsWith("IPv4 OUTPUT/first at ")));
                assertThat(hooks).contains("IPv4 OUTPUT/first at " + (Integer.MIN_VALUE + 2) + " (its priority was taken)");
                assertThat(KernelTestSupport.namespaceView(second, NS).get("refused")).as("nothing refused").isNull();
                // a datagram to a closed port on the namespace's loopback: OUTPUT, then INPUT
                Set<Hook> seenA = EnumSet.noneOf(Hook.class), seenB = EnumSet.noneOf(Hook.class);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while ((!seenA.containsAll(Set.of(Hook.OUTPUT, Hook.INPUT)) || !seenB.containsAll(Set.of(Hook.OUTPUT, Hook.INPUT)))
                        && System.nanoTime() < end) {
                    Process p = KernelTestSupport.pythonIn(NS, """
                            import socket
                            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 9))
                            """);
                    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                    drain(a, seenA);
                    drain(b, seenB);
                }
                assertThat(seenA).as("the first tracer's hooks").contains(Hook.OUTPUT, Hook.INPUT);
                assertThat(seenB).as("the second tracer's hooks").contains(Hook.OUTPUT, Hook.INPUT);
            }
        } finally {
            second.shutdown();
            first.shutdown();
        }
        assertThat(KernelTestSupport.ownLinkIds()).isEmpty();
    }

    private static void drain(EventSource src, Set<Hook> seen) throws Exception {
        EventBatch batch = new EventBatch(256);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        while (System.nanoTime() < end) {
            batch.reset();
            int n = src.poll(batch);
            for (int i = 0; i < n; i++) {
                TraceEvent e = batch.get(i);
                if (e.probeName().equals("nf_hook_first")) seen.add(e.hook);
            }
        }
    }

    /** The namespace's hooks once {@code ok} holds for them; fails after 10 s. */
    private static List<String> await(KernelLiveBackend backend, java.util.function.Predicate<List<String>> ok) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> last = null;
        while (System.nanoTime() < end) {
            Map<String, Object> ns = KernelTestSupport.namespaceView(backend, NS);
            last = ns == null ? null : KernelTestSupport.hooks(ns);
            if (last != null && ok.test(last)) return last;
            Thread.sleep(100);
        }
        throw new AssertionError("namespace " + NS + " never linked as expected: " + last);
    }
}

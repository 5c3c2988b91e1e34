package dev.skbscope.kernel;

import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attach plan follows the hooks registered in a namespace: one program per hook where neither
 * conntrack nor NAT is registered, their brackets once a NAT rule registers them, and none again
 * once the rule is gone; INPUT's last program, POSTROUTING's first and PREROUTING's first only while
 * a hook besides ours runs there; capabilities say why per stage.
 */
@Tag("kernel")
class HookTableBracketsKernelTest {
    private static final String NS = "skk-hk";

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
    void bracketsFollowTheRegisteredHooks() throws Exception {
        KernelLiveBackend backend = new KernelLiveBackend();
        PacketFilter all = new PacketFilter(null, null, null, null, null, null, null, null, null);
        try (EventSource src = backend.open(new LiveBackend.LiveRequest("hk", "full", all, 50))) {
            Map<String, Object> ns = await(backend, n -> stage(n, "conntrack").startsWith("not bracketed: no conntrack hook"));
            assertThat(ns).containsEntry("conntrack_bracketed", false).containsEntry("nat_bracketed", false);
            assertThat(stage(ns, "nat")).startsWith("not bracketed: no NAT hook");
            assertThat(KernelTestSupport.hooks(ns)).noneMatch(h -> h.contains("conntrack") || h.contains("nat") || h.contains("PREROUTING/last"));
            assertThat(stage(ns, "input")).startsWith("one program: nothing but ours is registered on INPUT");
            assertThat(KernelTestSupport.hooks(ns)).noneMatch(h -> h.contains("INPUT/last"));
            // nothing but ours at POSTROUTING: no program there, the tc egress program reports the hook
            ns = await(backend, n -> stage(n, "postrouting").startsWith("seen by tcx_egress"));
            assertThat(KernelTestSupport.hooks(ns)).noneMatch(h -> h.contains("POSTROUTING"));
            // nor at PREROUTING: the tc ingress program reports the hook
            ns = await(backend, n -> stage(n, "prerouting").startsWith("seen by tcx_ingress"));
            assertThat(KernelTestSupport.hooks(ns)).noneMatch(h -> h.contains("PREROUTING"));

            // a masquerade rule registers conntrack's and NAT's hooks, in this namespace only
            KernelTestSupport.run("ip", "netns", "exec", NS, "nft", "add table ip skkhk");
            KernelTestSupport.run("ip", "netns", "exec", NS, "nft", "add chain ip skkhk post { type nat hook postrouting priority srcnat ; }");
            KernelTestSupport.run("ip", "netns", "exec", NS, "nft", "add rule ip skkhk post oifname lo masquerade");
            ns = await(backend, n -> Boolean.TRUE.equals(n.get("nat_bracketed")));
            assertThat(ns).containsEntry("conntrack_bracketed", true);
            assertThat(stage(ns, "nat")).startsWith("bracketed: NAT's hooks are registered here");
            assertThat(stage(ns, "prerouting")).startsWith("one program");
            assertThat(KernelTestSupport.hooks(ns)).contains("IPv4 PREROUTING/first", "IPv6 PREROUTING/first");
            assertThat(KernelTestSupport.hooks(ns)).contains("IPv4 PREROUTING/conntrack_begin", "IPv4 PREROUTING/dnat_end",
                    "IPv4 POSTROUTING/snat_begin", "IPv6 POSTROUTING/snat_end");
            // conntrack confirms at INPUT: INPUT's last program is linked again
            assertThat(stage(ns, "input")).startsWith("two programs");
            assertThat(KernelTestSupport.hooks(ns)).contains("IPv4 INPUT/last", "IPv6 INPUT/last");
            // NAT runs at POSTROUTING: its first program is linked again
            assertThat(stage(ns, "postrouting")).startsWith("one program");
            assertThat(KernelTestSupport.hooks(ns)).contains("IPv4 POSTROUTING/first", "IPv6 POSTROUTING/first");

            // the rule goes, its hooks go, and so do the brackets
            KernelTestSupport.run("ip", "netns", "exec", NS, "nft", "delete table ip skkhk");
            ns = await(backend, n -> Boolean.FALSE.equals(n.get("nat_bracketed")) && Boolean.FALSE.equals(n.get("conntrack_bracketed")));
            assertThat(KernelTestSupport.hooks(ns)).noneMatch(h -> h.contains("conntrack") || h.contains("nat") || h.contains("PREROUTING/last"));
            ns = await(backend, n -> stage(n, "input").startsWith("one program") && stage(n, "postrouting").startsWith("seen by")
                    && stage(n, "prerouting").startsWith("seen by"));
            assertThat(KernelTestSupport.hooks(ns)).hasSize(6); // the first of INPUT, FORWARD and OUTPUT, IPv4 and IPv6
        }
        assertThat(KernelTestSupport.ownLinkIds()).isEmpty();
    }

    /**
     * Sends a datagram on the namespace's loopback (its hooks are read at a packet) until the
     * namespace's capabilities satisfy {@code ok}; fails after 10 s.
     */
    private static Map<String, Object> await(KernelLiveBackend backend, Predicate<Map<String, Object>> ok) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Map<String, Object> last = null;
        while (System.nanoTime() < end) {
            Process p = KernelTestSupport.pythonIn(NS, """
                    import socket
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 9))
                    """);
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            last = KernelTestSupport.namespaceView(backend, NS);
            if (last != null && ok.test(last)) return last;
            Thread.sleep(100);
        }
        throw new AssertionError("namespace " + NS + " never reached the expected plan: " + last);
    }

    @SuppressWarnings("unchecked")
    private static String stage(Map<String, Object> ns, String stage) {
        Object s = ns.get("stages");
        return s instanceof Map<?, ?> m && m.get(stage) instanceof String w ? w : "";
    }
}

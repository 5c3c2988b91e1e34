package dev.skbscope.server;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.MergedSource;
import dev.skbscope.sources.live.LiveBackend.LiveRequest;
import dev.skbscope.nftrace.VethNamespace;
import dev.skbscope.sources.live.KernelTestGate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full live session shows the verdicts of a user's nftables DROP rule at Netfilter INPUT,
 * whichever way this kernel lets the tracer see the hook: with netfilter links (6.4+) the kernel
 * source sees the hook itself (latency, and verdicts from what became of each packet); without
 * them (and without fentry) the nftables trace stands in for the node (verdicts, the rule and its
 * text, no latency), without inventing packets. The second way runs here too: with
 * {@code -Dskbscope.kernel.netfilter=off} the tracer behaves as on a kernel before 6.4, and the
 * capabilities must say why the netfilter nodes fall back. Root namespace side {@code skk-enr-a}
 * 198.18.7.1/24, namespace {@code skk-enr} with {@code skk-enr-b} 198.18.7.2/24.
 */
@Tag("kernel")
class FullModeNftEnrichmentKernelTest {
    private static final String NS = "skk-enr", ROOT_IF = "skk-enr-a", NS_IF = "skk-enr-b";
    private static final String ROOT_ADDR = "198.18.7.1", NS_ADDR = "198.18.7.2";
    private static final String RULESET = """
            table inet skkenrtest {
              chain input {
                type filter hook input priority 0; policy accept;
                udp dport 7002 drop
              }
            }
            """;
    private static final int ACCEPTED = 3, DROPPED = 4;
    private LiveBackends live;

    @BeforeAll
    static void setUp() throws IOException {
        KernelTestGate.requireRoot("the full-mode netfilter verdicts test");
        new VethNamespace(NS, ROOT_IF, NS_IF, ROOT_ADDR, NS_ADDR);
        nft("table inet skkenrtest {}\ndelete table inet skkenrtest\n" + RULESET);
    }

    @AfterAll
    static void tearDown() {
        try { nft("delete table inet skkenrtest\n"); } catch (IOException ignored) { }
        cleanup();
    }

    @AfterEach
    void closeBackends() {
        System.clearProperty("skbscope.kernel.netfilter");
        if (live != null) live.shutdown();
    }

    /**
     * @param netfilterLinks false: as on a kernel before 6.4 ({@code -Dskbscope.kernel.netfilter=off}),
     *                       where the nftables trace must stand in for the netfilter nodes
     */
    @ParameterizedTest(name = "netfilter links {0}")
    @ValueSource(booleans = {true, false})
    void fullSessionShowsInputVerdicts(boolean netfilterLinks) throws Exception {
        if (!netfilterLinks) System.setProperty("skbscope.kernel.netfilter", "off");
        live = LiveBackends.load();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> modes = (Map<String, Map<String, Object>>) live.capabilities().get("modes");
        String why = null;
        for (String m : List.of("full", "nft")) {
            if (!Boolean.TRUE.equals(modes.get(m).get("available"))) why = "mode " + m + ": " + modes.get(m).get("reason");
        }
        KernelTestGate.require("full live mode with nftables trace", why);
        @SuppressWarnings("unchecked") Map<String, Object> full = modes.get("full");
        @SuppressWarnings("unchecked") Map<String, Object> nf = (Map<String, Object>) full.get("netfilter");
        @SuppressWarnings("unchecked") Map<String, Map<String, Object>> caps = (Map<String, Map<String, Object>>) full.get("nodes");
        if (!netfilterLinks) {
            // the fallback says why, per node
            assertThat(nf.get("available")).isEqualTo(false);
            assertThat(String.valueOf(nf.get("reason"))).contains("before 6.4");
            for (String n : List.of("nf_prerouting", "nf_input", "nf_forward", "nf_output", "nf_postrouting", "conntrack")) {
                Map<String, Object> c = caps.get(n);
                String mechanism = String.valueOf(c.get("mechanism"));
                if (mechanism.contains("fentry")) continue; // a kernel that allows fentry: the cheapest mechanism wins
                if (Boolean.TRUE.equals(c.get("observable"))) {
                    // the nftables trace stands in, and the capability says why the kernel can't
                    assertThat(mechanism).as(n).isEqualTo("nftables trace");
                    assertThat(String.valueOf(c.get("kernel_reason"))).as(n).contains("6.4");
                } else {
                    assertThat(String.valueOf(c.get("reason"))).as(n).contains("6.4");
                }
            }
        }
        PacketFilter fromNs = new PacketFilter("udp", Cidr.parse(NS_ADDR + "/32"), null, null, null, null, null, null, null);
        StatsSnapshot s;
        try (EventSource src = live.open(new LiveRequest("enr-full", "full", fromNs, 50));
             DatagramChannel sink = DatagramChannel.open().bind(new InetSocketAddress(ROOT_ADDR, 7001))) {
            enriched = src.enrichedNodes().contains("nf_input");
            assertThat(src).as("a full session reads the nftables trace too (rules hit)").isInstanceOf(MergedSource.class);
            assertThat(src.unobservedNodes()).doesNotContainKeys("nf_prerouting", "nf_input", "nf_output");
            SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("enr-full", "full"), src.counters());
            src.unobservedNodes().forEach(t::nodeUnobservable);
            t.enrichedOnly(src.enrichedNodes());
            t.ruleTextLookup(src.ruleTextLookup());
            sh("ip", "netns", "exec", NS, "/usr/bin/python3", "-c", """
                    import socket
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    for port, n in ((7001, %d), (7002, %d)):
                        for i in range(n): s.sendto(b'x', ('%s', port))
                    """.formatted(ACCEPTED, DROPPED, ROOT_ADDR));
            EventBatch batch = new EventBatch(512);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                batch.reset();
                if (src.poll(batch) < 0) break;
                t.ingest(batch);
                StatsSnapshot now = t.snapshot();
                if (now.node(dev.skbscope.engine.PipelineNode.NF_INPUT).count() >= ACCEPTED + DROPPED
                        && now.totalPackets() >= ACCEPTED + DROPPED) {
                    // a little longer, to catch any extra event
                    long extra = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                    while (System.nanoTime() < extra) { batch.reset(); src.poll(batch); t.ingest(batch); }
                    break;
                }
            }
            s = t.snapshot();
            System.err.println("full+nft: nf_input " + s.nodes().get("nf_input") + "; rules " + s.rules()
                    + "; source " + s.source());
        }
        StatsSnapshot.NodeStats input = s.nodes().get("nf_input");
        assertThat(input.observable()).isTrue();
        assertThat(input.verdicts()).isEqualTo(Map.of("ACCEPT", (long) ACCEPTED, "DROP", (long) DROPPED));
        assertThat(input.drops()).isEqualTo(DROPPED);
        assertThat(input.dropReasons()).containsEntry("NETFILTER_DROP", (long) DROPPED);
        assertThat(s.hooks().get("INPUT").verdicts()).containsEntry("DROP", (long) DROPPED);
        assertThat(s.totalPackets()).isGreaterThanOrEqualTo(ACCEPTED + DROPPED);
        boolean nfLinks = Boolean.TRUE.equals(nf.get("available"));
        boolean fentry = String.valueOf(caps.get("nf_input").get("mechanism")).contains("fentry");
        assertThat(enriched).as("the nftables trace stands in exactly when the kernel can't see the hooks")
                .isEqualTo(!nfLinks && !fentry);
        if (enriched) {
            // the trace stands in for the node: the rule and its text, no latency, no packets or edges of its own
            assertThat(input.samples()).as("traces carry no per-packet latency").isZero();
            assertThat(s.rules()).anySatisfy(r -> {
                assertThat(r.table()).isEqualTo("skkenrtest");
                assertThat(r.text()).isEqualTo("udp dport 7002 drop");
                assertThat(r.hits()).isEqualTo(DROPPED);
            });
            assertThat(s.edges()).noneMatch(e -> e.to().equals("nf_input") || e.from().equals("nf_input"));
            assertThat(s.source().detail()).contains("nftables trace");
        } else {
            // the kernel sees the hook: every packet passes it, the accepted ones leave it, with latency
            assertThat(input.packets()).isEqualTo(ACCEPTED + DROPPED);
            assertThat(input.samples()).isEqualTo(ACCEPTED + DROPPED);
            assertThat(s.edges()).anyMatch(e -> e.from().equals("nf_input") && e.to().equals("l4_rx") && e.count() == ACCEPTED);
            // and the trace names the rule that dropped, without counting a verdict twice
            assertThat(s.rules()).anySatisfy(r -> {
                assertThat(r.table()).isEqualTo("skkenrtest");
                assertThat(r.hits()).isEqualTo(DROPPED);
            });
        }
    }

    private boolean enriched;

    private static void nft(String script) throws IOException { VethNamespace.shWithInput(script, "nft", "-f", "-"); }

    private static void cleanup() { VethNamespace.remove(NS, ROOT_IF); }

    private static String sh(String... cmd) throws IOException { return VethNamespace.sh(cmd); }
}

package dev.skbscope.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.StatsSnapshot.EdgeStats;
import dev.skbscope.engine.StatsSnapshot.NodeStats;
import dev.skbscope.engine.StatsSnapshot.RuleStats;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static dev.skbscope.engine.Ev.at;
import static dev.skbscope.engine.Ev.consume;
import static dev.skbscope.engine.Ev.kfree;
import static dev.skbscope.engine.Ev.nf;
import static dev.skbscope.engine.Ev.nft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionStatsTrackerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private SessionStatsTracker tracker(SessionConfig config) {
        return new SessionStatsTracker(config, new SourceCounters("test"), clock::get);
    }

    private SessionStatsTracker tracker() { return tracker(SessionConfig.defaults("s1", "full")); }

    private static StatsSnapshot run(SessionStatsTracker t, TraceEvent... events) {
        SpecLines.feed(t, List.of(events), 3);
        return t.snapshot();
    }

    private static NodeStats node(StatsSnapshot s, PipelineNode n) { return s.node(n); }

    private static EdgeStats edge(StatsSnapshot s, String from, String to) {
        return s.edges().stream().filter(e -> e.from().equals(from) && e.to().equals(to)).findFirst().orElse(null);
    }

    @Test
    void latencyRunsFromTheFirstEventAtANodeToTheFirstEventAtTheNext() {
        StatsSnapshot s = run(tracker(),
                at(0, 1, "netif_receive_skb"), at(1, 1, "netif_receive_skb"), at(5, 1, "napi_gro_receive"),
                nf(9, 1, Hook.PREROUTING, Verdict.ACCEPT), consume(12, 1));
        NodeStats napi = node(s, PipelineNode.DRIVER_NAPI);
        assertThat(napi.count()).isEqualTo(2);
        assertThat(napi.packets()).isEqualTo(1);
        assertThat(napi.samples()).isEqualTo(1);
        assertThat(napi.avgUs()).isEqualTo(5.0);
        assertThat(napi.p50Us()).isEqualTo(5.0);
        assertThat(napi.maxUs()).isEqualTo(5.0);
        assertThat(node(s, PipelineNode.GRO).avgUs()).isEqualTo(4.0);
        // the last node gets end - entry
        assertThat(node(s, PipelineNode.NF_PREROUTING).avgUs()).isEqualTo(3.0);
        assertThat(node(s, PipelineNode.NF_PREROUTING).samples()).isEqualTo(1);
        assertThat(edge(s, "driver_napi", "gro")).isEqualTo(new EdgeStats("driver_napi", "gro", 1, 5.0, 5.0, 5.0));
        assertThat(edge(s, "gro", "nf_prerouting").avgUs()).isEqualTo(4.0);
        assertThat(s.edges()).hasSize(2);
        assertThat(s.inFlightTotal()).isZero();
        assertThat(s.nodes().values()).allSatisfy(n -> assertThat(n.inFlight()).isZero());
        assertThat(s.pipeline("inbound").completed()).isEqualTo(1);
        assertThat(s.pipeline("inbound").inFlight()).isZero();
        assertThat(s.totalPackets()).isEqualTo(1);
        assertThat(s.totalEvents()).isEqualTo(5);
        // layers: L2 holds napi (5 µs) and gro (4 µs)
        assertThat(s.layers().get("L2").count()).isEqualTo(3);
        assertThat(s.layers().get("L2").avgUs()).isEqualTo(4.5);
        assertThat(s.layers().get("L3").avgUs()).isEqualTo(3.0);
    }

    @Test
    void revisitingANodeCountsThePacketOnce() {
        StatsSnapshot s = run(tracker(),
                at(0, 2, "netif_receive_skb"), at(1, 2, "napi_gro_receive"), at(2, 2, "netif_receive_skb"), consume(3, 2));
        NodeStats napi = node(s, PipelineNode.DRIVER_NAPI);
        assertThat(napi.packets()).isEqualTo(1);
        assertThat(napi.count()).isEqualTo(2);
        assertThat(napi.samples()).isEqualTo(2);
        assertThat(edge(s, "gro", "driver_napi").count()).isEqualTo(1);
        assertThat(edge(s, "driver_napi", "gro").count()).isEqualTo(1);
    }

    @Test
    void dropVerdictAndTheKfreeThatFollowsAreOneDrop() {
        StatsSnapshot s = run(tracker(),
                at(0, 3, "netif_receive_skb"), nf(2, 3, Hook.INPUT, Verdict.DROP), kfree(3, 3, "NETFILTER_DROP"));
        NodeStats in = node(s, PipelineNode.NF_INPUT);
        assertThat(s.drops()).isEqualTo(1);
        assertThat(in.drops()).isEqualTo(1);
        assertThat(in.dropReasons()).isEqualTo(Map.of("NETFILTER_DROP", 1L));
        assertThat(in.verdicts()).isEqualTo(Map.of("DROP", 1L));
        assertThat(in.samples()).isEqualTo(1);
        assertThat(in.avgUs()).isEqualTo(1.0);
        assertThat(s.dropReasons()).isEqualTo(Map.of("NETFILTER_DROP", 1L));
        assertThat(s.totalVerdicts()).isEqualTo(Map.of("DROP", 1L));
        assertThat(s.hooks().get("INPUT").count()).isEqualTo(1);
        assertThat(s.hooks().get("INPUT").verdicts()).isEqualTo(Map.of("DROP", 1L));
        assertThat(s.pipeline("inbound")).isEqualTo(new StatsSnapshot.PipelineStats("inbound", 1, 0, 0, 1, 0));
        assertThat(s.pipeline("local_delivery")).isEqualTo(new StatsSnapshot.PipelineStats("local_delivery", 1, 0, 0, 1, 0));
        assertThat(s.inFlightTotal()).isZero();
    }

    @Test
    void kfreeWithoutReasonIsNotSpecifiedAtTheLastNode() {
        StatsSnapshot s = run(tracker(), at(0, 4, "netif_receive_skb"), kfree(1, 4, null));
        NodeStats napi = node(s, PipelineNode.DRIVER_NAPI);
        assertThat(s.drops()).isEqualTo(1);
        assertThat(napi.drops()).isEqualTo(1);
        assertThat(napi.dropReasons()).isEqualTo(Map.of("NOT_SPECIFIED", 1L));
        assertThat(s.pipeline("inbound").dropped()).isEqualTo(1);
        assertThat(napi.inFlight()).isZero();
    }

    @Test
    void kfreeVariantsAreTerminalToo() {
        StatsSnapshot s = run(tracker(), at(0, 5, "netif_receive_skb"), at(1, 5, "kfree_skb_reason"),
                at(2, 6, "netif_receive_skb"), at(3, 6, "sk_skb_reason_drop"));
        assertThat(s.drops()).isEqualTo(2);
        assertThat(s.inFlightTotal()).isZero();
        assertThat(node(s, PipelineNode.OTHER).count()).isZero();
    }

    @Test
    void loopbackReentryEndsTheJourneyAndStartsANewPacket() {
        long skb = 9;
        StatsSnapshot s = run(tracker(),
                at(0, skb, "tcp_sendmsg"), at(1, skb, "__tcp_transmit_skb"), at(2, skb, "ip_local_out"),
                at(3, skb, "net_dev_queue"), at(4, skb, "dev_hard_start_xmit"), at(5, skb, "net_dev_xmit"),
                at(7, skb, "netif_rx"), at(8, skb, "ip_rcv"), at(9, skb, "ip_local_deliver"),
                at(10, skb, "tcp_v4_rcv"), at(12, skb, "sock_queue_rcv_skb"), consume(15, skb));
        assertThat(s.totalPackets()).isEqualTo(2);
        assertThat(s.pipeline("outbound")).isEqualTo(new StatsSnapshot.PipelineStats("outbound", 1, 0, 1, 0, 0));
        assertThat(s.pipeline("inbound")).isEqualTo(new StatsSnapshot.PipelineStats("inbound", 1, 0, 1, 0, 0));
        assertThat(s.pipeline("local_delivery")).isEqualTo(new StatsSnapshot.PipelineStats("local_delivery", 1, 0, 1, 0, 0));
        assertThat(s.pipeline("forward").started()).isZero();
        NodeStats nic = node(s, PipelineNode.NIC);
        assertThat(nic.count()).isEqualTo(1);
        assertThat(nic.samples()).isEqualTo(1);
        assertThat(nic.avgUs()).isEqualTo(2.0);
        assertThat(node(s, PipelineNode.NIC_TX).count()).isZero();
        assertThat(edge(s, "nic", "driver_napi")).isNull();
        assertThat(node(s, PipelineNode.SOCKET).avgUs()).isEqualTo(3.0);
        assertThat(s.inFlightTotal()).isZero();
    }

    @Test
    void forwardedPacketsUseTheForwardNodesForPathDependentProbes() {
        StatsSnapshot s = run(tracker(),
                at(0, 10, "netif_receive_skb"), at(1, 10, "fib_table_lookup"),
                nf(2, 10, Hook.FORWARD, Verdict.ACCEPT), nf(3, 10, Hook.POSTROUTING, Verdict.ACCEPT),
                at(4, 10, "net_dev_xmit"), consume(6, 10),
                at(10, 11, "tcp_sendmsg"), at(11, 11, "fib_table_lookup"), nf(12, 11, Hook.POSTROUTING, Verdict.ACCEPT),
                at(13, 11, "net_dev_xmit"), consume(14, 11));
        assertThat(node(s, PipelineNode.ROUTING_DECISION).count()).isEqualTo(1);
        assertThat(node(s, PipelineNode.ROUTING_LOOKUP).count()).isEqualTo(1);
        assertThat(node(s, PipelineNode.NF_POSTROUTING).count()).isEqualTo(1);
        assertThat(node(s, PipelineNode.NAT_POSTROUTING).count()).isEqualTo(1);
        assertThat(node(s, PipelineNode.NIC_TX).count()).isEqualTo(1);
        assertThat(node(s, PipelineNode.NIC).count()).isEqualTo(1);
        assertThat(s.pipeline("forward")).isEqualTo(new StatsSnapshot.PipelineStats("forward", 1, 0, 1, 0, 0));
        assertThat(s.pipeline("inbound").completed()).isEqualTo(1);
        assertThat(s.pipeline("outbound").completed()).isEqualTo(1);
        assertThat(s.hooks().get("POSTROUTING").count()).isEqualTo(2);
    }

    @Test
    void endEventsOfUntrackedPacketsAreOnlyCounted() {
        StatsSnapshot s = run(tracker(), consume(1, 77), kfree(2, 78, "NO_SOCKET"));
        assertThat(s.totalEvents()).isEqualTo(2);
        assertThat(s.totalPackets()).isZero();
        assertThat(s.drops()).isZero();
        assertThat(s.dropReasons()).isEmpty();
        assertThat(s.untrackedEndEvents()).isEqualTo(2);
        assertThat(s.nodes().values()).allSatisfy(n -> assertThat(n.count()).isZero());
    }

    @Test
    void evictionRemovesTheOldestFromEveryInFlight() {
        SessionStatsTracker t = tracker(new SessionConfig("s", "full", 50, 10, 3));
        TraceEvent[] ev = new TraceEvent[11];
        for (int i = 0; i < 11; i++) ev[i] = at(i, 100 + i, "netif_receive_skb");
        StatsSnapshot s = run(t, ev);
        assertThat(s.totalPackets()).isEqualTo(11);
        assertThat(s.evictedPackets()).isEqualTo(3);
        assertThat(t.trackedPackets()).isEqualTo(8);
        assertThat(s.inFlightTotal()).isEqualTo(8);
        assertThat(node(s, PipelineNode.DRIVER_NAPI).inFlight()).isEqualTo(8);
        assertThat(s.pipeline("inbound")).isEqualTo(new StatsSnapshot.PipelineStats("inbound", 11, 8, 0, 0, 3));

        // the evicted (oldest) packets are untracked now; the rest end normally
        s = run(t, consume(20, 100), consume(21, 105));
        assertThat(s.untrackedEndEvents()).isEqualTo(1);
        assertThat(s.pipeline("inbound")).isEqualTo(new StatsSnapshot.PipelineStats("inbound", 11, 7, 1, 0, 3));
        assertThat(node(s, PipelineNode.DRIVER_NAPI).inFlight()).isEqualTo(7);

        ev = new TraceEvent[4];
        for (int i = 0; i < 4; i++) ev[i] = at(30 + i, 200 + i, "netif_receive_skb");
        s = run(t, ev);
        assertThat(s.evictedPackets()).isEqualTo(6);
        assertThat(t.trackedPackets()).isEqualTo(8);
        assertThat(s.pipeline("inbound").inFlight()).isEqualTo(8);
        assertThat(s.pipeline("inbound").evicted()).isEqualTo(6);
    }

    @Test
    void topFunctionsKeepAtMostMaxFunctionsNames() {
        SessionStatsTracker t = tracker(new SessionConfig("s", "full", 2, 100, 10));
        StatsSnapshot s = run(t, at(0, 1, "netif_receive_skb"), at(1, 1, "napi_gro_receive"), at(2, 1, "ip_rcv"),
                at(3, 1, "ip_rcv"), consume(4, 1));
        assertThat(s.topFunctions()).containsOnlyKeys("netif_receive_skb", "napi_gro_receive");
        assertThat(s.functionsDropped()).isEqualTo(3);
        assertThat(s.maxFunctions()).isEqualTo(2);
        // node counts are complete even for names that are not kept
        assertThat(node(s, PipelineNode.NF_PREROUTING).count()).isEqualTo(2);
        assertThat(node(s, PipelineNode.NF_PREROUTING).topFunctions()).isEmpty();
        assertThat(node(s, PipelineNode.GRO).topFunctions()).isEqualTo(Map.of("napi_gro_receive", 1L));
    }

    @Test
    void topFunctionsAreHeavyHittersFirst() {
        StatsSnapshot s = run(tracker(), at(0, 1, "netif_receive_skb"), at(1, 1, "__netif_receive_skb_core"),
                at(2, 1, "__netif_receive_skb_core"), at(3, 1, "__netif_receive_skb_core"), consume(4, 1));
        assertThat(List.copyOf(node(s, PipelineNode.DRIVER_NAPI).topFunctions().keySet()))
                .containsExactly("__netif_receive_skb_core", "netif_receive_skb");
        assertThat(List.copyOf(s.topFunctions().keySet()).getFirst()).isEqualTo("__netif_receive_skb_core");
    }

    @Test
    void packetsPerSecondCoversTheLastSecondAndDecaysWhenTrafficStops() {
        SessionStatsTracker t = tracker();
        TraceEvent[] early = new TraceEvent[5];
        for (int i = 0; i < 5; i++) early[i] = at(100_000 + i, 500 + i, "netif_receive_skb");
        StatsSnapshot s = run(t, early);
        assertThat(s.packetsPerSecond()).isEqualTo(5.0);
        TraceEvent[] late = new TraceEvent[3];
        for (int i = 0; i < 3; i++) late[i] = at(1_500_000 + i, 600 + i, "netif_receive_skb");
        s = run(t, late);
        assertThat(s.packetsPerSecond()).isEqualTo(3.0); // the packets at 0.1 s are outside the window
        assertThat(node(s, PipelineNode.DRIVER_NAPI).packetsPerSecond()).isEqualTo(3.0);
        clock.addAndGet(500_000_000L);
        assertThat(t.snapshot().packetsPerSecond()).isEqualTo(3.0);
        clock.addAndGet(1_000_000_000L);
        s = t.snapshot();
        assertThat(s.packetsPerSecond()).isZero();
        assertThat(node(s, PipelineNode.DRIVER_NAPI).packetsPerSecond()).isZero();
        assertThat(s.uptimeSeconds()).isEqualTo(1.5);
    }

    @Test
    void unobservableNodesAreMarkedInJson() {
        SessionStatsTracker t = tracker();
        t.nodeUnobservable("nic_rx", "no XDP program attached");
        JsonNode nodes = JSON.valueToTree(t.snapshot()).get("nodes");
        assertThat(nodes.path("nic_rx").path("observable").asBoolean()).isFalse();
        assertThat(nodes.path("nic_rx").path("unobserved_reason").asText()).isEqualTo("no XDP program attached");
        assertThat(nodes.path("gro").path("observable").asBoolean()).isTrue();
        assertThat(nodes.path("gro").has("unobserved_reason")).isFalse();
        assertThatThrownBy(() -> t.nodeUnobservable("nope", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
    }

    @Test
    void nftTraceEventsUseTheTraceIdAndAggregateRules() {
        StatsSnapshot s = run(tracker(SessionConfig.defaults("s1", "nft")),
                nft(0, 1, Hook.PREROUTING, "filter", "pre", 4, Verdict.ACCEPT),
                nft(3, 1, Hook.INPUT, "filter", "in", 7, Verdict.DROP),
                nft(5, 2, Hook.PREROUTING, "filter", "pre", 4, Verdict.ACCEPT),
                nft(9, 2, Hook.INPUT, "filter", "in", TraceEvent.UNKNOWN, Verdict.ACCEPT));
        assertThat(s.totalPackets()).isEqualTo(2);
        assertThat(edge(s, "nf_prerouting", "nf_input").count()).isEqualTo(2);
        assertThat(edge(s, "nf_prerouting", "nf_input").avgUs()).isEqualTo(3.5);
        assertThat(s.drops()).isEqualTo(1);
        assertThat(node(s, PipelineNode.NF_INPUT).drops()).isEqualTo(1);
        assertThat(s.rules()).containsExactly(
                new RuleStats("filter", "pre", 4L, 2, Map.of("ACCEPT", 2L)),
                new RuleStats("filter", "in", 7L, 1, Map.of("DROP", 1L)),
                new RuleStats("filter", "in", null, 1, Map.of("ACCEPT", 1L)));
        JsonNode policy = JSON.valueToTree(s).get("rules").get(2);
        assertThat(policy.has("handle")).isFalse();
    }

    @Test
    void ruleTableIsBounded() {
        SessionStatsTracker t = tracker();
        TraceEvent[] ev = new TraceEvent[EngineCounters.MAX_RULES + 5];
        for (int i = 0; i < ev.length; i++) ev[i] = nft(i, i, Hook.INPUT, "t", "c", i, Verdict.ACCEPT);
        StatsSnapshot s = run(t, ev);
        assertThat(s.rules()).hasSize(EngineCounters.MAX_RULES);
        assertThat(s.rulesDropped()).isEqualTo(5);
    }

    @Test
    void outOfOrderTimestampsNeverGiveNegativeLatency() {
        StatsSnapshot s = run(tracker(), at(10, 1, "netif_receive_skb"), at(8, 1, "napi_gro_receive"), consume(12, 1));
        assertThat(node(s, PipelineNode.DRIVER_NAPI).avgUs()).isZero();
        assertThat(node(s, PipelineNode.DRIVER_NAPI).samples()).isEqualTo(1);
        assertThat(node(s, PipelineNode.GRO).avgUs()).isEqualTo(4.0);
        assertThat(s.reorderedEvents()).isEqualTo(1);
        assertThat(node(s, PipelineNode.GRO).errors()).isEqualTo(1);
        assertThat(edge(s, "driver_napi", "gro").avgUs()).isZero();
    }

    @Test
    void otherProbesAreCountedButDoNotSplitNodes() {
        StatsSnapshot s = run(tracker(), at(0, 1, "netif_receive_skb"), at(1, 1, "skb_clone_unknown_fn"),
                at(3, 1, "napi_gro_receive"), consume(4, 1));
        NodeStats other = node(s, PipelineNode.OTHER);
        assertThat(other.count()).isEqualTo(1);
        assertThat(other.packets()).isEqualTo(1);
        assertThat(other.samples()).isZero();
        assertThat(other.topFunctions()).isEqualTo(Map.of("skb_clone_unknown_fn", 1L));
        assertThat(edge(s, "driver_napi", "gro").avgUs()).isEqualTo(3.0);
        assertThat(s.edges()).hasSize(1);
    }

    @Test
    void latencyBucketsAreCumulativeOverFixedBounds() {
        // napi → gro after 1.5 µs, napi → gro after 3 µs, napi → gro after 15 ms
        StatsSnapshot s = run(tracker(),
                at(0, 1, "netif_receive_skb"), at(1.5, 1, "napi_gro_receive"), consume(2, 1),
                at(0, 2, "netif_receive_skb"), at(3, 2, "napi_gro_receive"), consume(4, 2),
                at(0, 3, "netif_receive_skb"), at(15_000, 3, "napi_gro_receive"), consume(15_001, 3));
        StatsSnapshot.LatencyBuckets b = node(s, PipelineNode.DRIVER_NAPI).latencyBuckets();
        assertThat(b.count()).isEqualTo(3);
        assertThat(b.upperBoundsUs().getLast()).isEqualTo(Double.POSITIVE_INFINITY);
        // bounds 1, 2, 5, 10, ... 10000, +Inf
        assertThat(b.bucketCounts()).containsExactly(0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
        assertThat(b.cumulativeCounts()).containsExactly(0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3);
        assertThat(b.sumUs()).isEqualTo(15_004.5);
        assertThat(node(s, PipelineNode.NIC).latencyBuckets().count()).isZero();
        assertThat(JSON.valueToTree(s).path("nodes").path("driver_napi").has("latency_buckets")).isFalse();
    }

    @Test
    void topLatencyListsAtMostFiveNodesSlowestFirst() {
        long skb = 1;
        StatsSnapshot s = run(tracker(),
                at(0, skb, "netif_receive_skb"), at(1, skb, "napi_gro_receive"), at(3, skb, "ip_rcv"),
                at(6, skb, "nf_conntrack_in"), at(10, skb, "ip_route_input_noref"), at(15, skb, "ip_local_deliver"),
                at(21, skb, "tcp_v4_rcv"), consume(28, skb));
        assertThat(s.topLatency()).extracting(StatsSnapshot.TopLatency::node)
                .containsExactly("l4_rx", "nf_input", "routing_decision", "conntrack", "nf_prerouting");
        assertThat(s.topLatency().getFirst()).isEqualTo(new StatsSnapshot.TopLatency("l4_rx", "TCP/UDP", 7.0, 7.0, 1));
    }

    @Test
    void resetClearsEverything() {
        SessionStatsTracker t = tracker();
        run(t, at(0, 1, "netif_receive_skb"), nf(1, 1, Hook.INPUT, Verdict.DROP));
        clock.addAndGet(2_000_000_000L);
        t.reset();
        StatsSnapshot s = t.snapshot();
        assertThat(s.uptimeSeconds()).isEqualTo(2.0); // the session's uptime, not the stats' age
        assertThat(s.packetsPerSecond()).isZero();
        assertThat(s.totalEvents()).isZero();
        assertThat(s.drops()).isZero();
        assertThat(t.trackedPackets()).isZero();
        assertThat(s.topFunctions()).isEmpty();
        assertThat(s.edges()).isEmpty();
        assertThat(s.nodes().values()).allSatisfy(n -> {
            assertThat(n.count()).isZero();
            assertThat(n.samples()).isZero();
        });
        s = run(t, at(0, 1, "netif_receive_skb"), at(2, 1, "napi_gro_receive"), consume(3, 1));
        assertThat(s.totalPackets()).isEqualTo(1);
        assertThat(node(s, PipelineNode.DRIVER_NAPI).avgUs()).isEqualTo(2.0);
        assertThat(s.topFunctions()).containsKey("netif_receive_skb");
    }

    @Test
    void singleAcceptAndBatchIngestAgree() {
        SessionStatsTracker a = tracker(), b = tracker();
        TraceEvent[] ev = {at(0, 1, "netif_receive_skb"), at(2, 1, "napi_gro_receive"), consume(3, 1)};
        for (TraceEvent e : ev) a.accept(e);
        EventBatch batch = new EventBatch(8);
        for (TraceEvent e : ev) batch.next().copyFrom(e);
        b.ingest(batch);
        assertThat(a.snapshot().nodes()).isEqualTo(b.snapshot().nodes());
    }

    @Test
    void malformedEventsAreCountedWithoutBreakingIngest() {
        TraceEvent nullHook = at(0, 1, "nf_hook_slow");
        nullHook.hook = null;
        nullHook.verdict = null;
        TraceEvent noIdentity = nft(1, TraceEvent.UNKNOWN, Hook.INPUT, "t", "c", 1, Verdict.DROP);
        TraceEvent badProbe = at(2, 2, "netif_receive_skb");
        badProbe.probe = 1 << 20; // never interned
        SessionStatsTracker t = tracker();
        t.enrichedOnly(java.util.Set.of("nf_input"));
        StatsSnapshot s = run(t, nullHook, noIdentity, badProbe, consume(3, 1));
        assertThat(s.totalEvents()).isEqualTo(4);
        assertThat(node(s, PipelineNode.OTHER).count()).isEqualTo(2);
        // an nft event without trace id is counted at its node but not tracked as a packet
        assertThat(node(s, PipelineNode.NF_INPUT).count()).isEqualTo(1);
        assertThat(node(s, PipelineNode.NF_INPUT).drops()).isEqualTo(1);
        assertThat(s.totalPackets()).isEqualTo(2);
    }

    @Test
    void uninternedProbeIdsAreNeverListedEvenAfterReset() throws Exception {
        SessionStatsTracker t = tracker();
        TraceEvent nameless = at(0, 1, "netif_receive_skb");
        nameless.probe = 60_000; // below the table limit but never interned
        run(t, nameless);
        t.reset();
        TraceEvent again = at(1, 2, "netif_receive_skb");
        again.probe = 60_000;
        StatsSnapshot s = run(t, again);
        assertThat(s.topFunctions()).isEmpty();
        assertThat(s.functionsDropped()).isEqualTo(1);
        assertThat(node(s, PipelineNode.OTHER).count()).isEqualTo(1);
        assertThat(JSON.writeValueAsString(s)).contains("\"total_events\":1");
    }

    @Test
    void latenciesBeyondTheHistogramRangeAreCappedButMaxIsExact() {
        StatsSnapshot s = run(tracker(), at(0, 1, "netif_receive_skb"), at(100_000_000, 1, "napi_gro_receive"), consume(100_000_001, 1));
        NodeStats napi = node(s, PipelineNode.DRIVER_NAPI);
        assertThat(napi.maxUs()).isEqualTo(100_000_000.0);
        assertThat(napi.avgUs()).isEqualTo(100_000_000.0);
        // the histogram holds it at its 60 s cap; the exact min/max clamp restores a lone sample
        assertThat(napi.p99Us()).isEqualTo(100_000_000.0);
        assertThat(napi.latencyBuckets().bucketCounts()[13]).isEqualTo(1);
    }

    @Test
    void nftTracePacketsEndAfterASecondOfSilence() {
        SessionStatsTracker t = tracker(SessionConfig.defaults("s1", "nft"));
        StatsSnapshot s = run(t,
                nft(0, 1, Hook.PREROUTING, "filter", "pre", 4, Verdict.ACCEPT),
                nft(10, 1, Hook.INPUT, "filter", "in", 7, Verdict.ACCEPT),
                nft(500_000, 2, Hook.PREROUTING, "filter", "pre", 4, Verdict.ACCEPT));
        assertThat(s.idleEndedPackets()).isZero();
        assertThat(s.inFlightTotal()).isEqualTo(2);
        s = run(t, nft(1_200_000, 3, Hook.PREROUTING, "filter", "pre", 4, Verdict.ACCEPT));
        assertThat(s.idleEndedPackets()).isEqualTo(1);
        assertThat(s.inFlightTotal()).isEqualTo(2);
        assertThat(node(s, PipelineNode.NF_INPUT).inFlight()).isZero();
        assertThat(node(s, PipelineNode.NF_INPUT).samples()).isZero(); // its end time is unknown
        assertThat(s.pipeline("local_delivery")).isEqualTo(new StatsSnapshot.PipelineStats("local_delivery", 1, 0, 1, 0, 0));
        assertThat(s.pipeline("inbound").completed()).isEqualTo(1);
        assertThat(s.evictedPackets()).isZero();
        // an skb packet quiet that long has ended where nothing reported it: expired, not completed
        s = run(tracker(), at(0, 1, "netif_receive_skb"), at(5_000_000, 2, "netif_receive_skb"));
        assertThat(s.idleEndedPackets()).isZero();
        assertThat(s.expiredPackets()).isEqualTo(1);
        assertThat(s.inFlightTotal()).isEqualTo(1);
    }

    @Test
    void ruleTextComesFromTheLookupAndAFailingLookupOnlyLosesTheText() {
        SessionStatsTracker t = tracker(SessionConfig.defaults("s1", "nft"));
        t.ruleTextLookup((table, chain, handle) -> handle == 7 && table.equals("filter") && chain.equals("in")
                ? "udp dport 7002 drop" : null);
        StatsSnapshot s = run(t, nft(0, 1, Hook.INPUT, "filter", "in", 7, Verdict.DROP),
                nft(1, 2, Hook.INPUT, "filter", "in", 8, Verdict.ACCEPT));
        assertThat(s.rules()).containsExactly(
                new RuleStats("filter", "in", 7L, 1, Map.of("DROP", 1L), "udp dport 7002 drop"),
                new RuleStats("filter", "in", 8L, 1, Map.of("ACCEPT", 1L)));
        JsonNode rules = JSON.valueToTree(s).get("rules");
        assertThat(rules.get(0).path("text").asText()).isEqualTo("udp dport 7002 drop");
        assertThat(rules.get(1).has("text")).isFalse();
        t.ruleTextLookup((table, chain, handle) -> { throw new IllegalStateException("nft gone"); });
        assertThat(t.snapshot().rules()).extracting(RuleStats::text).containsOnlyNulls();
    }

    @Test
    void inFullModeNftTracesEnrichNetfilterNodesWithoutBecomingPackets() {
        TraceEvent[] skbPath = {at(0, 1, "netif_receive_skb"), at(5, 1, "ip_rcv"), kfree(9, 1, "NO_SOCKET")};
        StatsSnapshot plain = run(tracker(), skbPath);
        SessionStatsTracker t = tracker();
        // the kernel can't see these hooks: the traces stand in for them
        t.enrichedOnly(java.util.Set.of("nf_prerouting", "nf_input", "nf_forward", "nf_output", "nf_postrouting"));
        StatsSnapshot s = run(t, at(0, 1, "netif_receive_skb"),
                nft(2, 77, Hook.PREROUTING, "filter", "pre", 4, Verdict.ACCEPT),
                at(5, 1, "ip_rcv"),
                nft(6, 77, Hook.INPUT, "filter", "in", 7, Verdict.DROP),
                kfree(9, 1, "NO_SOCKET"));
        assertThat(s.totalPackets()).isEqualTo(plain.totalPackets()).isEqualTo(1);
        assertThat(s.edges()).isEqualTo(plain.edges());
        assertThat(s.pipelines()).isEqualTo(plain.pipelines());
        assertThat(s.drops()).isEqualTo(plain.drops());
        assertThat(s.inFlightTotal()).isZero();
        assertThat(s.totalEvents()).isEqualTo(5);
        NodeStats input = node(s, PipelineNode.NF_INPUT);
        assertThat(input.count()).isEqualTo(1);
        assertThat(input.packets()).isZero();
        assertThat(input.samples()).isZero();
        assertThat(input.verdicts()).isEqualTo(Map.of("DROP", 1L));
        assertThat(input.drops()).isEqualTo(1);
        assertThat(input.dropReasons()).isEqualTo(Map.of("NETFILTER_DROP", 1L));
        NodeStats pre = node(s, PipelineNode.NF_PREROUTING);
        assertThat(pre.count()).isEqualTo(plain.node(PipelineNode.NF_PREROUTING).count() + 1);
        assertThat(pre.verdicts()).containsEntry("ACCEPT", 1L);
        assertThat(s.hooks().get("INPUT").count()).isEqualTo(1);
        assertThat(s.hooks().get("INPUT").verdicts()).isEqualTo(Map.of("DROP", 1L));
        assertThat(s.totalVerdicts()).containsEntry("DROP", 1L).containsEntry("ACCEPT", 1L);
        assertThat(s.rules()).extracting(RuleStats::handle).containsExactlyInAnyOrder(4L, 7L);
        // nft mode is unchanged: there the same traces are packets
        StatsSnapshot nft = run(tracker(SessionConfig.defaults("s1", "nft")),
                nft(2, 77, Hook.PREROUTING, "filter", "pre", 4, Verdict.ACCEPT),
                nft(6, 77, Hook.INPUT, "filter", "in", 7, Verdict.DROP));
        assertThat(nft.totalPackets()).isEqualTo(1);
        assertThat(nft.drops()).isEqualTo(1);
        assertThat(edge(nft, "nf_prerouting", "nf_input").count()).isEqualTo(1);
    }
}

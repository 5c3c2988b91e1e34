package dev.skbscope.engine;

import dev.skbscope.engine.StatsSnapshot.EdgeStats;
import dev.skbscope.engine.StatsSnapshot.NodeStats;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static dev.skbscope.engine.Ev.at;
import static dev.skbscope.engine.Ev.consume;
import static dev.skbscope.engine.Ev.hook;
import static dev.skbscope.engine.Ev.kfree;
import static dev.skbscope.engine.Ev.nft;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the engine makes of the events of a kernel that is watched through netfilter hook programs
 * and tcx rather than kprobes: hook nodes with stages nested in them, the application's read as the
 * socket node's end, packets whose end is never reported, and the breakdown by namespace.
 */
class KernelReachTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private SessionStatsTracker tracker() {
        return new SessionStatsTracker(SessionConfig.defaults("k", "full"), new SourceCounters("live"), clock::get);
    }

    private static StatsSnapshot run(SessionStatsTracker t, TraceEvent... events) {
        SpecLines.feed(t, List.of(events), 64);
        return t.snapshot();
    }

    private static TraceEvent nf(double us, long skb, String probe, Hook h) { return hook(at(us, skb, probe), h); }

    private static EdgeStats edge(StatsSnapshot s, String from, String to) {
        return s.edges().stream().filter(e -> e.from().equals(from) && e.to().equals(to)).findFirst().orElse(null);
    }

    /** A forwarded packet through a router that tracks connections and masquerades. */
    private static TraceEvent[] forwarded(long skb, double t0) {
        return new TraceEvent[]{
                at(t0, skb, "netif_receive_skb"),
                at(t0 + 1, skb, "tcx_ingress"),
                nf(t0 + 2, skb, "nf_hook_first", Hook.PREROUTING),
                nf(t0 + 3, skb, "nf_conntrack_begin", Hook.PREROUTING),
                nf(t0 + 7, skb, "nf_conntrack_end", Hook.PREROUTING),     // conntrack: 4 µs
                nf(t0 + 8, skb, "nf_dnat_begin", Hook.PREROUTING),        // mangle: 1 µs, back in the hook
                nf(t0 + 10, skb, "nf_dnat_end", Hook.PREROUTING),         // DNAT: 2 µs
                nf(t0 + 11, skb, "nf_hook_last", Hook.PREROUTING),        // filter: 1 µs
                nf(t0 + 14, skb, "nf_hook_first", Hook.FORWARD),          // routing decision: 3 µs
                nf(t0 + 15, skb, "nf_hook_first", Hook.POSTROUTING),
                nf(t0 + 16, skb, "nf_snat_begin", Hook.POSTROUTING),
                nf(t0 + 19, skb, "nf_snat_end", Hook.POSTROUTING),        // masquerade: 3 µs
                at(t0 + 21, skb, "tcx_egress"),
                at(t0 + 22, skb, "net_dev_start_xmit"),
                at(t0 + 23, skb, "net_dev_xmit"),
                consume(t0 + 30, skb)};
    }

    @Test
    void stagesNestInTheirHookNodeAndEdgesFollowThePipeline() {
        StatsSnapshot s = run(tracker(), forwarded(1, 0));
        assertThat(s.node(PipelineNode.CONNTRACK).p50Us()).isEqualTo(4.0);
        assertThat(s.node(PipelineNode.NAT_PREROUTING).p50Us()).isEqualTo(2.0);
        // PREROUTING's own chains: 1 µs before conntrack, 1 between the stages, 1 after DNAT
        NodeStats pre = s.node(PipelineNode.NF_PREROUTING);
        assertThat(pre.samples()).isEqualTo(1);
        assertThat(pre.p50Us()).isEqualTo(3.0);
        assertThat(s.node(PipelineNode.ROUTING_DECISION).p50Us()).isEqualTo(3.0);
        assertThat(s.node(PipelineNode.NAT_POSTROUTING).p50Us()).isEqualTo(3.0);
        assertThat(s.node(PipelineNode.NF_POSTROUTING).p50Us()).isEqualTo(1.0 + 2.0);
        // edges follow the stages in order; no edge back into the hook's node
        assertThat(edge(s, "nf_prerouting", "conntrack").p50Us()).isEqualTo(1.0);
        assertThat(edge(s, "conntrack", "nat_prerouting").p50Us()).isEqualTo(5.0);
        assertThat(edge(s, "nat_prerouting", "routing_decision").p50Us()).isEqualTo(3.0);
        assertThat(edge(s, "routing_decision", "nf_forward")).isNotNull();
        assertThat(edge(s, "nat_postrouting", "tc_egress")).isNotNull();
        assertThat(s.edges()).noneMatch(e -> e.to().equals("nf_prerouting") && !e.from().equals("tc_ingress"));
        // one packet, one count per hook, whatever the brackets inside it
        assertThat(s.hooks().get("PREROUTING").count()).isEqualTo(1);
        assertThat(s.hooks().get("POSTROUTING").count()).isEqualTo(1);
        assertThat(s.pipeline("forward").completed()).isEqualTo(1);
        assertThat(s.inFlightTotal()).isZero();
        assertThat(s.node(PipelineNode.CONNTRACK).inFlight()).isZero();
    }

    @Test
    void whileInAStageThePacketIsInFlightThereAndBackInItsHookAfter() {
        SessionStatsTracker t = tracker();
        StatsSnapshot s = run(t, at(0, 1, "netif_receive_skb"), nf(1, 1, "nf_hook_first", Hook.PREROUTING),
                nf(2, 1, "nf_conntrack_begin", Hook.PREROUTING));
        assertThat(s.node(PipelineNode.CONNTRACK).inFlight()).isEqualTo(1);
        s = run(t, nf(5, 1, "nf_conntrack_end", Hook.PREROUTING));
        assertThat(s.node(PipelineNode.CONNTRACK).inFlight()).isZero();
        assertThat(s.node(PipelineNode.NF_PREROUTING).inFlight()).isEqualTo(1);
        // a stage's end without its begin changes nothing but the count
        s = run(t, nf(6, 1, "nf_dnat_end", Hook.PREROUTING));
        assertThat(s.node(PipelineNode.NF_PREROUTING).inFlight()).isEqualTo(1);
    }

    @Test
    void theApplicationsReadEndsTheSocketNodeAndTheLaterFreeIsNoLatency() {
        StatsSnapshot s = run(tracker(), at(0, 1, "netif_receive_skb"), nf(1, 1, "nf_hook_first", Hook.PREROUTING),
                nf(2, 1, "nf_hook_first", Hook.INPUT), nf(3, 1, "nf_hook_last", Hook.INPUT),
                at(5, 1, "sk_data_ready"), at(105, 1, "sock_recv_length"), consume(900_000, 1));
        NodeStats sock = s.node(PipelineNode.SOCKET);
        assertThat(sock.p50Us()).isEqualTo(100.0);
        assertThat(sock.samples()).isEqualTo(1);
        assertThat(s.node(PipelineNode.L4_RX).p50Us()).isEqualTo(2.0);
        assertThat(s.pipeline("local_delivery").completed()).isEqualTo(1);
        assertThat(s.inFlightTotal()).isZero();
        assertThat(s.untrackedEndEvents()).isEqualTo(1); // the free, after the read: ignored
        // a read without a seen delivery enters the socket with no made-up socket time
        s = run(tracker(), at(0, 2, "netif_receive_skb"), nf(3, 2, "nf_hook_last", Hook.INPUT), at(50, 2, "sock_recv_length"));
        assertThat(s.node(PipelineNode.SOCKET).samples()).isZero();
        assertThat(s.node(PipelineNode.SOCKET).packets()).isEqualTo(1);
        assertThat(s.inFlightTotal()).isZero();
    }

    @Test
    void aPacketDeliveredAndNotReadWaitsAtTheSocketWhileOthersExpire() {
        SessionStatsTracker t = tracker();
        EventBatch b = new EventBatch(16);
        for (TraceEvent e : new TraceEvent[]{
                at(0, 1, "netif_receive_skb"), nf(3, 1, "nf_hook_last", Hook.INPUT), at(5, 1, "sk_data_ready"),
                at(10, 2, "netif_receive_skb"), nf(12, 2, "nf_hook_last", Hook.INPUT)}) {
            b.next().copyFrom(e);
        }
        b.clockNs(20_000);
        t.ingest(b);
        assertThat(t.snapshot().inFlightTotal()).isEqualTo(2);
        // no events for 2 s, but the source's clock moves on
        b.reset();
        b.clockNs(2_000_000_000L);
        t.ingest(b);
        StatsSnapshot s = t.snapshot();
        assertThat(s.expiredPackets()).isEqualTo(1);
        assertThat(s.node(PipelineNode.L4_RX).inFlight()).isZero();
        assertThat(s.node(PipelineNode.SOCKET).inFlight()).as("waits for the application").isEqualTo(1);
        assertThat(s.pipeline("local_delivery").expired()).isEqualTo(1);
        assertThat(s.pipeline("local_delivery").completed()).isEqualTo(1);
        assertThat(s.pipeline("local_delivery").inFlight()).isZero();
        assertThat(s.pipeline("inbound").expired()).isEqualTo(1);
        assertThat(s.node(PipelineNode.L4_RX).samples()).as("packet 1's only: an expired packet's end time is unknown").isEqualTo(1);
        // the socket timeout (60 s) ends its wait too, as expired
        b.reset();
        b.clockNs(62_000_000_000L);
        t.ingest(b);
        s = t.snapshot();
        assertThat(s.expiredPackets()).isEqualTo(2);
        assertThat(s.inFlightTotal()).isZero();
    }

    @Test
    void theIdleTimeoutIsTheSessions() {
        SessionStatsTracker t = new SessionStatsTracker(new SessionConfig("k", "full", 50, 10_000, 1000, 50, 200),
                new SourceCounters("live"), clock::get);
        EventBatch b = new EventBatch(4);
        b.next().copyFrom(at(0, 1, "netif_receive_skb"));
        b.clockNs(40_000_000);
        t.ingest(b);
        assertThat(t.snapshot().inFlightTotal()).isEqualTo(1);
        b.reset();
        b.clockNs(60_000_000);
        t.ingest(b);
        assertThat(t.snapshot().expiredPackets()).isEqualTo(1);
    }

    @Test
    void icmpErrorsAndResetsCountWhereThePacketIs() {
        StatsSnapshot s = run(tracker(), at(0, 1, "netif_receive_skb"), nf(1, 1, "nf_hook_first", Hook.FORWARD),
                at(2, 1, "icmp_send"), kfree(3, 1, "IP_INADDRNOROUTES"));
        assertThat(s.node(PipelineNode.NF_FORWARD).count()).isEqualTo(2);
        assertThat(s.node(PipelineNode.L4_RX).count()).isZero();
        assertThat(s.node(PipelineNode.OTHER).count()).isZero();
        assertThat(s.pipeline("forward").dropped()).isEqualTo(1);
    }

    @Test
    void tracesAddOnlyRulesWhereTheKernelSeesTheHookItselfAndVerdictsComeFromWhatBecameOfThePacket() {
        SessionStatsTracker t = tracker();
        StatsSnapshot s = run(t, at(0, 1, "netif_receive_skb"), nf(1, 1, "nf_hook_first", Hook.PREROUTING),
                nf(2, 1, "nf_hook_first", Hook.INPUT),
                nft(3, 77, Hook.INPUT, "filter", "in", 7, Verdict.DROP),
                kfree(4, 1, "NETFILTER_DROP"));
        NodeStats input = s.node(PipelineNode.NF_INPUT);
        assertThat(input.count()).isEqualTo(1);
        assertThat(input.verdicts()).isEqualTo(Map.of("DROP", 1L));
        assertThat(input.drops()).as("the skb's own drop, once").isEqualTo(1);
        assertThat(s.drops()).isEqualTo(1);
        assertThat(s.hooks().get("INPUT").count()).isEqualTo(1);
        assertThat(s.hooks().get("INPUT").verdicts()).isEqualTo(Map.of("DROP", 1L));
        assertThat(s.rules()).singleElement().satisfies(r -> assertThat(r.hits()).isEqualTo(1));
        // PREROUTING let it through
        assertThat(s.hooks().get("PREROUTING").verdicts()).isEqualTo(Map.of("ACCEPT", 1L));
        assertThat(s.node(PipelineNode.NF_PREROUTING).verdicts()).isEqualTo(Map.of("ACCEPT", 1L));
        assertThat(s.totalVerdicts()).isEqualTo(Map.of("ACCEPT", 1L, "DROP", 1L));
    }

    @Test
    void aDropAfterTheHookForAnotherReasonLeavesTheHooksVerdictAccept() {
        // the router's POSTROUTING let the datagram go; its neighbour then never resolved (CI saw it)
        StatsSnapshot s = run(tracker(), at(0, 1, "netif_receive_skb"), nf(1, 1, "nf_hook_first", Hook.PREROUTING),
                nf(2, 1, "nf_hook_last", Hook.PREROUTING), nf(3, 1, "nf_hook_first", Hook.FORWARD),
                nf(4, 1, "nf_hook_first", Hook.POSTROUTING), kfree(5, 1, "NEIGH_FAILED"),
                at(10, 2, "netif_receive_skb"), nf(11, 2, "nf_hook_first", Hook.PREROUTING),
                nf(12, 2, "nf_hook_last", Hook.PREROUTING), nf(13, 2, "nf_hook_first", Hook.FORWARD),
                kfree(14, 2, "NETFILTER_DROP"));
        assertThat(s.hooks().get("POSTROUTING").verdicts()).isEqualTo(Map.of("ACCEPT", 1L));
        NodeStats post = s.node(PipelineNode.NF_POSTROUTING);
        assertThat(post.verdicts()).isEqualTo(Map.of("ACCEPT", 1L));
        assertThat(post.dropReasons()).isEqualTo(Map.of("NEIGH_FAILED", 1L));
        // netfilter's own drop stays the hook's DROP
        assertThat(s.hooks().get("FORWARD").verdicts()).isEqualTo(Map.of("ACCEPT", 1L, "DROP", 1L));
        assertThat(s.totalVerdicts()).isEqualTo(Map.of("ACCEPT", 4L, "DROP", 1L));
    }

    @Test
    void explicitVerdictsAreNotInferredAgain() {
        StatsSnapshot s = run(tracker(), at(0, 1, "netif_receive_skb"), Ev.nf(1, 1, Hook.PREROUTING, Verdict.ACCEPT),
                Ev.nf(2, 1, Hook.INPUT, Verdict.ACCEPT), at(3, 1, "tcp_v4_rcv"), consume(4, 1));
        assertThat(s.hooks().get("PREROUTING").verdicts()).isEqualTo(Map.of("ACCEPT", 1L));
        assertThat(s.totalVerdicts()).isEqualTo(Map.of("ACCEPT", 2L));
    }

    @Test
    void nodesEdgesAndPacketsBreakDownByNamespace() {
        TraceEvent a1 = at(0, 1, "nf_hook_first"), a2 = at(1, 1, "net_dev_xmit");
        hook(a1, Hook.OUTPUT);
        TraceEvent b1 = at(2, 1, "netif_receive_skb"), b2 = nf(3, 1, "nf_hook_first", Hook.PREROUTING);
        a1.netns = 4026531840L; a2.netns = 4026531840L;
        b1.netns = 4026532000L; b2.netns = 4026532000L;
        SessionStatsTracker t = tracker();
        t.netnsNames(ino -> ino == 4026532000L ? "skk-server" : null);
        StatsSnapshot s = run(t, a1, a2, b1, b2);
        assertThat(s.netns()).hasSize(2);
        StatsSnapshot.NetnsStats server = s.netns().stream().filter(n -> n.netns() == 4026532000L).findFirst().orElseThrow();
        assertThat(server.name()).isEqualTo("skk-server");
        assertThat(server.packets()).isEqualTo(1);
        assertThat(server.nodes()).containsOnlyKeys("driver_napi", "nf_prerouting");
        assertThat(server.edges()).singleElement().satisfies(e -> {
            assertThat(e.from()).isEqualTo("driver_napi");
            assertThat(e.to()).isEqualTo("nf_prerouting");
        });
        // a recording without namespaces has no breakdown
        assertThat(run(tracker(), at(0, 9, "netif_receive_skb")).netns()).isNull();
    }

    @Test
    void notApplicableIsNotUnobservable() {
        SessionStatsTracker t = tracker();
        t.nodeNotApplicable("nic_rx", "veth only");
        StatsSnapshot s = t.snapshot();
        assertThat(s.node(PipelineNode.NIC_RX).applicable()).isFalse();
        assertThat(s.node(PipelineNode.NIC_RX).observable()).isTrue();
        assertThat(s.node(PipelineNode.NIC_RX).notApplicableReason()).isEqualTo("veth only");
        t.nodeNotApplicable("nic_rx", null);
        assertThat(t.snapshot().node(PipelineNode.NIC_RX).applicable()).isTrue();
        assertThat(Set.of()).isEmpty();
    }
}

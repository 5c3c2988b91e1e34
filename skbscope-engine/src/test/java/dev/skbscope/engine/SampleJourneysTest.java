package dev.skbscope.engine;

import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.packet.JourneyEnd;
import dev.skbscope.engine.packet.PacketPage;
import dev.skbscope.engine.packet.PacketQuery;
import dev.skbscope.engine.packet.PacketQueryParser;
import dev.skbscope.engine.packet.PacketView;
import dev.skbscope.engine.packet.PacketView.Hop;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.skbscope.engine.Ev.at;
import static dev.skbscope.engine.Ev.consume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The packets (journeys) the engine rebuilds from the spec's sample recording and from written streams. */
class SampleJourneysTest {

    private static SessionStatsTracker replaySample() throws Exception {
        SourceCounters counters = new SourceCounters("replay");
        List<TraceEvent> events = SpecLines.read("/spec/sample-full.jsonl", counters);
        SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("sample", "full"), counters);
        SpecLines.feed(t, events, 64);
        return t;
    }

    private static PacketPage all(SessionStatsTracker t) {
        return t.packets(PacketQuery.ANY, Long.MAX_VALUE, PacketQueryParser.MAX_LIMIT);
    }

    private static PacketPage query(SessionStatsTracker t, String... kv) {
        Map<String, List<String>> params = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) params.put(kv[i], List.of(kv[i + 1]));
        PacketQueryParser.Request r = PacketQueryParser.parse(params, Set.of());
        return t.packets(r.query(), r.before(), r.limit());
    }

    /** node, probe, hop start (µs after 1 s), time spent (µs; null = unknown). */
    private static List<org.assertj.core.groups.Tuple> hops(PacketView p) {
        return p.hops().stream().map(h -> tuple(h.node(), h.probe(), (h.tsNs() - 1_000_000_000L) / 1000.0, h.spentUs())).toList();
    }

    @Test
    void aLocallyDeliveredPacketHasEveryHopWithItsTime() throws Exception {
        SessionStatsTracker t = replaySample();
        PacketView p = t.packet(1);   // skb 0xffff888100000000, the first packet of the recording
        assertThat(p.skb()).isEqualTo("0xffff888100000000");
        assertThat(p.journey()).isEqualTo(1);
        assertThat(p.path()).isEqualTo("local");
        assertThat(p.end()).isEqualTo("completed");
        assertThat(p.endProbe()).isEqualTo("consume_skb");
        assertThat(p.startNs()).isEqualTo(1_000_000_000L);
        assertThat(p.endNs()).isEqualTo(1_000_067_000L);
        assertThat(p.durationUs()).isEqualTo(67.0);
        assertThat(p.len()).isEqualTo(60);
        assertThat(p.weight()).isEqualTo(1);
        assertThat(p.events()).isEqualTo(9);
        assertThat(hops(p)).containsExactly(
                tuple("driver_napi", "netif_receive_skb", 0.0, 2.0),
                tuple("gro", "napi_gro_receive_entry", 2.0, 3.0),
                tuple("nf_prerouting", "nf_hook_slow", 5.0, 5.0),
                tuple("conntrack", "nf_conntrack_in", 10.0, 7.0),
                tuple("routing_decision", "ip_route_input_noref", 17.0, 4.0),
                tuple("nf_input", "nf_hook_slow", 21.0, 6.0),
                tuple("l4_rx", "tcp_v4_rcv", 27.0, 10.0),
                tuple("socket", "skb_copy_datagram_iovec", 37.0, 30.0));
        assertThat(p.verdicts()).extracting(PacketView.VerdictStep::node, PacketView.VerdictStep::hook, PacketView.VerdictStep::verdict)
                .containsExactly(tuple("nf_prerouting", "PREROUTING", "ACCEPT"), tuple("nf_input", "INPUT", "ACCEPT"));
        assertThat(p.drop()).isNull();
    }

    @Test
    void aDroppedPacketEndsAtItsDropPointWithTheReason() throws Exception {
        SessionStatsTracker t = replaySample();
        PacketView p = t.packet(6);   // skb 0xffff888100000500: DROP at INPUT, then kfree_skb NETFILTER_DROP
        assertThat(p.skb()).isEqualTo("0xffff888100000500");
        assertThat(p.end()).isEqualTo("dropped");
        assertThat(p.endProbe()).isEqualTo("kfree_skb");
        assertThat(p.drop()).isEqualTo(new PacketView.Drop("nf_input", "Netfilter INPUT", "NETFILTER_DROP"));
        assertThat(p.verdict()).isEqualTo("DROP");
        assertThat(p.durationUs()).isEqualTo(27.0);
        assertThat(hops(p)).containsExactly(
                tuple("driver_napi", "netif_receive_skb", 250.0, 2.0),
                tuple("gro", "napi_gro_receive_entry", 252.0, 3.0),
                tuple("nf_prerouting", "nf_hook_slow", 255.0, 5.0),
                tuple("conntrack", "nf_conntrack_in", 260.0, 7.0),
                tuple("routing_decision", "ip_route_input_noref", 267.0, 4.0),
                tuple("nf_input", "nf_hook_slow", 271.0, 6.0));
        assertThat(p.verdicts()).extracting(PacketView.VerdictStep::hook, PacketView.VerdictStep::verdict, PacketView.VerdictStep::tsNs)
                .containsExactly(tuple("PREROUTING", "ACCEPT", 1_000_255_000L), tuple("INPUT", "DROP", 1_000_271_000L));
    }

    @Test
    void aForwardedPacketTakesTheForwardNodes() throws Exception {
        SessionStatsTracker t = replaySample();
        PacketView p = t.packet(3);   // skb 0xffff888100000200
        assertThat(p.path()).isEqualTo("forward");
        assertThat(hops(p)).containsExactly(
                tuple("driver_napi", "netif_receive_skb", 100.0, 2.0),
                tuple("gro", "napi_gro_receive_entry", 102.0, 3.0),
                tuple("nf_prerouting", "nf_hook_slow", 105.0, 5.0),
                tuple("conntrack", "nf_conntrack_in", 110.0, 7.0),
                tuple("routing_decision", "ip_route_input_noref", 117.0, 4.0),
                tuple("nf_forward", "nf_hook_slow", 121.0, 8.0),
                tuple("nf_postrouting", "nf_hook_slow", 129.0, 9.0),
                tuple("nic_tx", "net_dev_xmit", 138.0, 11.0));
    }

    @Test
    void everyJourneyOfTheSampleIsKeptAndTheirHopsAddUpToTheNodeStats() throws Exception {
        SessionStatsTracker t = replaySample();
        StatsSnapshot s = t.snapshot();
        t.flushJourneys();   // the 5 packets the recording leaves in flight
        PacketPage page = all(t);
        assertThat(page.count()).isEqualTo((int) s.totalPackets()).isEqualTo(110);
        Map<String, Long> ends = new HashMap<>();
        for (PacketView v : page.packets()) ends.merge(v.end(), 1L, Long::sum);
        assertThat(ends).containsExactlyInAnyOrderEntriesOf(Map.of("completed", 90L, "dropped", 15L, "in_flight", 5L));
        // the hops' known times are exactly the engine's latency samples, node by node
        Map<String, long[]> byNode = new HashMap<>();
        for (PacketView v : page.packets()) {
            for (Hop h : t.packet(Long.parseLong(v.id())).hops()) {
                if (h.spentUs() == null) continue;
                long[] a = byNode.computeIfAbsent(h.node(), k -> new long[2]);
                a[0]++;
                a[1] += Math.round(h.spentUs() * 1000);
            }
        }
        for (StatsSnapshot.NodeStats n : s.nodes().values()) {
            long[] a = byNode.getOrDefault(n.id(), new long[2]);
            assertThat(a[0]).as(n.id() + " samples").isEqualTo(n.samples());
            if (n.samples() > 0) assertThat(a[1] / 1000.0 / a[0]).as(n.id() + " avg").isCloseTo(n.avgUs(), org.assertj.core.data.Offset.offset(0.001));
        }
        // in-flight packets: the last hop has no known time
        PacketView inFlight = query(t, "end", "in_flight", "limit", "1").packets().get(0);
        List<Hop> h = t.packet(Long.parseLong(inFlight.id())).hops();
        assertThat(h.get(h.size() - 1).spentUs()).isNull();
    }

    @Test
    void aVethPacketMakesTwoJourneysOfOneSkb() {
        SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("veth", "full"), new SourceCounters("test"));
        long skb = 0xffff8881deadbe00L;
        SpecLines.feed(t, List.of(
                // out of the first namespace through veth0...
                at(0, skb, "tcp_sendmsg"), at(5, skb, "__tcp_transmit_skb"), at(8, skb, "ip_local_out"),
                at(12, skb, "ip_finish_output2"), at(15, skb, "net_dev_queue"), at(17, skb, "net_dev_start_xmit"),
                at(20, skb, "net_dev_xmit"),
                // ...and into the peer's namespace: the same skb, a second journey
                at(30, skb, "netif_receive_skb"), at(35, skb, "ip_rcv"), at(40, skb, "ip_local_deliver"),
                at(45, skb, "tcp_v4_rcv"), at(50, skb, "tcp_queue_rcv"), consume(60, skb)), 4);
        PacketPage both = query(t, "skb", "0xffff8881deadbe00");
        assertThat(both.packets()).extracting(PacketView::id, PacketView::journey, PacketView::path, PacketView::end)
                .containsExactly(tuple("2", 2, "local", "completed"), tuple("1", 1, "outbound", "completed"));
        PacketView out = t.packet(1), in = t.packet(2);
        assertThat(out.endProbe()).isNull();   // ended by coming back in, not by an end event
        assertThat(out.endNs()).isEqualTo(30_000L);
        assertThat(out.hops()).extracting(Hop::node, Hop::offsetUs, Hop::spentUs).containsExactly(
                tuple("application", 0.0, 5.0), tuple("l4_tx", 5.0, 3.0), tuple("nf_output", 8.0, 4.0),
                tuple("nat_postrouting", 12.0, 3.0), tuple("tc_egress", 15.0, 2.0), tuple("driver_tx", 17.0, 3.0),
                tuple("nic", 20.0, 10.0));
        assertThat(in.startNs()).isEqualTo(30_000L);
        assertThat(in.hops()).extracting(Hop::node, Hop::offsetUs, Hop::spentUs).containsExactly(
                tuple("driver_napi", 0.0, 5.0), tuple("nf_prerouting", 5.0, 5.0), tuple("nf_input", 10.0, 5.0),
                tuple("l4_rx", 15.0, 5.0), tuple("socket", 20.0, 10.0));
        assertThat(in.endProbe()).isEqualTo("consume_skb");
        assertThat(t.snapshot().totalPackets()).isEqualTo(2);
    }

    @Test
    void aPacketWithHookedEventsAtOneNodeIsOneHopWithItsFunctions() {
        SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("fn", "full"), new SourceCounters("test"));
        SpecLines.feed(t, List.of(at(0, 9, "netif_receive_skb"), at(1, 9, "__netif_receive_skb_core"),
                at(2, 9, "some_unknown_function"), at(4, 9, "ip_rcv"),
                Ev.hook(at(6, 9, "nf_hook_slow"), Hook.PREROUTING), consume(9, 9)), 8);
        PacketView p = t.packet(1);
        assertThat(p.hops()).extracting(Hop::node, Hop::probe, Hop::functions, Hop::events, Hop::spentUs).containsExactly(
                tuple("driver_napi", "netif_receive_skb", List.of("netif_receive_skb", "__netif_receive_skb_core", "some_unknown_function"), 3, 4.0),
                tuple("nf_prerouting", "ip_rcv", List.of("ip_rcv", "nf_hook_slow"), 2, 5.0));
        assertThat(JourneyEnd.byId(p.end())).isEqualTo(JourneyEnd.COMPLETED);
    }
}

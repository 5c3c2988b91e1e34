package dev.skbscope.engine;

import dev.skbscope.engine.StatsSnapshot.Exemplar;
import dev.skbscope.engine.StatsSnapshot.LatencyBuckets;
import dev.skbscope.engine.StatsSnapshot.NodeStats;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.packet.PacketPage;
import dev.skbscope.engine.packet.PacketQuery;
import dev.skbscope.engine.packet.PacketQueryParser;
import dev.skbscope.engine.packet.PacketView;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.skbscope.engine.Ev.at;
import static dev.skbscope.engine.Ev.consume;
import static dev.skbscope.engine.Ev.kfree;
import static dev.skbscope.engine.Ev.nf;
import static dev.skbscope.engine.Ev.nft;
import static org.assertj.core.api.Assertions.assertThat;

/** A session's kept packets: bounded history, exemplars, paging. */
class PacketHistoryTest {

    private static SessionStatsTracker tracker(int history) {
        return new SessionStatsTracker(SessionConfig.defaults("h", "full").withPacketHistory(history), new SourceCounters("test"));
    }

    private static void feed(SessionStatsTracker t, EngineEventStream gen, long events) {
        EventBatch b = new EventBatch(256);
        long end = gen.events() + events;
        while (gen.events() < end) {
            gen.fill(b);
            t.ingest(b);
        }
    }

    private static double bound(int b) { return LatencyBuckets.UPPER_BOUNDS_US.get(b); }

    @Test
    void everyExemplarNamesAKeptPacketWhoseTimeAtTheNodeLiesInItsBucket() {
        SessionStatsTracker t = tracker(10_000);
        feed(t, new EngineEventStream(64, 2), 400_000);
        StatsSnapshot s = t.snapshot();
        int checked = 0;
        for (NodeStats n : s.nodes().values()) {
            if (n.samples() == 0) continue;
            assertThat(n.bucketExemplars()).as(n.id()).isNotNull();
            for (int b = 0; b < n.bucketExemplars().size(); b++) {
                Exemplar x = n.bucketExemplars().get(b);
                if (x == null) {
                    assertThat(n.latencyBuckets().bucketCounts()[b]).as(n.id() + " bucket " + b + " has samples but no exemplar").isZero();
                    continue;
                }
                PacketView p = t.packet(Long.parseLong(x.packetId()));
                assertThat(p).as("exemplar " + x.packetId() + " of " + n.id()).isNotNull();
                double lo = b == 0 ? 0 : bound(b - 1), hi = bound(b);
                boolean inBucket = p.hops().stream().anyMatch(h -> h.node().equals(n.id()) && h.spentUs() != null
                        && h.spentUs() > lo && h.spentUs() <= hi && h.spentUs() == x.valueUs());
                assertThat(inBucket).as(n.id() + " bucket (" + lo + ", " + hi + "] exemplar " + x).isTrue();
                checked++;
            }
            // the p99 exemplar is at or above p99
            PacketView p99 = t.packet(Long.parseLong(n.p99Exemplar()));
            double at = p99.hops().stream().filter(h -> h.node().equals(n.id()) && h.spentUs() != null)
                    .mapToDouble(PacketView.Hop::spentUs).max().orElseThrow();
            assertThat(at).as(n.id() + " p99 exemplar").isGreaterThanOrEqualTo(n.p99Us() - 0.001);
        }
        assertThat(checked).isGreaterThan(10);
        assertThat(s.packetsKept()).isBetween(10_000L, 10_000L + 1024);
        assertThat(s.dropExemplars()).containsKey("NETFILTER_DROP");
        PacketView dropped = t.packet(Long.parseLong(s.dropExemplars().get("NETFILTER_DROP")));
        assertThat(dropped.drop().reason()).isEqualTo("NETFILTER_DROP");
    }

    @Test
    void aRareSlowPacketStaysAnExemplarAfterTheRingHasMovedOn() {
        SessionStatsTracker t = tracker(100);
        // one packet that spends 30 ms in conntrack, then thousands of quick ones
        List<TraceEvent> slow = List.of(at(0, 1, "netif_receive_skb"), at(2, 1, "nf_conntrack_in"),
                at(30_002, 1, "ip_route_input_noref"), consume(30_010, 1));
        SpecLines.feed(t, slow, 8);
        List<TraceEvent> quick = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            double t0 = 40_000 + i * 10;
            quick.add(at(t0, 100 + i, "netif_receive_skb"));
            quick.add(at(t0 + 1, 100 + i, "nf_conntrack_in"));
            quick.add(at(t0 + 3, 100 + i, "ip_route_input_noref"));
            quick.add(consume(t0 + 4, 100 + i));
        }
        SpecLines.feed(t, quick, 256);
        NodeStats ct = t.snapshot().node(PipelineNode.CONNTRACK);
        Exemplar tail = ct.bucketExemplars().get(LatencyBuckets.UPPER_BOUNDS_US.size() - 1);   // +Inf: over 10 ms
        assertThat(tail.packetId()).isEqualTo("1");
        assertThat(tail.valueUs()).isEqualTo(30_000.0);
        PacketView p = t.packet(1);
        assertThat(p).isNotNull();
        assertThat(p.hops()).extracting(PacketView.Hop::node).containsExactly("driver_napi", "conntrack", "routing_decision");
        // the ring keeps only the last 100; the pinned packet answers queries too
        PacketPage slowOnes = t.packets(new PacketQuery(null, null, null, null, null, null, null, null, null,
                PipelineNode.CONNTRACK, null, null, null, null, 1000.0, null, null, null, null, null), Long.MAX_VALUE, 10);
        assertThat(slowOnes.packets()).extracting(PacketView::id).containsExactly("1");
        assertThat(slowOnes.packets().get(0).nodeLatencyUs()).isEqualTo(30_000.0);
        assertThat(t.packets(PacketQuery.ANY, Long.MAX_VALUE, 10_000).kept()).isLessThanOrEqualTo(100 + 1024);
    }

    @Test
    void aRareDropReasonLeftTheRingBeforeAnySnapshotIsStillItsExemplar() {
        SessionStatsTracker t = tracker(100);
        SpecLines.feed(t, quickPackets(0, 1_000), 256);
        t.snapshot();
        t.snapshot();   // a snapshot sets the tail thresholds of the one before: quick packets are no candidates by time now
        // one packet, quick too, dropped with a reason no other has, then thousands of quick ones, no snapshot
        // between: the ring evicts it unseen by any refresh, and must offer it on its way out
        SpecLines.feed(t, List.of(at(20_000, 1, "netif_receive_skb"), at(20_001, 1, "nf_conntrack_in"), kfree(20_002, 1, "NO_SOCKET")), 8);
        SpecLines.feed(t, quickPackets(40_000, 5_000), 256);
        StatsSnapshot s = t.snapshot();
        assertThat(s.dropExemplars()).containsEntry("NO_SOCKET", "1001");
        PacketView p = t.packet(1001);
        assertThat(p).isNotNull();
        assertThat(p.drop().reason()).isEqualTo("NO_SOCKET");
        assertThat(p.hops()).extracting(PacketView.Hop::node).containsExactly("driver_napi", "conntrack");
    }

    /** {@code n} packets through napi (1 µs) and conntrack (3 µs), 10 µs apart from {@code fromUs}, skbs 100.. */
    private static List<TraceEvent> quickPackets(double fromUs, int n) {
        List<TraceEvent> quick = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double t0 = fromUs + i * 10;
            long skb = 100 + (long) fromUs + i;
            quick.add(at(t0, skb, "netif_receive_skb"));
            quick.add(at(t0 + 1, skb, "nf_conntrack_in"));
            quick.add(consume(t0 + 4, skb));
        }
        return quick;
    }

    @Test
    void pagesRunNewestFirstWithoutGapsOrDuplicatesWhilePacketsKeepArriving() {
        SessionStatsTracker t = tracker(5_000);
        EngineEventStream gen = new EngineEventStream(64, 0);
        feed(t, gen, 150_000);
        // everything kept now: the ring and the pinned exemplars, newest first
        List<String> before = t.packets(PacketQuery.ANY, Long.MAX_VALUE, 10_000).packets().stream().map(PacketView::id).toList();
        assertThat(before.size()).isGreaterThan(5_000).isLessThan(10_000);
        long packetsAtStart = t.snapshot().totalPackets();
        List<String> seen = new ArrayList<>();
        PacketPage page = t.packets(PacketQuery.ANY, Long.MAX_VALUE, 700);
        while (true) {
            page.packets().forEach(v -> seen.add(v.id()));
            if (page.nextCursor() == null) break;
            feed(t, gen, 2_560);   // new packets finish between pages, pushing the oldest out
            PacketQueryParser.Request r = PacketQueryParser.parse(
                    Map.of("cursor", List.of(page.nextCursor()), "limit", List.of("700")), Set.of());
            page = t.packets(r.query(), r.before(), r.limit());
        }
        assertThat(t.snapshot().totalPackets() - packetsAtStart).isGreaterThan(1_000);
        // the pages hold the packets kept at the start, in the same order, each once; a packet of the
        // start that no page had is one no longer kept (pushed out meanwhile), never one skipped
        assertThat(new HashSet<>(seen)).hasSize(seen.size());
        int i = 0;
        for (String id : before) {
            if (i < seen.size() && seen.get(i).equals(id)) i++;
            else assertThat(t.packet(Long.parseLong(id))).as("packet " + id + " is kept but no page had it").isNull();
        }
        assertThat(i).as("pages are in the order of the start").isEqualTo(seen.size());
        assertThat(seen.size()).isGreaterThan(2_000);
    }

    @Test
    void filtersCombineOverTuplesPathsVerdictsAndRules() {
        SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("f", "nft"), new SourceCounters("test"));
        List<TraceEvent> ev = new ArrayList<>();
        // three full-mode-like packets with 5-tuples
        ev.add(Ev.tuple(at(0, 1, "netif_receive_skb"), 6, "10.0.0.1", 40000, "10.0.0.2", 443, 2));
        ev.add(nf(3, 1, Hook.INPUT, Verdict.ACCEPT));
        ev.add(at(5, 1, "tcp_v4_rcv"));
        ev.add(consume(9, 1));
        ev.add(Ev.tuple(at(10, 2, "netif_receive_skb"), 17, "10.0.0.3", 53000, "10.0.0.2", 53, 3));
        ev.add(at(12, 2, "udp_rcv"));
        ev.add(kfree(20, 2, "NO_SOCKET"));
        ev.add(Ev.tuple(at(30, 3, "tcp_sendmsg"), 6, "10.0.0.2", 443, "10.0.0.1", 40000, 2));
        ev.add(at(31, 3, "net_dev_xmit"));
        ev.add(consume(35, 3));
        // an nft trace packet hitting two rules, the second dropping it, then expiring
        ev.add(nft(40, 77, Hook.PREROUTING, "filter", "pre", 4, Verdict.ACCEPT));
        ev.add(nft(41, 77, Hook.INPUT, "filter", "in", 7, Verdict.DROP));
        // two seconds later: a new packet (still in flight, so not kept) makes the nft one expire
        ev.add(Ev.tuple(at(2_000_000, 4, "netif_receive_skb"), 6, "10.0.0.1", 40001, "10.0.0.2", 80, 2));
        SpecLines.feed(t, ev, 4);
        assertThat(ids(t, "proto", "tcp")).containsExactly("3", "1");
        assertThat(ids(t, "proto", "tcp", "port", "443")).containsExactly("3", "1");
        assertThat(ids(t, "src", "10.0.0.0/24", "dport", "443")).containsExactly("1");
        assertThat(ids(t, "host", "10.0.0.3")).containsExactly("2");
        assertThat(ids(t, "dst", "10.0.0.1/32")).containsExactly("3");
        assertThat(ids(t, "path", "outbound")).containsExactly("3");
        assertThat(ids(t, "path", "inbound")).containsExactly("4", "2", "1");
        assertThat(ids(t, "path", "local")).containsExactly("4", "2", "1");
        assertThat(ids(t, "ifindex", "3")).containsExactly("2");
        assertThat(ids(t, "end", "dropped")).containsExactly("4", "2");
        assertThat(ids(t, "drop_reason", "NO_SOCKET")).containsExactly("2");
        assertThat(ids(t, "drop_reason", "no_socket", "proto", "tcp")).isEmpty();
        assertThat(ids(t, "verdict", "DROP")).containsExactly("4");
        assertThat(ids(t, "rule_handle", "7")).containsExactly("4");
        assertThat(ids(t, "rule_handle", "4", "verdict", "ACCEPT")).containsExactly("4");
        assertThat(ids(t, "node", "l4_rx")).containsExactly("2", "1");
        assertThat(ids(t, "node", "l4_rx", "min_latency_us", "5")).containsExactly("2");
        assertThat(ids(t, "node", "l4_rx", "min_latency_us", "4", "max_latency_us", "4")).containsExactly("1");
        assertThat(ids(t, "min_latency_us", "10")).containsExactly("2");
        assertThat(ids(t, "since", "10000", "until", "30001")).containsExactly("3", "2");
        assertThat(ids(t, "since", "+10us", "until", "+30us")).containsExactly("2");
        assertThat(ids(t, "since", "-1999960us")).containsExactly("4");   // back from the newest event (2 s)
        assertThat(ids(t, "end", "expired")).isEmpty();            // dropped wins over expired
    }

    private static List<String> ids(SessionStatsTracker t, String... kv) {
        Map<String, List<String>> params = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) params.put(kv[i], List.of(kv[i + 1]));
        PacketQueryParser.Request r = PacketQueryParser.parse(params, Set.of());
        return t.packets(r.query(), r.before(), r.limit()).packets().stream().map(PacketView::id).toList();
    }

    @Test
    void aSessionThatKeepsNoPacketsAnswersEmpty() {
        SessionStatsTracker t = tracker(0);
        feed(t, new EngineEventStream(8, 0), 10_000);
        assertThat(t.keepsPackets()).isFalse();
        assertThat(t.packets(PacketQuery.ANY, Long.MAX_VALUE, 10).count()).isZero();
        assertThat(t.packet(1)).isNull();
        StatsSnapshot s = t.snapshot();
        assertThat(s.packetsKept()).isNull();
        assertThat(s.node(PipelineNode.GRO).p99Exemplar()).isNull();
    }

    @Test
    void aPacketInFlightWhileTheStepRingComesRoundKeepsItsLaterStepsAndSaysHowManyItLost() {
        SessionStatsTracker t = tracker(100);   // the smallest step ring: 65,536 steps
        List<TraceEvent> events = new ArrayList<>();
        events.add(at(0, 1, "netif_receive_skb"));
        events.add(at(1, 1, "ip_rcv"));
        // 70,000 steps of other packets: packet 1's first two steps are overwritten
        for (int i = 0; i < 17_500; i++) {
            double t0 = 2 + i * 0.04;
            long skb = 100 + i;
            events.add(at(t0, skb, "netif_receive_skb"));
            events.add(at(t0 + 0.01, skb, "nf_conntrack_in"));
            events.add(at(t0 + 0.02, skb, "ip_route_input_noref"));
            events.add(consume(t0 + 0.03, skb));
        }
        events.add(at(800, 1, "nf_conntrack_in"));
        events.add(at(801, 1, "ip_local_deliver"));
        events.add(consume(803, 1));
        SpecLines.feed(t, events, 256);
        PacketView p = t.packet(1);
        assertThat(p).isNotNull();
        assertThat(p.events()).isEqualTo(5);
        assertThat(p.stepsOmitted()).isEqualTo(2);
        assertThat(p.startNs()).isZero();   // the record is whole: identity, times, end
        assertThat(p.end()).isEqualTo("completed");
        assertThat(p.hops()).extracting(PacketView.Hop::node).containsExactly("conntrack", "nf_input");
        // the list and the detail agree
        PacketView listed = t.packets(PacketQueryParser.parse(Map.of("skb", List.of("0x1")), Set.of()).query(), Long.MAX_VALUE, 10, true)
                .packets().get(0);
        assertThat(listed).isEqualTo(p);
        // a quick packet finished after it is whole
        PacketView last = t.packet(17_501);
        assertThat(last.stepsOmitted()).isNull();
        assertThat(last.hops()).extracting(PacketView.Hop::node).containsExactly("driver_napi", "conntrack", "routing_decision");
    }

    @Test
    void aListenerGetsEachJourneyAsTheHistoryKeepsIt() {
        Map<Long, PacketView> heard = new java.util.HashMap<>();
        SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("l", "full").withPacketHistory(2_000),
                new SourceCounters("test"), (j, r) -> heard.put(j.id(r), PacketView.of(j, r, PacketView.RuleNames.NONE, true, null)));
        feed(t, new EngineEventStream(64, 3), 100_000);
        PacketPage kept = t.packets(PacketQuery.ANY, Long.MAX_VALUE, 2_000, true);
        assertThat(kept.packets()).hasSize(2_000);
        for (PacketView p : kept.packets()) {
            PacketView h = heard.get(Long.parseLong(p.id()));
            assertThat(h).as(p.id()).isNotNull();
            assertThat(h.hops()).as(p.id()).isEqualTo(p.hops());
            assertThat(h.events()).isEqualTo(p.events());
            assertThat(h.end()).isEqualTo(p.end());
        }
    }

    @Test
    void aRecordingIndexThatGrowsKeepsTheSameJourneysAsALiveHistory() {
        SessionStatsTracker live = tracker(100_000), index = tracker(300_000);   // above 100,000 the history grows as it fills
        EngineEventStream a = new EngineEventStream(64, 5), b = new EngineEventStream(64, 5);
        feed(live, a, 1_500_000);   // ~1.5 M steps: the index's step ring grows from 262,144 four times
        feed(index, b, 1_500_000);
        PacketPage fromLive = live.packets(PacketQuery.ANY, Long.MAX_VALUE, 1_000, true);
        PacketPage fromIndex = index.packets(PacketQuery.ANY, Long.MAX_VALUE, 1_000, true);
        assertThat(fromIndex.packets()).isEqualTo(fromLive.packets());
        PacketView oldest = index.packet(1);
        assertThat(oldest).isNotNull();
        assertThat(oldest.stepsOmitted()).isNull();
        assertThat(oldest.hops()).isNotEmpty();
    }
}

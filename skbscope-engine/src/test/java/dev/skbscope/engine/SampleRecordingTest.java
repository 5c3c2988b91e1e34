package dev.skbscope.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The spec's sample recording must give exactly the spec's expected results. */
class SampleRecordingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatsSnapshot replaySample(int batchSize) throws Exception {
        SourceCounters counters = new SourceCounters("replay");
        List<TraceEvent> events = SpecLines.read("/spec/sample-full.jsonl", counters);
        SessionStatsTracker tracker = new SessionStatsTracker(SessionConfig.defaults("session_sample", "full"), counters);
        SpecLines.feed(tracker, events, batchSize);
        return tracker.snapshot();
    }

    @Test
    void sampleMatchesExpectedFile() throws Exception {
        StatsSnapshot snap = replaySample(64);
        String json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(snap);
        // kept for running shared/tools/check-stats by hand
        Path out = Path.of("target", "sample-full.actual.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json);

        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/spec/sample-full.expected.json")) {
            expected = JSON.readTree(in);
        }
        JsonNode actual = JSON.readTree(json);
        assertThat(ExpectedStats.mismatches(expected, actual)).isEmpty();

        // the same check as a whole-object wrapper, the way REST serves it
        assertThat(ExpectedStats.mismatches(expected, JSON.createObjectNode().set("stats", actual))).isEmpty();
    }

    @Test
    void batchSizeDoesNotChangeResults() throws Exception {
        StatsSnapshot a = replaySample(1), b = replaySample(1024);
        JsonNode ja = JSON.valueToTree(a), jb = JSON.valueToTree(b);
        for (String key : List.of("total_packets", "total_events", "drops", "nodes", "edges", "pipelines", "hooks",
                "layers", "top_latency", "drop_reasons", "top_functions")) {
            JsonNode x = ja.get(key), y = jb.get(key);
            if (key.equals("nodes")) { stripRates(x); stripRates(y); }
            assertThat(x).as(key).isEqualTo(y);
        }
    }

    @Test
    void snapshotsTakenDuringIngestDoNotChangeResults() throws Exception {
        SourceCounters counters = new SourceCounters("replay");
        List<TraceEvent> events = SpecLines.read("/spec/sample-full.jsonl", counters);
        SessionStatsTracker tracker = new SessionStatsTracker(SessionConfig.defaults("s", "full"), counters);
        for (int i = 0; i < events.size(); i += 50) {
            SpecLines.feed(tracker, events.subList(i, Math.min(events.size(), i + 50)), 50);
            tracker.snapshot();
        }
        JsonNode interleaved = JSON.valueToTree(tracker.snapshot()), once = JSON.valueToTree(replaySample(64));
        for (String key : List.of("nodes", "edges", "top_latency", "layers")) {
            JsonNode x = interleaved.get(key), y = once.get(key);
            if (key.equals("nodes")) { stripRates(x); stripRates(y); }
            assertThat(x).as(key).isEqualTo(y);
        }
        // after a reset only new samples count, even though earlier snapshots folded older ones
        tracker.reset();
        SpecLines.feed(tracker, events.subList(0, 9), 4); // the first inbound packet: 8 nodes, consumed
        StatsSnapshot s = tracker.snapshot();
        assertThat(s.node(PipelineNode.L4_RX).samples()).isEqualTo(1);
        assertThat(s.node(PipelineNode.L4_RX).p99Us()).isEqualTo(10.0);
        assertThat(s.node(PipelineNode.L4_RX).latencyBuckets().count()).isEqualTo(1);
        assertThat(s.edges()).allSatisfy(e -> assertThat(e.count()).isEqualTo(1));
    }

    private static void stripRates(JsonNode nodes) {
        for (JsonNode n : nodes) ((com.fasterxml.jackson.databind.node.ObjectNode) n).remove("packets_per_second");
    }

    @Test
    void jsonHasTheSpecShape() throws Exception {
        JsonNode st = JSON.valueToTree(replaySample(64));
        assertThat(fieldNames(st)).contains("total_packets", "total_events", "packets_per_second", "uptime_seconds",
                "mode", "hooks", "nodes", "edges", "pipelines", "layers", "total_verdicts", "top_latency", "drops",
                "evicted_packets", "source", "session_id", "max_functions", "drop_reasons", "in_flight_total",
                "reordered_events", "rules", "functions_dropped");
        assertThat(st.get("mode").asText()).isEqualTo("full");
        assertThat(st.get("session_id").asText()).isEqualTo("session_sample");
        assertThat(st.path("source").path("kind").asText()).isEqualTo("replay");
        assertThat(st.path("source").path("bad_lines").asLong()).isEqualTo(2);
        assertThat(st.path("source").path("events_read").asLong()).isEqualTo(955);

        // all 22 pipeline nodes plus other, in pipeline order
        List<String> ids = new java.util.ArrayList<>();
        st.get("nodes").fieldNames().forEachRemaining(ids::add);
        assertThat(ids).containsExactlyElementsOf(
                java.util.Arrays.stream(PipelineNode.values()).map(PipelineNode::id).toList());
        assertThat(ids).hasSize(23);
        JsonNode l4 = st.path("nodes").path("l4_rx");
        assertThat(fieldNames(l4)).contains("label", "count", "packets", "in_flight", "packets_per_second", "p50_us",
                "p90_us", "p99_us", "avg_us", "max_us", "samples", "top_functions", "verdicts", "drops",
                "drop_reasons", "errors", "observable");
        assertThat(fieldNames(l4)).doesNotContain("latency_buckets", "latencyBuckets", "unobserved_reason");
        assertThat(l4.path("label").asText()).isEqualTo("TCP/UDP");
        assertThat(l4.path("top_functions").path("tcp_v4_rcv").asLong()).isEqualTo(65);
        assertThat(l4.path("packets").asLong()).isEqualTo(65);

        JsonNode edge = st.get("edges").get(0);
        assertThat(fieldNames(edge)).contains("from", "to", "count", "avg_us", "p50_us");
        JsonNode pipe = st.get("pipelines").get(0);
        assertThat(fieldNames(pipe)).contains("name", "started", "in_flight", "completed", "dropped");
        assertThat(st.path("layers").has("L2")).isTrue();
        assertThat(st.path("layers").has("socket")).isTrue();
        assertThat(fieldNames(st.get("top_latency").get(0))).contains("node", "label", "avg_us", "p99_us", "samples");
        assertThat(st.path("drop_reasons").path("NETFILTER_DROP").asLong()).isEqualTo(15);
        // the replay is a few ms of event time: every packet falls in the last second
        assertThat(st.path("packets_per_second").asDouble()).isEqualTo(110.0);
    }

    @Test
    void edgesOfTheSample() throws Exception {
        StatsSnapshot snap = replaySample(64);
        StatsSnapshot.EdgeStats napiToGro = snap.edges().stream()
                .filter(e -> e.from().equals("driver_napi") && e.to().equals("gro")).findFirst().orElseThrow();
        assertThat(napiToGro.count()).isEqualTo(90);
        assertThat(napiToGro.avgUs()).isEqualTo(2.0);
        assertThat(napiToGro.p50Us()).isEqualTo(2.0);
        // routing branches: 80 to local delivery, 10 forwarded
        assertThat(edgeCount(snap, "routing_decision", "nf_input")).isEqualTo(80);
        assertThat(edgeCount(snap, "routing_decision", "nf_forward")).isEqualTo(10);
        assertThat(edgeCount(snap, "nf_postrouting", "nic_tx")).isEqualTo(10);
        assertThat(edgeCount(snap, "nat_postrouting", "tc_egress")).isEqualTo(20);
        // every edge's count equals the samples it contributed to its source node
        for (StatsSnapshot.EdgeStats e : snap.edges()) assertThat(e.count()).isPositive();
    }

    private static long edgeCount(StatsSnapshot s, String from, String to) {
        return s.edges().stream().filter(e -> e.from().equals(from) && e.to().equals(to))
                .mapToLong(StatsSnapshot.EdgeStats::count).sum();
    }

    private static Set<String> fieldNames(JsonNode n) {
        Set<String> s = new TreeSet<>();
        n.fieldNames().forEachRemaining(s::add);
        return s;
    }
}

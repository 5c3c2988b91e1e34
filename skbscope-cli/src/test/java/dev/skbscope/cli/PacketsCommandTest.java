package dev.skbscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.sources.recording.RecordingWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.skbscope.cli.ReplayCommandTest.run;
import static dev.skbscope.cli.ReplayCommandTest.spec;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code skbscope packets} and {@code skbscope summary} over the spec's sample and written recordings. */
class PacketsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    private static List<JsonNode> jsonLines(String out) throws Exception {
        List<JsonNode> l = new ArrayList<>();
        for (String line : out.split("\n")) if (!line.isBlank()) l.add(JSON.readTree(line));
        return l;
    }

    private static List<String> ids(List<JsonNode> l) { return l.stream().map(n -> n.path("id").asText()).toList(); }

    @Test
    void filtersGiveTheKnownPacketsOfTheSample() throws Exception {
        String sample = spec("sample-full.jsonl").toString();
        ReplayCommandTest.Result dropped = run("packets", sample, "--end", "dropped", "--json", "--limit", "100");
        assertThat(dropped.code()).isZero();
        List<JsonNode> d = jsonLines(dropped.out());
        assertThat(d).hasSize(15).allSatisfy(p -> {
            assertThat(p.path("drop").path("node").asText()).isEqualTo("nf_input");
            assertThat(p.path("drop").path("reason").asText()).isEqualTo("NETFILTER_DROP");
            assertThat(p.path("hops").size()).isEqualTo(6);
            assertThat(p.path("verdicts").get(1).path("verdict").asText()).isEqualTo("DROP");
        });
        assertThat(d.get(d.size() - 1).path("id").asText()).isEqualTo("6");   // newest first: the first drop is last
        assertThat(d.get(d.size() - 1).path("skb").asText()).isEqualTo("0xffff888100000500");

        // the forward packets; the same with --path forward; none of them dropped
        List<String> fwd = ids(jsonLines(run("packets", sample, "--node", "nf_forward", "--json", "--limit", "100").out()));
        assertThat(fwd).hasSize(10).contains("3");
        assertThat(ids(jsonLines(run("packets", sample, "--path", "forward", "--json", "--limit", "100").out()))).isEqualTo(fwd);
        assertThat(jsonLines(run("packets", sample, "--path", "forward", "--end", "dropped", "--json").out())).isEmpty();
        // slow at l4_rx: the sample's l4_rx times run 10..74 us; at least 70 us only the slowest few
        List<JsonNode> slow = jsonLines(run("packets", sample, "--node", "l4_rx", "--min_latency_us", "70", "--json").out());
        assertThat(slow).isNotEmpty().allSatisfy(p -> assertThat(p.path("node_latency_us").asDouble()).isGreaterThanOrEqualTo(70));
        // time window relative to the first event: packets 1..3 start at 0, 50 and 100 us
        assertThat(ids(jsonLines(run("packets", sample, "--since", "+0us", "--until", "+101us", "--json").out())))
                .containsExactly("3", "2", "1");
        // the paging limit, and in-flight packets at the end of the recording
        assertThat(jsonLines(run("packets", sample, "--limit", "7", "--json").out())).hasSize(7);
        assertThat(jsonLines(run("packets", sample, "--end", "in_flight", "--json").out())).hasSize(5);
    }

    @Test
    void tableAndJourneyAreReadable() throws Exception {
        String sample = spec("sample-full.jsonl").toString();
        ReplayCommandTest.Result t = run("packets", sample, "--drop-reason", "NETFILTER_DROP", "--limit", "2");
        assertThat(t.code()).isZero();
        assertThat(t.out()).contains("ID", "START_MS", "nf_input NETFILTER_DROP", "2 of 15 matching packets shown");
        ReplayCommandTest.Result one = run("packets", sample, "--id", "6");
        assertThat(one.code()).isZero();
        assertThat(one.out()).contains("packet 6", "skb 0xffff888100000500", "end dropped at nf_input (NETFILTER_DROP)",
                "ended by kfree_skb", "conntrack", "nf_conntrack_in", "INPUT", "DROP");
        assertThat(run("packets", sample, "--id", "999").code()).isEqualTo(1);
    }

    @Test
    void badFiltersAreUsageErrorsNamingTheOption() {
        String sample;
        try {
            sample = spec("sample-full.jsonl").toString();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        for (String[] bad : new String[][]{{"--sport", "70000", "--sport"}, {"--src", "example.com", "--src"},
                {"--node", "nowhere", "--node"}, {"--end", "gone", "--end"}, {"--limit", "0", "--limit"},
                {"--min-latency-us", "-3", "--min_latency_us"}, {"--since", "yesterday", "--since"}, {"--id", "x", "--id"}}) {
            ReplayCommandTest.Result r = run("packets", sample, bad[0], bad[1]);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", bad)).startsWith(bad[2] + ":");
        }
        assertThat(run("packets", dir.resolve("missing.jsonl").toString()).code()).isEqualTo(1);
    }

    @Test
    void retisAndPwruFilesAnswerTheSameFilters() throws Exception {
        // Retis: a completed TCP packet, a UDP one with no socket, an IPv6 one the INPUT chain dropped,
        // and one whose events carry only its first sight (expired)
        String retis = spec("retis-sample.json").toString();
        List<JsonNode> noSocket = jsonLines(run("packets", retis, "--drop-reason", "no_socket", "--json").out());
        assertThat(noSocket).hasSize(1);
        JsonNode udp = noSocket.get(0);
        assertThat(udp.path("id").asText()).isEqualTo("2");
        assertThat(udp.path("proto").asText() + " " + udp.path("src").asText() + ":" + udp.path("sport").asInt()
                + " -> " + udp.path("dst").asText() + ":" + udp.path("dport").asInt()).isEqualTo("udp 198.18.0.11:50000 -> 198.18.0.1:161");
        assertThat(udp.path("drop").path("node").asText()).isEqualTo("l4_rx");
        assertThat(udp.path("hops").findValuesAsText("node")).containsExactly("driver_napi", "l4_rx");
        assertThat(udp.path("hops").get(0).path("spent_us").asDouble()).isEqualTo(9.0);
        assertThat(ids(jsonLines(run("packets", retis, "--host", "2001:db8::/32", "--json").out()))).containsExactly("3");
        assertThat(ids(jsonLines(run("packets", retis, "--verdict", "DROP", "--json").out()))).containsExactly("3");
        JsonNode completed = jsonLines(run("packets", retis, "--end", "completed", "--json").out()).get(0);
        assertThat(completed.path("id").asText()).isEqualTo("1");
        assertThat(completed.path("hops").findValuesAsText("node")).containsExactly("driver_napi", "nf_prerouting", "nf_input", "l4_rx");
        assertThat(completed.path("verdicts").get(0).path("rule_handle").asLong()).isEqualTo(7);
        assertThat(ids(jsonLines(run("packets", retis, "--json").out()))).containsExactly("4", "3", "2", "1");

        // pwru: an outbound packet the OUTPUT chain dropped, an IPv6 one with no socket, one seen once
        String pwru = Path.of("../skbscope-sources/src/test/resources/recordings/pwru-sample.json").toString();
        JsonNode out = jsonLines(run("packets", pwru, "--drop-reason", "NETFILTER_DROP", "--json").out()).get(0);
        assertThat(out.path("id").asText()).isEqualTo("1");
        assertThat(out.path("path").asText()).isEqualTo("outbound");
        assertThat(out.path("drop").path("node").asText()).isEqualTo("nf_output");
        assertThat(ids(jsonLines(run("packets", pwru, "--proto", "udp", "--json").out()))).containsExactly("2");
        assertThat(ids(jsonLines(run("packets", pwru, "--path", "inbound", "--end", "completed", "--json").out()))).containsExactly("3");

        ReplayCommandTest.Result summary = run("summary", retis, "--json");
        assertThat(summary.code()).isZero();
        JsonNode s = JSON.readTree(summary.out());
        assertThat(s.path("packets").asLong()).isEqualTo(4);
        assertThat(s.path("bad_lines").asLong()).isEqualTo(2);
        assertThat(s.path("ends")).isEqualTo(JSON.readTree("{\"completed\":1,\"dropped\":2,\"expired\":1,\"evicted\":0,\"in_flight\":0}"));
        assertThat(s.path("drop_reasons").path("NO_SOCKET").path("nodes").path("l4_rx").asLong()).isEqualTo(1);
    }

    @Test
    void summaryCountsPathsEndsDropsAndFlows() throws Exception {
        ReplayCommandTest.Result r = run("summary", spec("sample-full.jsonl").toString(), "--json");
        assertThat(r.code()).isZero();
        JsonNode s = JSON.readTree(r.out());
        assertThat(s.path("events").asLong()).isEqualTo(955);
        assertThat(s.path("bad_lines").asLong()).isEqualTo(2);
        assertThat(s.path("packets").asLong()).isEqualTo(110);
        assertThat(s.path("paths")).isEqualTo(JSON.readTree("{\"inbound\":0,\"local\":80,\"forward\":10,\"outbound\":20}"));
        assertThat(s.path("ends")).isEqualTo(JSON.readTree("{\"completed\":90,\"dropped\":15,\"expired\":0,\"evicted\":0,\"in_flight\":5}"));
        assertThat(s.path("drop_reasons")).isEqualTo(JSON.readTree("{\"NETFILTER_DROP\":{\"packets\":15,\"nodes\":{\"nf_input\":15}}}"));
        assertThat(s.path("verdicts")).isEqualTo(JSON.readTree("{\"ACCEPT\":215,\"DROP\":15}"));
        assertThat(s.path("first_ns").asLong()).isEqualTo(1_000_000_000L);
        assertThat(s.path("last_ns").asLong()).isEqualTo(1_005_581_000L);
        assertThat(s.path("sampling").path("sampled").asBoolean()).isFalse();
        assertThat(s.has("lost_events")).isFalse();   // not a session recording
        assertThat(s.path("header").path("mode").asText()).isEqualTo("full");
        ReplayCommandTest.Result text = run("summary", spec("sample-full.jsonl").toString());
        assertThat(text.out()).contains("Events:", "955", "Paths:", "local 80", "NETFILTER_DROP", "Lost events:   not recorded");
    }

    @Test
    void summaryOfASessionRecordingReportsLostEventsSamplingAndTopFlows() throws Exception {
        Path rec = dir.resolve("session.jsonl.gz");
        try (RecordingWriter w = new RecordingWriter(rec, Map.of("mode", "full", "max_tracked_skbs", 100))) {
            // flow A: 3 sampled packets (weight 4), one dropped; flow B: 1 packet
            for (int i = 0; i < 3; i++) {
                w.write(ev(i * 100, 10 + i, "netif_receive_skb", 4, "10.0.0.1", 1000, "10.0.0.2", 53));
                w.write(ev(i * 100 + 5, 10 + i, "udp_rcv", 4, null, 0, null, 0));
                TraceEvent end = ev(i * 100 + 9, 10 + i, i == 2 ? "kfree_skb" : "consume_skb", 4, null, 0, null, 0);
                if (i == 2) end.dropReason = SymbolTable.DROP_REASONS.intern("NO_SOCKET");
                w.write(end);
            }
            w.write(ev(1000, 99, "netif_receive_skb", 1, "10.0.0.3", 2000, "10.0.0.2", 80));
            w.write(ev(1004, 99, "consume_skb", 1, null, 0, null, 0));
            Map<String, Object> counters = new LinkedHashMap<>();
            counters.put("lost_events", 42);
            counters.put("events_read", 11);
            counters.put("sample_one_in", 4);
            w.counters(counters);
            w.checkpoint();
        }
        JsonNode s = JSON.readTree(run("summary", rec.toString(), "--json").out());
        assertThat(s.path("gzip").asBoolean()).isTrue();
        assertThat(s.path("lost_events").asLong()).isEqualTo(42);
        assertThat(s.path("packets").asLong()).isEqualTo(13);   // 3 journeys of weight 4, and 1
        assertThat(s.path("journeys").asLong()).isEqualTo(4);
        assertThat(s.path("sampling")).isEqualTo(JSON.readTree("{\"sampled\":true,\"weighted_journeys\":3,\"max_weight\":4,\"sample_one_in\":4}"));
        assertThat(s.path("drops").asLong()).isEqualTo(4);
        assertThat(s.path("top_flows").get(0)).isEqualTo(JSON.readTree(
                "{\"proto\":\"udp\",\"src\":\"10.0.0.1\",\"sport\":1000,\"dst\":\"10.0.0.2\",\"dport\":53,\"packets\":12,\"drops\":4,\"bytes\":0}"));
        assertThat(s.path("top_flows").get(1).path("dport").asInt()).isEqualTo(80);
        assertThat(s.path("header").path("max_tracked_skbs").asInt()).isEqualTo(100);
        // and the packets command reads the same file, sampled packets carrying their weight
        List<JsonNode> p = jsonLines(run("packets", rec.toString(), "--port", "53", "--json").out());
        assertThat(p).extracting(n -> n.path("weight").asInt()).containsExactly(4, 4, 4);
    }

    @Test
    void summaryOfARecordingCutByACrashSaysSoAndCountsItsCompleteLines() throws Exception {
        Path rec = dir.resolve("cut.jsonl.gz");
        try (RecordingWriter w = new RecordingWriter(rec, Map.of("mode", "full"))) {
            for (int i = 0; i < 50; i++) {
                w.write(ev(i * 100, 10 + i, "netif_receive_skb", 1, "10.0.0.1", 1000 + i, "10.0.0.2", 53));
                w.write(ev(i * 100 + 9, 10 + i, "consume_skb", 1, null, 0, null, 0));
                if (i % 10 == 9) w.checkpoint();   // five complete gzip members
            }
            w.write(ev(9_000, 7, "netif_receive_skb", 1, "10.0.0.9", 9, "10.0.0.2", 53));
            w.checkpoint();
        }
        byte[] whole = java.nio.file.Files.readAllBytes(rec);
        java.nio.file.Files.write(rec, java.util.Arrays.copyOf(whole, whole.length - 10));   // the last member cut short
        JsonNode s = JSON.readTree(run("summary", rec.toString(), "--json").out());
        assertThat(s.path("damaged_end").asText()).contains("cut short");
        assertThat(s.path("events").asLong()).isGreaterThanOrEqualTo(100);
        assertThat(s.path("bad_lines").asLong()).isZero();
        assertThat(run("summary", rec.toString()).out()).contains("Damaged end:");
        JsonNode clean = JSON.readTree(run("summary", spec("sample-full.jsonl").toString(), "--json").out());
        assertThat(clean.has("damaged_end")).isFalse();
    }

    private static TraceEvent ev(long us, long skb, String probe, int weight, String src, int sport, String dst, int dport) {
        TraceEvent e = new TraceEvent();
        e.tsNs = us * 1000;
        e.skb = skb;
        e.hasSkb = true;
        e.probe = SymbolTable.PROBES.intern(probe);
        e.weight = weight;
        e.hook = Hook.NONE;
        e.verdict = Verdict.NONE;
        if (src != null) {
            var s = dev.skbscope.engine.filter.Cidr.parse(src);
            var d = dev.skbscope.engine.filter.Cidr.parse(dst);
            e.ipVersion = 4;
            e.srcLo = s.lo();
            e.dstLo = d.lo();
            e.proto = dport == 53 ? 17 : 6;
            e.sport = sport;
            e.dport = dport;
        }
        return e;
    }
}

package dev.skbscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    record Result(int code, String out, String err) { }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    static Path spec(String name) throws URISyntaxException {
        return Path.of(ReplayCommandTest.class.getResource("/spec/" + name).toURI());
    }

    @Test
    void replayJsonMatchesTheSpecExpectedResults() throws Exception {
        Result r = run("replay", spec("sample-full.jsonl").toString(), "--json");
        assertThat(r.code()).isZero();
        JsonNode stats = JSON.readTree(r.out());   // stdout is exactly one JSON document
        JsonNode exp = JSON.readTree(spec("sample-full.expected.json").toFile());

        assertThat(stats.path("session_id").asText()).isEqualTo("sample-full.jsonl");
        assertThat(stats.path("mode").asText()).isEqualTo("full");
        assertThat(stats.path("total_packets").asLong()).isEqualTo(exp.path("total_packets").asLong()).isEqualTo(110);
        assertThat(stats.path("total_events").asLong()).isEqualTo(exp.path("total_events").asLong()).isEqualTo(955);
        assertThat(stats.path("source").path("bad_lines").asLong()).isEqualTo(exp.path("bad_lines").asLong()).isEqualTo(2);
        assertThat(stats.path("source").path("kind").asText()).isEqualTo("replay");
        assertThat(stats.path("drops").asLong()).isEqualTo(exp.path("drops").asLong());
        assertThat(stats.path("evicted_packets").asLong()).isEqualTo(exp.path("evicted_packets").asLong());
        assertThat(stats.path("total_verdicts")).isEqualTo(exp.path("total_verdicts"));
        for (Iterator<Map.Entry<String, JsonNode>> it = exp.path("hooks").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            JsonNode got = stats.path("hooks").path(h.getKey());
            assertThat(got.path("count").asLong()).as(h.getKey()).isEqualTo(h.getValue().path("count").asLong());
            assertThat(got.path("verdicts")).as(h.getKey()).isEqualTo(h.getValue().path("verdicts"));
        }
        Map<String, JsonNode> pipelines = new HashMap<>();
        stats.path("pipelines").forEach(p -> pipelines.put(p.path("name").asText(), p));
        for (Iterator<Map.Entry<String, JsonNode>> it = exp.path("pipelines").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            for (String k : new String[] {"started", "in_flight", "completed", "dropped"})
                assertThat(pipelines.get(p.getKey()).path(k).asLong()).as(p.getKey() + "." + k).isEqualTo(p.getValue().path(k).asLong());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = exp.path("nodes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> n = it.next();
            JsonNode got = stats.path("nodes").path(n.getKey());
            assertThat(got.path("count").asLong()).as(n.getKey()).isEqualTo(n.getValue().path("count").asLong());
            assertThat(got.path("samples").asLong()).as(n.getKey()).isEqualTo(n.getValue().path("samples").asLong());
            assertThat(got.path("p50_us").asDouble()).as(n.getKey()).isCloseTo(n.getValue().path("p50_us").asDouble(), org.assertj.core.data.Offset.offset(1.0));
        }
        assertThat(stats.path("nodes").path("nf_input").path("drop_reasons").path("NETFILTER_DROP").asLong()).isEqualTo(15);
    }

    @Test
    void replayWithoutJsonPrintsReadableTables() throws Exception {
        Result r = run("replay", spec("sample-full.jsonl").toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("events 955", "packets 110", "bad lines 2")
                .containsPattern("local_delivery\\s+80\\s+0\\s+65\\s+15")
                .containsPattern("nf_input\\s+80\\s+80\\s+0\\s+6\\.0\\s+6\\.0\\s+6\\.0\\s+15")
                .containsPattern("INPUT\\s+80\\s+ACCEPT 65, DROP 15")
                .contains("drop reasons: NETFILTER_DROP 15")
                .containsPattern("TCP/UDP\\s+42\\.0\\s+74\\.0\\s+65");
    }

    @Test
    void replaysARetisFileAndHonoursLimits() throws Exception {
        Result r = run("replay", spec("retis-sample.json").toString(), "--json", "--format", "retis", "--max-functions", "3");
        assertThat(r.code()).isZero();
        JsonNode stats = JSON.readTree(r.out());
        assertThat(stats.path("total_events").asLong()).isEqualTo(12);
        assertThat(stats.path("source").path("bad_lines").asLong()).isEqualTo(2);
        assertThat(stats.path("max_functions").asInt()).isEqualTo(3);
        assertThat(stats.path("drops").asLong()).isEqualTo(2);
    }

    @Test
    void missingFileIsOneClearLineAndExitCodeOne() {
        Result r = run("replay", dir.resolve("nope.jsonl").toString(), "--json");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).isEqualTo("skbscope replay: recording not found: " + dir.resolve("nope.jsonl"));
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(run("replay").code()).isEqualTo(2);
        assertThat(run("replay", "x.jsonl", "--format", "pcap").code()).isEqualTo(2);
        assertThat(run("replay", "x.jsonl", "--max-tracked-skbs", "0").code()).isEqualTo(2);
        Result bad = run("synth", "--rate", "-5", "--out", dir.resolve("x.jsonl").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--rate must be > 0");
        assertThat(run("synth", "--seconds", "1").code()).as("--out is required").isEqualTo(2);
    }

    @Test
    void helpIsEverywhere() {
        for (String cmd : new String[] {"replay", "synth"}) {
            Result r = run(cmd, "--help");
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("Usage: skbscope " + cmd);
        }
    }

    @Test
    void synthWritesARecordingThatReplaysCleanlyAndDeterministically() throws IOException {
        Path a = dir.resolve("a.jsonl.gz"), b = dir.resolve("b.jsonl.gz"), c = dir.resolve("c.jsonl");
        assertThat(run("synth", "--rate", "2000", "--seconds", "1", "--seed", "5", "--drop-share", "0.1", "--out", a.toString()).code()).isZero();
        assertThat(run("synth", "--rate", "2000", "--seconds", "1", "--seed", "5", "--drop-share", "0.1", "--out", b.toString()).code()).isZero();
        assertThat(run("synth", "--rate", "2000", "--seconds", "1", "--seed", "6", "--drop-share", "0.1", "--out", c.toString()).code()).isZero();
        assertThat(Files.mismatch(a, b)).as("same seed, same bytes").isEqualTo(-1);
        Result r = run("replay", a.toString(), "--json");
        assertThat(r.code()).isZero();
        JsonNode stats = JSON.readTree(r.out());
        long packets = stats.path("total_packets").asLong();
        assertThat(packets).isBetween(1800L, 2200L);
        assertThat(stats.path("source").path("bad_lines").asLong()).isZero();
        assertThat((double) stats.path("drops").asLong() / packets).isBetween(0.07, 0.13);
        assertThat(stats.path("in_flight_total").asLong()).as("every synthetic packet ends").isZero();
        assertThat(stats.path("nodes").path("other").path("count").asLong()).as("all probes are known nodes").isZero();
        JsonNode c1 = JSON.readTree(run("replay", c.toString(), "--json").out());
        assertThat(c1.path("total_events").asLong()).isNotEqualTo(stats.path("total_events").asLong());
    }

    @Test
    void aRecordingCutByACrashReplaysWithAWarningAndExitZero() throws Exception {
        Path full = dir.resolve("full.jsonl.gz");
        Result synth = run("synth", "--rate", "5000", "--seconds", "2", "--out", full.toString(), "--seed", "5");
        assertThat(synth.code()).as(synth.err()).isZero();
        byte[] all = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.jsonl.gz");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length * 2 / 3));
        long fullEvents = JSON.readTree(run("replay", full.toString(), "--json").out()).path("total_events").asLong();

        Result r = run("replay", cut.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode stats = JSON.readTree(r.out());   // stdout still exactly the stats
        assertThat(stats.path("total_events").asLong()).isBetween(fullEvents / 2, fullEvents - 1);
        assertThat(stats.path("source").path("bad_lines").asLong()).as("the cut line is lost, not bad").isZero();
        assertThat(r.err()).contains("warning", "damaged tail", "bytes", "1 cut line");

        Result table = run("replay", cut.toString());
        assertThat(table.code()).isZero();
        assertThat(table.out()).contains("events", "bad lines 0");
    }
}

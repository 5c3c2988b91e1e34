package dev.skbscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.sources.recording.GzipMembers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 with sessions running, then a restart on the same data directory: at most 1 s of each
 * session's stats is lost, {@code stopped_at} and the reason are set, every recording is valid gzip
 * and replays, and the stats can be rebuilt from a recording that holds more than the checkpoint.
 * SIGTERM stops every session the same way, "server shutdown". (The same with a live kernel session:
 * {@link CrashRecoveryKernelTest}.)
 */
class CrashRecoveryTest {
    @TempDir Path dir;

    /** The loss figures of the last run, printed for docs/reliability.md. */
    static void report(String what, Map<String, Long> lossMillis) {
        System.out.println("CRASH-FIGURES " + what + " stats lost per session (ms between the last checkpoint and the kill): " + lossMillis);
    }

    static Path replayRecording(Path dataDir) {
        Path rec = dataDir.resolve("recordings/replay.jsonl.gz");
        try {
            Files.createDirectories(rec.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "synth", "--rate", "1000", "--seconds", "30",
                "--out", rec.toString(), "--seed", "9");
        assertThat(code).as(err.toString()).isZero();
        return rec;
    }

    /**
     * Runs sessions on a server, kills it with SIGKILL, restarts, and checks each session. Returns
     * the restarted server (still running) and the loss per session.
     */
    static Map<String, Long> crashAndCheck(Path data, Path logs, Map<String, String> bodies) throws Exception {
        return crashAndCheck(data, logs, bodies, a -> { });
    }

    interface Check {
        void accept(ServerProcess server) throws Exception;
    }

    /** @param before runs on the first server before the sessions are created (a gate, a pid to remember) */
    static Map<String, Long> crashAndCheck(Path data, Path logs, Map<String, String> bodies, Check before) throws Exception {
        Map<String, String> ids = new LinkedHashMap<>();
        long killedAt;
        try (ServerProcess a = new ServerProcess(data, logs, data.resolveSibling("server-a.out"))) {
            before.accept(a);
            for (var e : bodies.entrySet()) ids.put(e.getKey(), a.create(e.getValue()));
            for (String id : ids.values()) {
                a.await("/api/sessions/" + id + "/stats", j -> j.path("stats").path("total_events").asLong() > 0, 30);
                a.await("/api/sessions/" + id + "/stats", j -> j.path("stats").path("uptime_seconds").asDouble() > 3, 30);
            }
            killedAt = a.kill9();
        }
        Map<String, Long> loss = new LinkedHashMap<>();
        try (ServerProcess b = new ServerProcess(data, logs, data.resolveSibling("server-b.out"))) {
            for (var e : ids.entrySet()) {
                String id = e.getValue();
                JsonNode info = b.get("/api/sessions/" + id);
                assertThat(info.path("state").asText()).as(e.getKey()).isEqualTo("interrupted");
                assertThat(info.path("reason").asText()).as(e.getKey()).isEqualTo("server stopped unexpectedly");
                assertThat(info.path("stopped_at").isNull()).as(e.getKey() + " stopped_at").isFalse();
                long stoppedAt = Instant.parse(info.path("stopped_at").asText()).toEpochMilli();
                long lost = killedAt - stoppedAt;
                loss.put(e.getKey(), lost);
                assertThat(lost).as(e.getKey() + ": ms of stats lost").isLessThanOrEqualTo(1000);
                JsonNode stats = b.get("/api/sessions/" + id + "/stats").path("stats");
                assertThat(stats.path("total_events").asLong()).as(e.getKey()).isPositive();
                assertThat(stats.path("taken_at_ms").asLong()).isEqualTo(stoppedAt);

                JsonNode check = b.await("/api/sessions/" + id, j -> !j.path("recording_check").path("state").asText("checking")
                        .equals("checking"), 60).path("recording_check");
                assertThat(check.path("state").asText()).as(e.getKey() + " " + check).isIn("complete", "repaired");
                long recorded = check.path("events").asLong();
                byte[] gz = b.download("/api/sessions/" + id + "/recording");
                assertValidGzip(gz);
                // total_events sums the events' sampling weights: a live session sampling under load
                // records one event of weight 8 where it counts 8, so compare weights with weights
                long[] lines = eventLinesAndWeights(gz);
                assertThat(lines[0]).as(e.getKey() + ": event lines in the downloaded recording").isEqualTo(recorded);
                long recordedWeight = lines[1];
                assertThat(recordedWeight).as(e.getKey() + ": the recording holds at least the checkpoint's events (weighted) " + check)
                        .isGreaterThanOrEqualTo(stats.path("total_events").asLong());
                Path copy = data.resolveSibling(e.getKey() + "-downloaded.jsonl.gz");
                Files.write(copy, gz);
                StringWriter out = new StringWriter(), err = new StringWriter();
                int code = Main.run(new PrintWriter(out), new PrintWriter(err), "replay", copy.toString(), "--json");
                assertThat(code).as(err.toString()).isZero();
                assertThat(err.toString()).as("a repaired recording replays without a warning").doesNotContain("warning");
                assertThat(ServerProcess.JSON.readTree(out.toString()).path("total_events").asLong()).isEqualTo(recordedWeight);

                if (check.has("note")) {
                    ServerProcess.Reply rebuilt = b.send("POST", "/api/sessions/" + id + "/rebuild", null);
                    assertThat(rebuilt.status()).as(rebuilt.body()).isEqualTo(200);
                    assertThat(b.get("/api/sessions/" + id + "/stats").path("stats").path("total_events").asLong()).isEqualTo(recordedWeight);
                }
            }
        }
        return loss;
    }

    /** The event lines of a gzip recording (header and comment lines left out) and the sum of their sampling weights. */
    static long[] eventLinesAndWeights(byte[] gz) throws IOException {
        long lines = 0, weight = 0;
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gz)),
                java.nio.charset.StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                JsonNode n = ServerProcess.JSON.readTree(line);
                if (n.has("format")) continue;   // the header line
                lines++;
                weight += n.path("weight").asLong(1);
            }
        }
        return new long[] {lines, weight};
    }

    static void assertValidGzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            in.readAllBytes();
        }
        try (GzipMembers in = new GzipMembers(new ByteArrayInputStream(gz))) {
            in.readAllBytes();
            assertThat(in.damage()).isNull();
        }
    }

    @Test
    void kill9LosesAtMostOneSecondAndEveryRecordingReplays() throws Exception {
        Path data = dir.resolve("data");
        replayRecording(data);
        Map<String, Long> loss = crashAndCheck(data, dir.resolve("logs"), new LinkedHashMap<>(Map.of(
                "synthetic", "{\"id\":\"syn\",\"source\":{\"kind\":\"synthetic\",\"rate\":5000,\"seed\":3}}",
                "replay", "{\"id\":\"rep\",\"source\":{\"kind\":\"replay\",\"path\":\"replay.jsonl.gz\",\"speed\":1}}")));
        report("synthetic+replay", loss);
    }

    @Test
    void sigtermStopsEverySessionTheSameWay() throws Exception {
        Path data = dir.resolve("data");
        replayRecording(data);
        List<String> ids;
        try (ServerProcess a = new ServerProcess(data, dir.resolve("logs"), dir.resolve("term.out"))) {
            ids = List.of(a.create("{\"source\":{\"kind\":\"synthetic\",\"rate\":5000}}"),
                    a.create("{\"source\":{\"kind\":\"replay\",\"path\":\"replay.jsonl.gz\",\"speed\":1}}"));
            for (String id : ids) a.await("/api/sessions/" + id + "/stats", j -> j.path("stats").path("total_events").asLong() > 0, 30);
            assertThat(a.term()).isZero();
        }
        try (ServerProcess b = new ServerProcess(data, dir.resolve("logs"), dir.resolve("term-b.out"))) {
            for (String id : ids) {
                JsonNode info = b.get("/api/sessions/" + id);
                assertThat(info.path("state").asText()).as(id).isEqualTo("stopped");
                assertThat(info.path("reason").asText()).as(id).isEqualTo("server shutdown");
                assertValidGzip(b.download("/api/sessions/" + id + "/recording"));
            }
        }
    }
}

package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every REST endpoint and its error paths, over real HTTP against a server on an ephemeral port. */
class ServerApiTest {
    @TempDir static Path dir;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(dir.resolve("data/recordings"));
        Files.writeString(dir.resolve("data/recordings/tiny.jsonl"), "{\"ts_ns\":1,\"probe\":\"ip_rcv\",\"skb\":\"0x1\"}\n");
        Files.writeString(dir.resolve("outside.jsonl"), "{\"ts_ns\":1,\"probe\":\"ip_rcv\",\"skb\":\"0x1\"}\n");
        t = new TestServer(ServerConfig.defaults(dir.resolve("data")).withPort(0).withIntervals(200, 300).withMaxSessions(4));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static String create(String body) throws Exception { return t.createSession(body); }

    @Test
    void healthAndCapabilities() throws Exception {
        TestServer.Reply h = t.get("/api/health");
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.json().path("status").asText()).isEqualTo("ok");
        assertThat(h.json().path("live").path("available").asBoolean()).isTrue();
        TestServer.Reply c = t.get("/api/capabilities");
        assertThat(c.json().path("modes").path("full").path("available").asBoolean()).isTrue();
        assertThat(c.json().path("sources").toString()).contains("synthetic", "replay", "live");
    }

    @Test
    void createTrackStopAndRestart() throws Exception {
        String id = create("{\"mode\":\"full\",\"max_functions\":20}");
        assertThat(id).matches("session_\\d+");
        JsonNode stats = t.await("/api/sessions/" + id + "/stats", j -> j.path("stats").path("total_events").asLong() > 0);
        assertThat(stats.path("session_id").asText()).isEqualTo(id);
        assertThat(stats.path("stats").path("mode").asText()).isEqualTo("full");
        // the seed's tracking endpoints see the same session
        JsonNode seedStats = t.get("/api/session/" + id + "/stats").json();
        assertThat(seedStats.path("stats").path("total_events").asLong()).isPositive();
        assertThat(t.get("/api/session/list").json().path("running").toString()).contains(id);
        JsonNode info = t.get("/api/sessions/" + id).json();
        assertThat(info.path("state").asText()).isEqualTo("running");
        assertThat(info.path("max_functions").asInt()).isEqualTo(20);

        TestServer.Reply stop = t.post("/api/session/" + id + "/stop", null);
        assertThat(stop.status()).isEqualTo(200);
        assertThat(stop.json().path("session").path("state").asText()).isEqualTo("stopped");
        JsonNode last = t.get("/api/sessions/" + id + "/stats").json();
        assertThat(last.path("state").asText()).isEqualTo("stopped");
        long frozen = last.path("stats").path("total_events").asLong();
        // a witness session publishes two more ticks: the stopped one's stats must not have moved meanwhile
        String witness = create("{}");
        long stoppedAt = last.path("stats").path("taken_at_ms").asLong();
        t.await("/api/sessions/" + witness + "/stats", j -> j.path("stats").path("taken_at_ms").asLong() > stoppedAt + 400);
        JsonNode later = t.get("/api/sessions/" + id + "/stats").json().path("stats");
        assertThat(later.path("total_events").asLong()).isEqualTo(frozen);
        assertThat(later.path("taken_at_ms").asLong()).isEqualTo(stoppedAt);
        t.delete("/api/sessions/" + witness + "?purge=true");
        Path sdir = dir.resolve("data/sessions/" + id);
        assertThat(ServerJson.MAPPER.readTree(sdir.resolve("session.json").toFile()).path("state").asText()).isEqualTo("stopped");
        assertThat(ServerJson.MAPPER.readTree(sdir.resolve("stats.json").toFile()).path("total_events").asLong()).isEqualTo(frozen);

        TestServer.Reply dl = t.get("/api/sessions/" + id + "/stats.json");
        assertThat(dl.raw().headers().firstValue("Content-Disposition").orElse("")).contains("attachment");

        TestServer.Reply restart = t.post("/api/session/" + id + "/start", null);
        assertThat(restart.json().path("status").asText()).isEqualTo("started");
        assertThat(t.post("/api/session/" + id + "/start", null).json().path("status").asText()).isEqualTo("already running");
        TestServer.Reply del = t.delete("/api/sessions/" + id);
        assertThat(del.json().path("state").asText()).isEqualTo("stopped");
        assertThat(t.get("/api/sessions").json().path("sessions").toString()).contains(id);
        assertThat(t.delete("/api/sessions/" + id + "?purge=true").json().path("status").asText()).isEqualTo("purged");
        assertThat(t.get("/api/sessions/" + id).status()).isEqualTo(404);
        assertThat(sdir).doesNotExist();
    }

    @Test
    void startCreatesASessionUnderTheGivenId() throws Exception {
        TestServer.Reply r = t.post("/api/session/my-trace_1/start", "{\"mode\":\"nft\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("session").path("mode").asText()).isEqualTo("nft");
        assertThat(t.post("/api/sessions", "{\"id\":\"my-trace_1\"}").status()).isEqualTo(409);
        t.delete("/api/sessions/my-trace_1?purge=true");
    }

    @Test
    void filterAppliesBeforeTheTracker() throws Exception {
        String all = create("{}");
        String none = create("{\"filter\":{\"protocol\":\"icmp\"}}");
        String tcp = create("{\"filter\":{\"protocol\":\"tcp\",\"host\":\"198.18.0.0/15\",\"dport\":80}}");
        t.await("/api/sessions/" + tcp + "/stats", j -> j.path("stats").path("total_events").asLong() > 100);
        t.post("/api/session/" + all + "/stop", null);
        t.post("/api/session/" + none + "/stop", null);
        t.post("/api/session/" + tcp + "/stop", null);
        assertThat(t.get("/api/sessions/" + none + "/stats").json().path("stats").path("total_events").asLong()).isZero();
        // the sessions are stopped one after the other, so compare packet rates, not totals
        JsonNode a = t.get("/api/sessions/" + all + "/stats").json().path("stats");
        JsonNode b = t.get("/api/sessions/" + tcp + "/stats").json().path("stats");
        assertThat(b.path("total_packets").asLong()).isPositive();
        double rateAll = a.path("total_packets").asLong() / a.path("uptime_seconds").asDouble();
        double rateTcp = b.path("total_packets").asLong() / b.path("uptime_seconds").asDouble();
        assertThat(rateTcp).isLessThan(0.8 * rateAll);
        JsonNode listed = null;
        for (JsonNode n : t.get("/api/sessions").json().path("sessions")) if (n.path("id").asText().equals(all)) listed = n;
        assertThat(listed).isNotNull();
        assertThat(listed.path("drops").asLong()).isEqualTo(a.path("drops").asLong());
        assertThat(listed.path("uptime_seconds").asDouble()).isEqualTo(a.path("uptime_seconds").asDouble());
        for (String id : new String[]{all, none, tcp}) t.delete("/api/sessions/" + id + "?purge=true");
    }

    @Test
    void badInputIs400NamingTheField() throws Exception {
        assertBad("{bad json", "body");
        assertBad("[1,2]", "body");
        assertBad("{\"mode\":\"turbo\"}", "mode");
        assertBad("{\"max_functions\":0}", "max_functions");
        assertBad("{\"max_functions\":1001}", "max_functions");
        assertBad("{\"max_functions\":\"many\"}", "max_functions");
        assertBad("{\"filter\":{\"src\":\"300.1.1.1/8\"}}", "filter.src");
        assertBad("{\"filter\":{\"host\":\"example.com\"}}", "filter.host");
        assertBad("{\"filter\":{\"dport\":70000}}", "filter.dport");
        assertBad("{\"filter\":{\"colour\":\"red\"}}", "filter.colour");
        assertBad("{\"filter\":{\"protocol\":\"carrier-pigeon\"}}", "filter.protocol");
        assertBad("{\"source\":{\"kind\":\"tape\"}}", "source.kind");
        assertBad("{\"source\":{\"kind\":\"replay\"}}", "source.path");
        assertBad("{\"source\":{\"kind\":\"replay\",\"path\":\"../outside.jsonl\"}}", "source.path");
        assertBad("{\"source\":{\"kind\":\"replay\",\"path\":\"" + dir.resolve("outside.jsonl") + "\"}}", "source.path");
        assertBad("{\"source\":{\"kind\":\"replay\",\"path\":\"missing.jsonl\"}}", "source.path");
        assertBad("{\"source\":{\"kind\":\"replay\",\"path\":\"tiny.jsonl\",\"speed\":-1}}", "source.speed");
        assertBad("{\"source\":{\"kind\":\"synthetic\",\"rate\":0}}", "source.rate");
        assertBad("{\"source\":{\"kind\":\"synthetic\",\"drop_share\":2}}", "source.drop_share");
        assertBad("{\"id\":\"../etc\"}", "id");
        TestServer.Reply r = t.post("/api/session/bad%20id/start", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(t.get("/api/sessions").json().path("count").asInt()).isZero();
    }

    private static void assertBad(String body, String field) throws Exception {
        TestServer.Reply r = t.post("/api/sessions", body);
        assertThat(r.status()).as(body).isEqualTo(400);
        assertThat(r.json().path("error").asText()).as(body).startsWith(field);
    }

    @Test
    void unknownIdsAre404() throws Exception {
        for (String p : new String[]{"/api/sessions/nope", "/api/sessions/nope/stats", "/api/sessions/nope/stats.json",
                "/api/sessions/nope/recording", "/api/session/nope/stats", "/api/nothing-here"}) {
            TestServer.Reply r = t.get(p);
            assertThat(r.status()).as(p).isEqualTo(404);
            assertThat(r.json().path("error").asText()).as(p).isNotEmpty();
        }
        assertThat(t.delete("/api/sessions/nope").status()).isEqualTo(404);
        assertThat(t.post("/api/session/nope/stop", null).status()).isEqualTo(404);
    }

    @Test
    void sessionLimitIs409() throws Exception {
        String[] ids = new String[4];
        for (int i = 0; i < 4; i++) ids[i] = create("{}");
        TestServer.Reply r = t.post("/api/sessions", "{}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().path("error").asText()).contains("limit is 4");
        for (String id : ids) t.delete("/api/sessions/" + id + "?purge=true");
        String again = create("{}");
        t.delete("/api/sessions/" + again + "?purge=true");
    }

    @Test
    void realtimeTracerSeesEverySession() throws Exception {
        assertThat(t.post("/api/realtime/enable", null).json().path("enabled").asBoolean()).isTrue();
        String id = create("{}");
        t.await("/api/realtime/stats", j -> j.path("stats").path("total_events").asLong() > 0);
        assertThat(t.post("/api/realtime/disable", null).json().path("enabled").asBoolean()).isFalse();
        assertThat(t.post("/api/realtime/reset", null).json().path("reset").asBoolean()).isTrue();
        // disabled, then reset: nothing is counted any more
        assertThat(t.get("/api/realtime/stats").json().path("stats").path("total_events").asLong()).isZero();
        t.delete("/api/sessions/" + id + "?purge=true");
    }

    @Test
    void metricsExposeSessionsAndServerHealth() throws Exception {
        String id = create("{}");
        t.await("/api/sessions/" + id + "/stats", j -> j.path("stats").path("total_events").asLong() > 0);
        String m = t.get("/metrics").raw().body();
        assertThat(m).contains("skbscope_session_events_total{mode=\"full\",session=\"" + id + "\"}",
                "skbscope_node_events_total{node=\"l4_rx\",session=\"" + id + "\"}",
                "skbscope_node_latency_seconds_bucket{node=\"nf_prerouting\",session=\"" + id + "\",le=",
                "skbscope_sessions{state=\"running\"}", "skbscope_socketio_clients",
                "skbscope_socketio_emit_loop_seconds_bucket", "skbscope_source_lost_events_total",
                "skbscope_source_sample_one_in{session=\"" + id + "\"} 1.0");
        t.delete("/api/sessions/" + id + "?purge=true");
    }

    @Test
    void bodyLimitAndCrossOrigin() throws Exception {
        String big = "{\"x\":\"" + "a".repeat(2 << 20) + "\"}";
        assertThat(t.post("/api/sessions", big).status()).isEqualTo(413);
        TestServer.Reply evil = t.send("GET", "/api/sessions", null, "Origin", "http://evil.example");
        assertThat(evil.status()).isEqualTo(403);
        TestServer.Reply dev = t.send("GET", "/api/sessions", null, "Origin", "http://localhost:5173");
        assertThat(dev.status()).isEqualTo(200);
        assertThat(dev.raw().headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:5173");
    }

    @Test
    void uiFallbackServesHtmlOutsideTheApi() throws Exception {
        TestServer.Reply root = t.get("/");
        assertThat(root.status()).isEqualTo(200);
        assertThat(root.raw().body()).contains("skbscope");
        assertThat(t.get("/sessions/session_1/realtime").status()).isEqualTo(200);
    }

    @Test
    void aRunningSessionsRecordingDownloadsAsACompleteGzipFile() throws Exception {
        String id = create("{\"source\":{\"kind\":\"synthetic\",\"rate\":20000,\"seed\":5}}");
        // until the session's first checkpoint with events in it (one a second); every download must be complete
        List<String> lines = List.of();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (lines.size() <= 100) {
            assertThat(System.nanoTime()).as("a checkpoint with over 100 events within 15 s").isLessThan(deadline);
            java.net.http.HttpResponse<byte[]> r = t.getBytes("/api/sessions/" + id + "/recording");
            assertThat(r.statusCode()).isEqualTo(200);
            // a truncated gzip member would throw here (EOFException: unexpected end of ZLIB input stream)
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(r.body()))) {
                // comments (the source counters each second) are part of the format: readers skip them
                lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
            }
            if (lines.size() <= 100) Thread.sleep(100);
        }
        assertThat(lines.getFirst()).contains("\"format\":\"pipeline-trace\"");
        assertThat(lines.size()).isGreaterThan(100);
        for (String l : lines) assertThat(ServerJson.MAPPER.readTree(l).isObject()).as(l).isTrue();
        assertThat(t.get("/api/sessions/" + id).json().path("state").asText()).isEqualTo("running");
        t.delete("/api/sessions/" + id + "?purge=true");
    }
}

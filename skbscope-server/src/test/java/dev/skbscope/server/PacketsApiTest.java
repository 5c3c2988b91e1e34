package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /api/sessions/{id}/packets and …/packets/{packet_id} over real HTTP: filters, paging, exemplars, errors. */
class PacketsApiTest {
    @TempDir static Path dir;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(dir.resolve("data/recordings"));
        try (InputStream in = PacketsApiTest.class.getResourceAsStream("/spec/sample-full.jsonl")) {
            Files.copy(in, dir.resolve("data/recordings/sample-full.jsonl"));
        }
        t = new TestServer(ServerConfig.defaults(dir.resolve("data")).withPort(0).withIntervals(200, 300));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static List<String> ids(JsonNode page) {
        List<String> l = new ArrayList<>();
        page.path("packets").forEach(p -> l.add(p.path("id").asText()));
        return l;
    }

    private static JsonNode ok(String path) throws Exception {
        TestServer.Reply r = t.get(path);
        assertThat(r.status()).as(path + ": " + r.raw().body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void aReplaySessionsPacketsAreTheSameLiveAndFromItsRecording() throws Exception {
        String id = t.createSession("{\"id\":\"sample\",\"source\":{\"kind\":\"replay\",\"path\":\"sample-full.jsonl\",\"speed\":0}}");
        t.await("/api/sessions/" + id, s -> s.path("state").asText().equals("finished"));
        String base = "/api/sessions/" + id + "/packets";

        JsonNode dropped = ok(base + "?end=dropped&limit=100");
        assertThat(dropped.path("from").asText()).isEqualTo("live");
        assertThat(dropped.path("count").asInt()).isEqualTo(15);
        assertThat(dropped.path("matched").asLong()).isEqualTo(15);
        assertThat(dropped.path("next_cursor").isMissingNode()).isTrue();
        assertThat(ids(dropped)).endsWith("6");
        dropped.path("packets").forEach(p -> {
            assertThat(p.path("drop").path("reason").asText()).isEqualTo("NETFILTER_DROP");
            assertThat(p.has("hops")).isFalse();   // list views: no hops
        });
        JsonNode withHops = ok(base + "?end=dropped&limit=100&detail=true");
        assertThat(withHops.path("packets").get(14).path("hops").size()).isEqualTo(6);
        JsonNode six = ok(base + "/6");
        assertThat(six.path("skb").asText()).isEqualTo("0xffff888100000500");
        assertThat(six.path("hops").size()).isEqualTo(6);
        assertThat(six.path("hops").get(3).path("node").asText()).isEqualTo("conntrack");
        assertThat(six.path("hops").get(3).path("spent_us").asDouble()).isEqualTo(7.0);
        assertThat(six.path("verdicts").get(1).path("verdict").asText()).isEqualTo("DROP");

        // the same questions asked of the session's recording give the same packets
        for (String q : List.of("?end=dropped&limit=100", "?node=l4_rx&min_latency_us=60&limit=100", "?path=forward&limit=100",
                "?end=completed&limit=40")) {
            JsonNode live = ok(base + q), rec = ok(base + q + "&from=recording");
            assertThat(rec.path("from").asText()).isEqualTo("recording");
            assertThat(rec.path("packets")).as(q).isEqualTo(live.path("packets"));
        }
        assertThat(ok(base + "/6?from=recording")).isEqualTo(six);
        // the recording also has the packets still in flight at its end
        assertThat(ok(base + "?end=in_flight&from=recording").path("count").asInt()).isEqualTo(5);
        assertThat(ok(base + "?end=in_flight").path("count").asInt()).isZero();
    }

    @Test
    void filtersPagingAndExemplarsOfALiveSession() throws Exception {
        String id = t.createSession("{\"source\":{\"kind\":\"synthetic\",\"rate\":4000,\"seed\":3,\"drop_share\":0.2}}");
        String base = "/api/sessions/" + id + "/packets";
        JsonNode stats = t.await("/api/sessions/" + id + "/stats",
                s -> s.path("stats").path("packets_kept").asLong() >= 1500 && s.path("stats").path("drop_exemplars").size() >= 2);
        t.delete("/api/sessions/" + id);   // stop: the kept packets stay for queries
        stats = ok("/api/sessions/" + id + "/stats").path("stats");

        // every filter keeps only packets that match it
        JsonNode udpDrops = ok(base + "?proto=udp&end=dropped&drop_reason=NO_SOCKET&limit=500");
        assertThat(udpDrops.path("count").asInt()).isPositive();
        udpDrops.path("packets").forEach(p -> {
            assertThat(p.path("proto").asText()).isEqualTo("udp");
            assertThat(p.path("drop").path("reason").asText()).isEqualTo("NO_SOCKET");
            assertThat(p.path("drop").path("node").asText()).isEqualTo("l4_rx");
        });
        JsonNode fwd = ok(base + "?path=forward&dst=198.19.0.0/16&limit=500");
        assertThat(fwd.path("count").asInt()).isPositive();
        fwd.path("packets").forEach(p -> {
            assertThat(p.path("path").asText()).isEqualTo("forward");
            assertThat(p.path("dst").asText()).startsWith("198.19.");
            assertThat(p.path("nodes").toString()).contains("nf_forward");
        });
        JsonNode https = ok(base + "?host=198.18.0.1&port=443&limit=500");
        https.path("packets").forEach(p -> {
            assertThat(List.of(p.path("src").asText(), p.path("dst").asText())).contains("198.18.0.1");
            assertThat(List.of(p.path("sport").asInt(), p.path("dport").asInt())).contains(443);
        });
        double p99 = stats.path("nodes").path("conntrack").path("p99_us").asDouble();
        JsonNode slow = ok(base + "?node=conntrack&min_latency_us=" + p99 + "&limit=500");
        assertThat(slow.path("count").asInt()).isPositive();
        slow.path("packets").forEach(p -> assertThat(p.path("node_latency_us").asDouble()).isGreaterThanOrEqualTo(p99 - 0.001));

        // pages: newest first, no gap, no duplicate, down to the last page
        long matched = ok(base + "?limit=1").path("matched").asLong();
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = ok(base + "?limit=400" + (cursor == null ? "" : "&cursor=" + cursor));
            for (JsonNode p : page.path("packets")) {
                assertThat(seen.add(p.path("id").asText())).isTrue();
            }
            cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
            pages++;
        } while (cursor != null && pages < 100);
        assertThat((long) seen.size()).isEqualTo(matched);
        assertThat(pages).isGreaterThan(2);

        // exemplar ids in the stats open whole journeys that fit them
        int resolved = 0;
        for (var it = stats.path("nodes").fields(); it.hasNext(); ) {
            var n = it.next();
            if (!n.getValue().has("p99_exemplar")) continue;
            JsonNode p = ok(base + "/" + n.getValue().path("p99_exemplar").asText());
            double at = 0;
            for (JsonNode h : p.path("hops")) if (h.path("node").asText().equals(n.getKey())) at = Math.max(at, h.path("spent_us").asDouble());
            assertThat(at).as(n.getKey()).isGreaterThanOrEqualTo(n.getValue().path("p99_us").asDouble() - 0.001);
            resolved++;
        }
        assertThat(resolved).isGreaterThan(5);
        for (var it = stats.path("drop_exemplars").fields(); it.hasNext(); ) {
            var e = it.next();
            assertThat(ok(base + "/" + e.getValue().asText()).path("drop").path("reason").asText()).isEqualTo(e.getKey());
        }

        // OpenMetrics: node latency buckets carry exemplars naming packets whose time at the node is in the bucket
        TestServer.Reply m = t.send("GET", "/metrics", null, "Accept", "application/openmetrics-text; version=1.0.0");
        assertThat(m.raw().headers().firstValue("Content-Type").orElse("")).contains("openmetrics");
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "skbscope_node_latency_seconds_bucket\\{node=\"([a-z0-9_]+)\",session=\"" + id + "\",le=\"([^\"]+)\"\\}"
                        + " \\d+ # \\{packet_id=\"(\\d+)\",trace_id=\"\\3\"\\} ([0-9.eE+-]+) [0-9.]+");
        int exemplars = 0;
        double lower = 0;
        String lastNode = "";
        for (String l : m.raw().body().split("\n")) {
            if (!l.startsWith("skbscope_node_latency_seconds_bucket{") || !l.contains("session=\"" + id + "\"")) continue;
            var x = line.matcher(l);
            String node = l.replaceAll(".*node=\"([a-z0-9_]+)\".*", "$1");
            if (!node.equals(lastNode)) { lower = 0; lastNode = node; }
            String le = l.replaceAll(".*le=\"([^\"]+)\".*", "$1");
            double upper = le.equals("+Inf") ? Double.MAX_VALUE : Double.parseDouble(le);
            if (x.matches()) {
                double v = Double.parseDouble(x.group(4));
                assertThat(v).as(l).isGreaterThan(lower).isLessThanOrEqualTo(upper);
                JsonNode p = ok(base + "/" + x.group(3));
                boolean hop = false;
                for (JsonNode h : p.path("hops")) {
                    hop |= h.path("node").asText().equals(node) && Math.abs(h.path("spent_us").asDouble() / 1e6 - v) < 1e-9;
                }
                assertThat(hop).as(l).isTrue();
                exemplars++;
            }
            lower = upper;
        }
        assertThat(exemplars).isGreaterThan(10);
        t.delete("/api/sessions/" + id + "?purge=true");
    }

    @Test
    void packetHistoryBoundsWhatASessionKeeps() throws Exception {
        String id = t.createSession("{\"packet_history\":300,\"source\":{\"kind\":\"synthetic\",\"rate\":3000,\"seed\":2}}");
        assertThat(ok("/api/sessions/" + id).path("packet_history").asInt()).isEqualTo(300);
        JsonNode stats = t.await("/api/sessions/" + id + "/stats", s -> s.path("stats").path("total_packets").asLong() > 2000
                && s.path("stats").path("packets_kept").asLong() > 0);
        long kept = ok("/api/sessions/" + id + "/packets?limit=10000").path("kept").asLong();
        assertThat(kept).isBetween(300L, 300L + 1024L);   // the ring, and the exemplars pinned out of it
        t.delete("/api/sessions/" + id + "?purge=true");

        String none = t.createSession("{\"packet_history\":0,\"source\":{\"kind\":\"synthetic\",\"rate\":1000,\"seed\":2}}");
        t.await("/api/sessions/" + none + "/stats", s -> s.path("stats").path("total_packets").asLong() > 100);
        JsonNode st = ok("/api/sessions/" + none + "/stats").path("stats");
        assertThat(st.has("packets_kept")).isFalse();
        assertThat(st.path("nodes").path("gro").has("p99_exemplar")).isFalse();
        TestServer.Reply r = t.get("/api/sessions/" + none + "/packets");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().path("error").asText()).contains("packet_history 0");
        t.delete("/api/sessions/" + none);
        assertThat(ok("/api/sessions/" + none + "/packets?end=completed&limit=5").path("from").asText()).isEqualTo("recording");
        t.delete("/api/sessions/" + none + "?purge=true");
    }

    @Test
    void badQueriesAre400NamingTheParameterAndUnknownIds404() throws Exception {
        String id = t.createSession("{\"source\":{\"kind\":\"synthetic\",\"rate\":500,\"seed\":1}}");
        String base = "/api/sessions/" + id + "/packets";
        for (String[] bad : new String[][]{{"sport=70000", "sport:"}, {"colour=red", "colour:"}, {"limit=0", "limit:"},
                {"limit=10001", "limit:"}, {"cursor=nope", "cursor:"}, {"src=example.com", "src:"}, {"host=10.0.0.0/40", "host:"},
                {"node=nowhere", "node:"}, {"end=gone", "end:"}, {"min_latency_us=-1", "min_latency_us:"},
                {"since=yesterday", "since:"}, {"port=1&port=2", "port:"}, {"from=elsewhere", "from:"},
                {"verdict=MAYBE", "verdict:"}, {"netns=x", "netns:"}, {"detail=yes", "detail:"}}) {
            TestServer.Reply r = t.get(base + "?" + bad[0]);
            assertThat(r.status()).as(bad[0]).isEqualTo(400);
            assertThat(r.json().path("error").asText()).as(bad[0]).startsWith(bad[1]);
        }
        TestServer.Reply running = t.get(base + "?from=recording");
        assertThat(running.status()).isEqualTo(409);
        assertThat(running.json().path("error").asText()).startsWith("from:");
        for (String unknown : List.of("99999999", "abc", "0", "-1")) {
            TestServer.Reply r = t.get(base + "/" + unknown);
            assertThat(r.status()).as(unknown).isEqualTo(404);
            assertThat(r.json().path("error").asText()).startsWith("packet_id:");
        }
        TestServer.Reply tooMany = t.post("/api/sessions", "{\"packet_history\":2000000,\"source\":{\"kind\":\"synthetic\"}}");
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.json().path("error").asText()).startsWith("packet_history");
        assertThat(t.get("/api/sessions/nope/packets").status()).isEqualTo(404);
        assertThat(t.get("/api/sessions/nope/packets/1").status()).isEqualTo(404);
        t.delete("/api/sessions/" + id + "?purge=true");
    }
}

package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.sources.recording.RecordingWriter;
import dev.skbscope.sources.synthetic.SyntheticConfig;
import dev.skbscope.sources.synthetic.SyntheticSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/sessions/{a}/compare/{b}} over real HTTP, on replayed synthetic recordings. */
class CompareApiTest {
    @TempDir Path dir;

    static void synth(Path file, long seed, double dropShare, Map<String, Double> slow) throws Exception {
        try (SyntheticSource s = new SyntheticSource(new SyntheticConfig(4000, seed, dropShare, 3, false, slow));
             RecordingWriter w = new RecordingWriter(file, Map.of("mode", "full"))) {
            EventBatch b = new EventBatch(4096);
            while (s.poll(b) >= 0) {
                for (int i = 0; i < b.size(); i++) w.write(b.get(i));
                b.reset();
            }
        }
    }

    private static String replay(TestServer t, String id, String file) throws Exception {
        return t.createSession("{\"id\":\"" + id + "\",\"record\":false,\"source\":{\"kind\":\"replay\",\"path\":\"" + file + "\",\"speed\":0}}");
    }

    private static void awaitFinished(TestServer t, String id) throws Exception {
        t.await("/api/sessions/" + id, j -> j.path("state").asText().equals("finished"));
    }

    @Test
    void comparesTwoSessionsAndNamesWhatChanged() throws Exception {
        Path rec = dir.resolve("data/recordings");
        java.nio.file.Files.createDirectories(rec);
        synth(rec.resolve("before.jsonl.gz"), 1, 0.05, Map.of());
        synth(rec.resolve("after.jsonl.gz"), 2, 0.05, Map.of("routing_decision", 3.0));
        try (TestServer t = new TestServer(dir.resolve("data"))) {
            replay(t, "before", "before.jsonl.gz");
            replay(t, "after", "after.jsonl.gz");
            awaitFinished(t, "before");
            awaitFinished(t, "after");

            TestServer.Reply r = t.get("/api/sessions/before/compare/after");
            assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
            JsonNode c = r.json();
            assertThat(c.path("a").path("name").asText()).isEqualTo("before");
            assertThat(c.path("b").path("name").asText()).isEqualTo("after");
            assertThat(significant(c)).containsExactly("routing_decision");
            JsonNode first = c.path("nodes").get(0);
            assertThat(first.path("p50_us").path("significant").asBoolean()).isTrue();
            assertThat(first.path("p50_us").path("change").asDouble()).isBetween(1.5, 2.5);
            assertThat(first.path("summary").get(0).asText()).startsWith("p50 ");

            JsonNode same = t.get("/api/sessions/before/compare/before").json();
            assertThat(same.path("significant_nodes").asInt()).isZero();
            assertThat(significant(same)).isEmpty();
        }
        // after a restart the sessions are known only by their saved stats: still comparable
        try (TestServer t = new TestServer(dir.resolve("data"))) {
            TestServer.Reply r = t.get("/api/sessions/before/compare/after");
            assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
            assertThat(significant(r.json())).containsExactly("routing_decision");
        }
    }

    @Test
    void errorsAreJsonNamingTheField() throws Exception {
        try (TestServer t = new TestServer(dir.resolve("data"))) {
            String id = t.createSession("{\"source\":{\"kind\":\"synthetic\",\"rate\":500}}");
            TestServer.Reply missing = t.get("/api/sessions/" + id + "/compare/nope");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.json().path("error").asText()).isEqualTo("b: session not found: nope");
            TestServer.Reply missingA = t.get("/api/sessions/nope/compare/" + id);
            assertThat(missingA.status()).isEqualTo(404);
            assertThat(missingA.json().path("error").asText()).startsWith("a: ");
            TestServer.Reply bad = t.get("/api/sessions/" + id + "/compare/a%20b");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().path("error").asText()).startsWith("b: must be 1-64 characters");
            TestServer.Reply query = t.get("/api/sessions/" + id + "/compare/" + id + "?sort=x");
            assertThat(query.status()).isEqualTo(400);
            assertThat(query.json().path("error").asText()).startsWith("sort: unknown query parameter");
            TestServer.Reply self = t.get("/api/sessions/" + id + "/compare/" + id);
            assertThat(self.status()).isEqualTo(200);
        }
    }

    static List<String> significant(JsonNode c) {
        List<String> ids = new ArrayList<>();
        for (JsonNode n : c.path("nodes")) if (n.path("significant").asBoolean()) ids.add(n.path("id").asText());
        return ids;
    }
}

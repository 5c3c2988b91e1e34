package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Sessions survive a restart: stopped ones with their final stats, crashed ones as "interrupted". */
class PersistenceTest {
    @TempDir Path dir;

    @Test
    void sessionsAreListedAfterARestart() throws Exception {
        String id;
        long events;
        try (TestServer t = new TestServer(dir)) {
            id = t.post("/api/sessions", "{\"mode\":\"multifunction\"}").json().path("session_id").asText();
            t.await("/api/sessions/" + id + "/stats", j -> j.path("stats").path("total_events").asLong() > 0);
            // stats.json is rewritten while running
            Path stats = dir.resolve("sessions/" + id + "/stats.json");
            long end = System.currentTimeMillis() + 5000;
            while (!Files.exists(stats) && System.currentTimeMillis() < end) Thread.sleep(50);
            assertThat(stats).exists();
        }
        // close() stopped and flushed the session
        try (TestServer t = new TestServer(dir)) {
            JsonNode info = t.get("/api/sessions/" + id).json();
            assertThat(info.path("state").asText()).isEqualTo("stopped");
            assertThat(info.path("mode").asText()).isEqualTo("multifunction");
            events = t.get("/api/sessions/" + id + "/stats").json().path("stats").path("total_events").asLong();
            assertThat(events).isPositive();
            // new ids continue after the old ones
            String next = t.post("/api/sessions", "{}").json().path("session_id").asText();
            assertThat(next).isNotEqualTo(id);
            t.delete("/api/sessions/" + next + "?purge=true");
        }
        // a process that died while the session ran left state "running" on disk
        Path info = dir.resolve("sessions/" + id + "/session.json");
        ObjectNode n = (ObjectNode) ServerJson.MAPPER.readTree(info.toFile());
        n.put("state", "running");
        Files.write(info, ServerJson.MAPPER.writeValueAsBytes(n));
        try (TestServer t = new TestServer(dir)) {
            assertThat(t.get("/api/sessions/" + id).json().path("state").asText()).isEqualTo("interrupted");
            assertThat(t.get("/api/sessions/" + id + "/stats").json().path("stats").path("total_events").asLong()).isEqualTo(events);
            assertThat(t.get("/api/sessions").json().path("sessions").get(0).path("state").asText()).isEqualTo("interrupted");
            // and it can be started again
            assertThat(t.post("/api/session/" + id + "/start", null).json().path("session").path("state").asText()).isEqualTo("running");
        }
    }
}

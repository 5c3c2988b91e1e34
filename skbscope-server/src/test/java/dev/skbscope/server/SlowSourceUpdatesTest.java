package dev.skbscope.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The emit loop asks session threads for each tick's stats; a session whose source blocks in poll
 * for longer than the emit period cannot answer in time, and its room must still get an update
 * every period (built on the loop shortly after the tick), not every other one.
 */
class SlowSourceUpdatesTest {
    @TempDir Path dir;

    @Test
    void roomOfASessionBlockedInItsSourceStillGetsEveryTick() throws Exception {
        ServerConfig config = ServerConfig.defaults(dir).withPort(0).withIntervals(200, 300);
        try (TestServer t = new TestServer(config, LiveBackends.of(List.of(new FakeLiveBackend(1_000))))) {
            String session = t.post("/api/sessions", "{}").json().path("session_id").asText();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            SocketIoFrames frames = new SocketIoFrames(http, t.base);
            LinkedBlockingQueue<String> in = frames.in;
            WebSocket ws = frames.ws;
            ws.sendText("40", true).get();
            ws.sendText("42[\"join_session\",{\"session_id\":\"" + session + "\"}]", true).get();
            frames.next("42[\"session_stats_update\"");
            Thread.sleep(1_000);   // past the first ticks of the room
            in.clear();
            Thread.sleep(3_000);
            long updates = in.stream().filter(s -> s.startsWith("42[\"session_stats_update\"")).count();
            // 15 ticks in 3 s; waiting for the blocked thread instead would give ~9 (every other tick + its wake-ups)
            assertThat(updates).as("updates in 3 s at a 200 ms period, source blocking 1 s per poll").isBetween(12L, 17L);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get();
        }
    }
}

package dev.skbscope.server;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.sources.EventSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session whose source has events only once a second still publishes its stats at every tick:
 * its source's poll returns within {@link EventSource#MAX_BLOCK_NANOS} (it blocked a whole second
 * before), so the session thread is never stuck past a tick's publish time.
 */
class SlowSourceUpdatesTest {
    private static final long PERIOD_MS = 300;
    @TempDir Path dir;

    @Test
    void aSourceWithEventsEverySecondPollsWithinTheBlockingLimit() throws Exception {
        EventSource src = new FakeLiveBackend(1_000).open(null);
        EventBatch batch = new EventBatch(1024);
        int events = 0;
        for (int i = 0; i < 15; i++) {
            batch.reset();
            long t0 = System.nanoTime();
            events += src.poll(batch);
            // generous slack for a loaded machine; the broken source blocked 1,000 ms
            assertThat((System.nanoTime() - t0) / 1e6).as("poll %d, ms", i).isLessThan(EventSource.MAX_BLOCK_NANOS / 1e6 + 250);
        }
        assertThat(events).as("events of the bursts due meanwhile").isPositive();
        src.close();
    }

    @Test
    void roomOfASessionWithASlowSourceGetsAnUpdateAtEveryTick() throws Exception {
        ServerConfig config = ServerConfig.defaults(dir).withPort(0).withIntervals(PERIOD_MS, 300);
        try (TestServer t = new TestServer(config, LiveBackends.of(List.of(new FakeLiveBackend(1_000))))) {
            String session = t.post("/api/sessions", "{}").json().path("session_id").asText();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            SocketIoFrames frames = new SocketIoFrames(http, t.base);
            WebSocket ws = frames.ws;
            ws.sendText("40", true).get();
            ws.sendText("42[\"join_session\",{\"session_id\":\"" + session + "\"}]", true).get();
            Pattern uptime = Pattern.compile("\"uptime_seconds\":([0-9.]+)");
            List<Double> uptimes = new ArrayList<>();
            while (uptimes.size() < 10) {   // each within next()'s deadline
                Matcher m = uptime.matcher(frames.next("42[\"session_stats_update\""));
                assertThat(m.find()).isTrue();
                uptimes.add(Double.parseDouble(m.group(1)));
            }
            // the first is the value published before joining; then one per tick, none skipped
            for (int i = 2; i < uptimes.size(); i++) {
                assertThat(uptimes.get(i) - uptimes.get(i - 1)).as("stats time between updates %d and %d (s): %s", i - 1, i, uptimes)
                        .isLessThan(1.8 * PERIOD_MS / 1000);
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get();
        }
    }
}

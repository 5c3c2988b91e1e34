package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stop closes the session's source while the session thread may be inside its poll. A source
 * whose stream throws once closed under its reader (a replay's gzip stream: "Stream closed") made
 * the stop a failure: the session ended {@code failed}, and a SIGTERM'd server's replay sessions
 * came back failed instead of stopped (CrashRecoveryTest, under load).
 */
class StopWhileSourceReadsTest {
    @TempDir Path dir;

    @Test
    void aSourceThatThrowsWhenClosedUnderItsPollEndsStoppedNotFailed() throws Exception {
        ServerConfig config = ServerConfig.defaults(dir).withPort(0);
        try (TestServer t = new TestServer(config, LiveBackends.of(List.of(new ThrowingWhenClosedBackend())))) {
            String id = t.createSession("{\"mode\":\"full\",\"source\":{\"kind\":\"live\"}}");
            t.await("/api/sessions/" + id, j -> j.path("state").asText().equals("running"));
            assertThat(t.post("/api/session/" + id + "/stop", "{}").status()).isEqualTo(200);
            JsonNode info = t.await("/api/sessions/" + id, j -> !j.path("state").asText().equals("running"));
            assertThat(info.path("state").asText()).as(info.toString()).isEqualTo("stopped");
            assertThat(info.path("reason").asText()).isEqualTo("stopped by a user");
        }
    }

    /** Its sources block in poll for up to 100 ms, and throw, as a closed stream does, once closed. */
    private static final class ThrowingWhenClosedBackend implements LiveBackend {
        @Override public Set<String> modes() { return Set.of("full"); }
        @Override public Map<String, Object> capabilities() { return Map.of("available", true, "backend", "throwing"); }
        @Override public void shutdown() { }

        @Override
        public EventSource open(LiveRequest request) {
            return new EventSource() {
                private final SourceCounters counters = new SourceCounters("live");
                private volatile boolean closed;

                @Override
                public int poll(EventBatch batch) {
                    if (!closed) LockSupport.parkNanos(MAX_BLOCK_NANOS);
                    if (closed) throw new UncheckedIOException(new IOException("Stream closed"));
                    return 0;
                }

                @Override public SourceCounters counters() { return counters; }
                @Override public void close() { closed = true; }
            };
        }
    }
}

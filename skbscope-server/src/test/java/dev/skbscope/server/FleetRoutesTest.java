package dev.skbscope.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /api/fleet/hosts without a Prometheus, and with one that does not answer (the real one: scripts/test.d/30-prometheus.sh). */
class FleetRoutesTest {
    @TempDir Path dir;

    @Test
    void withoutPrometheusTheAnswerNamesTheOption() throws Exception {
        try (TestServer t = new TestServer(dir)) {
            TestServer.Reply r = t.get("/api/fleet/hosts");
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.json().path("error").asText()).startsWith("prometheus: ").contains("--prometheus URL");
        }
    }

    @Test
    void anUnreachablePrometheusIsA502NamingIt() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        URI prom = URI.create("http://127.0.0.1:" + closed);
        try (TestServer t = new TestServer(ServerConfig.defaults(dir).withPort(0).withIntervals(200, 300).withPrometheus(prom))) {
            TestServer.Reply r = t.get("/api/fleet/hosts");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.json().path("error").asText()).startsWith("prometheus: http://127.0.0.1:" + closed + "/ is not reachable");
        }
    }
}

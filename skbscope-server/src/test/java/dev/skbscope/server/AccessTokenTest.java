package dev.skbscope.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The token guards REST (header or query); a non-loopback listen address without one is refused. */
class AccessTokenTest {
    @TempDir Path dir;

    @Test
    void tokenIsRequiredWhenConfigured() throws Exception {
        ServerConfig cfg = ServerConfig.defaults(dir).withPort(0).withListen("127.0.0.1", "s3cret");
        try (TestServer t = new TestServer(cfg)) {
            t.token = null;
            TestServer.Reply none = t.get("/api/sessions");
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.json().path("error").asText()).contains("token");
            assertThat(t.send("GET", "/api/sessions", null, "Authorization", "Bearer wrong").status()).isEqualTo(401);
            assertThat(t.send("GET", "/api/sessions", null, "Authorization", "Bearer s3cret").status()).isEqualTo(200);
            assertThat(t.get("/api/sessions?token=s3cret").status()).isEqualTo(200);
            assertThat(t.get("/metrics").status()).isEqualTo(401);
        }
    }

    @Test
    void publicListenAddressNeedsAToken() {
        ServerConfig cfg = ServerConfig.defaults(dir).withPort(0).withListen("0.0.0.0", null);
        assertThatThrownBy(() -> new SkbscopeServer(cfg, LiveBackends.of(java.util.List.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token");
    }
}

package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.nftrace.VethNamespace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import dev.skbscope.sources.live.KernelTestGate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A live full-mode session's packets, from the real kernel: UDP from a namespace to a closed port
 * of the root namespace is dropped with NO_SOCKET; the session lists those packets with their
 * hops, and the session's recording gives the same packets. Root namespace side {@code skp-a}
 * 198.18.9.1/24, namespace {@code skp-ns} with {@code skp-b} 198.18.9.2/24.
 */
@Tag("kernel")
class PacketsLiveKernelTest {
    private static final String NS = "skp-ns", ROOT_IF = "skp-a", NS_IF = "skp-b";
    private static final String ROOT_ADDR = "198.18.9.1", NS_ADDR = "198.18.9.2";
    private static final int OPEN_PORT = 7101, CLOSED_PORT = 7102, SENT = 5;
    @TempDir static Path dir;
    private static LiveBackends live;
    private static TestServer t;

    @BeforeAll
    static void setUp() throws IOException {
        live = LiveBackends.load();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> modes = (Map<String, Map<String, Object>>) live.capabilities().get("modes");
        KernelTestGate.require("full live mode",
                Boolean.TRUE.equals(modes.get("full").get("available")) ? null : String.valueOf(modes.get("full").get("reason")));
        new VethNamespace(NS, ROOT_IF, NS_IF, ROOT_ADDR, NS_ADDR);
        t = new TestServer(ServerConfig.defaults(dir.resolve("data")).withPort(0).withIntervals(200, 300), live);
    }

    @AfterAll
    static void tearDown() {
        if (t != null) t.close();
        VethNamespace.remove(NS, ROOT_IF);
        if (live != null) live.shutdown();
    }

    @Test
    void aLiveSessionListsTheDroppedPacketsWithTheirHopsAndItsRecordingTheSame() throws Exception {
        String id = t.createSession("{\"id\":\"skp-live\",\"mode\":\"full\",\"source\":{\"kind\":\"live\"},"
                + "\"filter\":{\"protocol\":\"udp\",\"src\":\"" + NS_ADDR + "/32\"}}");
        String base = "/api/sessions/" + id + "/packets";
        try (DatagramChannel sink = DatagramChannel.open().bind(new InetSocketAddress(ROOT_ADDR, OPEN_PORT))) {
            // the session attaches asynchronously: send until its first packets show, then the counted ones
            long deadline = System.nanoTime() + 20_000_000_000L;
            JsonNode seen;
            do {
                send(OPEN_PORT, 1);
                Thread.sleep(200);
                seen = t.get(base + "?limit=1").json();
                assertThat(System.nanoTime()).as("no live packet within 20 s").isLessThan(deadline);
            } while (seen.path("matched").asLong() == 0);
            send(CLOSED_PORT, SENT);
            t.await(base + "?drop_reason=NO_SOCKET&limit=100", p -> p.path("matched").asLong() >= SENT);
        }
        JsonNode drops = t.get(base + "?drop_reason=NO_SOCKET&dport=" + CLOSED_PORT + "&limit=100").json();
        assertThat(drops.path("count").asInt()).isGreaterThanOrEqualTo(SENT);
        for (JsonNode p : drops.path("packets")) {
            assertThat(p.path("src").asText()).isEqualTo(NS_ADDR);
            assertThat(p.path("proto").asText()).isEqualTo("udp");
            assertThat(p.path("end").asText()).isEqualTo("dropped");
        }
        JsonNode one = t.get(base + "/" + drops.path("packets").get(0).path("id").asText()).json();
        assertThat(one.path("end_probe").asText()).startsWith("kfree_skb");
        assertThat(one.path("drop").path("reason").asText()).isEqualTo("NO_SOCKET");
        assertThat(one.path("hops").size()).isGreaterThanOrEqualTo(1);
        assertThat(one.path("duration_us").asDouble()).isGreaterThanOrEqualTo(0);
        // the delivered ones end normally
        assertThat(t.get(base + "?dport=" + OPEN_PORT + "&end=completed&limit=1").json().path("count").asInt()).isEqualTo(1);

        t.delete("/api/sessions/" + id);
        t.await("/api/sessions/" + id, s -> !s.path("state").asText().equals("running"));
        String q = "?drop_reason=NO_SOCKET&limit=100";
        assertThat(t.get(base + q + "&from=recording").json().path("packets")).isEqualTo(t.get(base + q).json().path("packets"));
        t.delete("/api/sessions/" + id + "?purge=true");
    }

    private static void send(int port, int n) throws IOException {
        VethNamespace.sh("ip", "netns", "exec", NS, "/usr/bin/python3", "-c", """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                for i in range(%d): s.sendto(b'skp', ('%s', %d))
                """.formatted(n, ROOT_ADDR, port));
    }
}

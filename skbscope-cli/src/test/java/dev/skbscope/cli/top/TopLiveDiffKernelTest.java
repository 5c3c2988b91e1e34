package dev.skbscope.cli.top;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.cli.Main;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.server.LiveBackends;
import dev.skbscope.sources.live.LiveBackend.LiveRequest;
import dev.skbscope.sources.recording.RecordingWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import dev.skbscope.sources.live.KernelTestGate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "done when" on the real kernel: {@code top --live --record} before and after a
 * firewall rule, then {@code diff} of the two recordings names the node (netfilter INPUT) and the
 * rule that changed. Loopback UDP to port 5611, the rule in our own table {@code inet skt_diff}.
 */
@Tag("kernel")
class TopLiveDiffKernelTest {
    private static final int PORT = 5611;
    private static final String TABLE = "skt_diff";
    private static LiveBackends live;
    @TempDir Path dir;

    @BeforeAll
    static void setUp() throws IOException {
        live = LiveBackends.load();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> modes = (Map<String, Map<String, Object>>) live.capabilities().get("modes");
        String why = null;
        for (String m : List.of("full", "nft")) {
            if (!Boolean.TRUE.equals(modes.get(m).get("available"))) why = "mode " + m + ": " + modes.get(m).get("reason");
        }
        KernelTestGate.require("live tracing", why);
        nft("table inet " + TABLE + " {}\ndelete table inet " + TABLE + "\n"
                + "table inet " + TABLE + " {\n  chain input {\n    type filter hook input priority 0; policy accept;\n  }\n}\n");
    }

    @AfterAll
    static void tearDown() {
        try {
            nft("delete table inet " + TABLE + "\n");
        } catch (IOException ignored) {
            // already gone
        }
        if (live != null) live.shutdown();
    }

    @Test
    void diffOfLiveRecordingsNamesTheNodeAndTheRuleThatChanged() throws Exception {
        Path before = dir.resolve("before.jsonl.gz"), after = dir.resolve("after.jsonl.gz");
        record(before, s -> nodeEvents(s, "nf_input") >= 40);
        nft("add rule inet " + TABLE + " input udp dport " + PORT + " drop\n");
        record(after, s -> s.node(dev.skbscope.engine.PipelineNode.NF_INPUT).drops() >= 40);

        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "diff", before.toString(), after.toString(), "--json");
        assertThat(code).as(err.toString()).isEqualTo(1);
        JsonNode c = new ObjectMapper().readTree(out.toString());
        List<String> changed = new ArrayList<>();
        for (JsonNode n : c.path("nodes")) if (n.path("significant").asBoolean()) changed.add(n.path("id").asText());
        assertThat(changed).contains("nf_input");
        JsonNode input = null;
        for (JsonNode n : c.path("nodes")) if (n.path("id").asText().equals("nf_input")) input = n;
        assertThat(input.path("drop_rate").path("b").asDouble()).isGreaterThan(0.9);
        assertThat(input.path("drop_rate").path("significant").asBoolean()).isTrue();
        JsonNode rule = null;
        for (JsonNode r : c.path("rules"))
            if (r.path("table").asText().equals(TABLE) && r.has("handle") && r.path("status").asText().equals("appeared")) rule = r;
        assertThat(rule).as("the drop rule appeared: %s", c.path("rules")).isNotNull();
        assertThat(rule.path("significant").asBoolean()).isTrue();
        assertThat(rule.path("chain").asText()).isEqualTo("input");
        assertThat(rule.path("verdicts_b").path("DROP").asLong()).isGreaterThanOrEqualTo(40);

        StringWriter text = new StringWriter();
        Main.run(new PrintWriter(text, true), new PrintWriter(new StringWriter(), true), "diff", before.toString(), after.toString());
        assertThat(text.toString()).contains("Netfilter INPUT", "drop rate", "appeared  " + TABLE + " input handle");
    }

    /** {@code top --live --filter port=PORT --record file} while UDP datagrams go to the port, until {@code done}. */
    private void record(Path file, Predicate<StatsSnapshot> done) throws Exception {
        PacketFilter filter = new PacketFilter("udp", null, null, null, null, null, PORT, null, null);
        LocalFeed feed = new LocalFeed("live kernel", "live", "full", "live",
                () -> live.open(new LiveRequest("top-live-test", "full", filter, SessionConfig.DEFAULT_MAX_FUNCTIONS)),
                filter, null).recordingTo(() -> new RecordingWriter(file, Map.of("mode", "full")));
        feed.start(() -> { });
        try (DatagramChannel rx = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", PORT));
             DatagramChannel tx = DatagramChannel.open()) {
            awaitState(feed, s -> s.connection() == FeedState.Connection.LIVE, "the live source to start");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            ByteBuffer payload = ByteBuffer.wrap("skbscope".getBytes(StandardCharsets.US_ASCII));
            while (true) {
                for (int i = 0; i < 20; i++) {
                    tx.send(payload.rewind(), new InetSocketAddress("127.0.0.1", PORT));
                }
                feed.tick();
                StatsSnapshot s = feed.state().stats();
                if (s != null && done.test(s)) break;
                if (System.nanoTime() > deadline) throw new AssertionError("no such stats within 60 s: " + (s == null ? null : s.nodes()));
                Thread.sleep(50);   // pace the datagrams; the loop ends on the stats, not on time
            }
        } finally {
            feed.close();
        }
    }

    private static long nodeEvents(StatsSnapshot s, String id) {
        var n = s.nodes().get(id);
        return n == null ? 0 : n.count();
    }

    private static void awaitState(LocalFeed feed, Predicate<FeedState> p, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!p.test(feed.state())) {
            if (feed.state().connection() == FeedState.Connection.ENDED)
                throw new AssertionError("the source ended: " + feed.state().detail());
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + ": " + feed.state());
            feed.tick();
            Thread.sleep(50);
        }
    }

    private static void nft(String script) throws IOException {
        Process p = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("nft failed: " + output);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}

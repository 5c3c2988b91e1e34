package dev.skbscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.sources.live.KernelTestGate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CrashRecoveryTest} with a live kernel session beside the synthetic and replay ones: kill -9
 * loses at most 1 s of each, the recordings replay, and the killed server's nftables tables are gone
 * once the next one starts; SIGTERM stops the live session like the others ("server shutdown"; it
 * used to be marked finished).
 */
@Tag("kernel")
class CrashRecoveryKernelTest {
    @TempDir Path dir;

    private static final String LIVE = "{\"id\":\"live\",\"mode\":\"full\",\"source\":{\"kind\":\"live\"},\"filter\":{\"host\":\"127.0.0.1/32\"}}";

    /** Fails in CI, skips loudly elsewhere, when this machine cannot trace live. */
    static void requireLive(ServerProcess server) throws Exception {
        JsonNode full = server.get("/api/capabilities").path("modes").path("full");
        KernelTestGate.require("live tracing", full.path("available").asBoolean() ? null : full.path("reason").asText());
    }

    private static List<String> tablesOf(long pid) throws Exception {
        Process p = new ProcessBuilder("nft", "list", "tables").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out.lines().filter(l -> l.contains("skbscope_" + pid + "_")).toList();
    }

    @Test
    void kill9WithALiveSessionLosesAtMostOneSecondAndLeavesNothingInTheKernel() throws Exception {
        Path data = dir.resolve("data");
        CrashRecoveryTest.replayRecording(data);
        long[] pid = new long[1];
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("synthetic", "{\"id\":\"syn\",\"source\":{\"kind\":\"synthetic\",\"rate\":5000,\"seed\":3}}");
        bodies.put("replay", "{\"id\":\"rep\",\"source\":{\"kind\":\"replay\",\"path\":\"replay.jsonl.gz\",\"speed\":1}}");
        bodies.put("live", LIVE);
        Map<String, Long> loss = CrashRecoveryTest.crashAndCheck(data, dir.resolve("logs"), bodies, a -> {
            requireLive(a);
            pid[0] = a.process.pid();
        });
        CrashRecoveryTest.report("synthetic+replay+live", loss);
        assertThat(tablesOf(pid[0])).as("the killed server's nft tables, removed by the next start").isEmpty();
    }

    @Test
    void sigtermStopsTheLiveSessionLikeTheOthers() throws Exception {
        Path data = dir.resolve("data");
        CrashRecoveryTest.replayRecording(data);
        List<String> ids;
        long pid;
        try (ServerProcess a = new ServerProcess(data, dir.resolve("logs"), dir.resolve("term.out"))) {
            requireLive(a);
            pid = a.process.pid();
            ids = List.of(a.create("{\"source\":{\"kind\":\"synthetic\",\"rate\":5000}}"),
                    a.create("{\"source\":{\"kind\":\"replay\",\"path\":\"replay.jsonl.gz\",\"speed\":1}}"), a.create(LIVE));
            for (String id : ids) a.await("/api/sessions/" + id + "/stats", j -> j.path("stats").path("total_events").asLong() > 0, 30);
            assertThat(a.term()).isZero();
        }
        assertThat(tablesOf(pid)).as("SIGTERM removes the server's nft tables").isEmpty();
        try (ServerProcess b = new ServerProcess(data, dir.resolve("logs"), dir.resolve("term-b.out"))) {
            for (String id : ids) {
                JsonNode info = b.get("/api/sessions/" + id);
                assertThat(info.path("state").asText()).as(id).isEqualTo("stopped");
                assertThat(info.path("reason").asText()).as(id).isEqualTo("server shutdown");
                CrashRecoveryTest.assertValidGzip(b.download("/api/sessions/" + id + "/recording"));
            }
        }
    }
}

package dev.skbscope.server.packets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.server.ApiException;
import dev.skbscope.sources.recording.RecordingWriter;
import dev.skbscope.sources.synthetic.SyntheticConfig;
import dev.skbscope.sources.synthetic.SyntheticSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Recording queries through the index worker process: the answers of the server's own index, and a worker that dies is replaced. */
class IndexWorkerClientTest {
    @TempDir Path dir;
    private Path recording;
    private final RecordingIndexes local = new RecordingIndexes();
    private IndexWorkerClient worker;

    @BeforeEach
    void record() throws Exception {
        recording = dir.resolve("recording.jsonl");
        try (SyntheticSource source = new SyntheticSource(new SyntheticConfig(5_000, 3, 0.1, 0.5, false));
             RecordingWriter writer = new RecordingWriter(recording, Map.of("mode", "full"))) {
            EventBatch batch = new EventBatch(4096);
            int n;
            while ((n = source.poll(batch)) >= 0) {
                for (int i = 0; i < n; i++) writer.write(batch.get(i));
                batch.reset();
            }
        }
        worker = IndexWorkerClient.ofThisJvm(new RecordingIndexes());
    }

    @AfterEach
    void stop() { worker.close(); }

    /** The JSON text a client gets (trees from the worker hold ints where the server's hold longs). */
    private static String json(ObjectNode n) { return n.toString(); }

    @Test
    void theWorkerAnswersAsTheServersOwnIndex() throws Exception {
        for (Map<String, List<String>> q : List.of(Map.<String, List<String>>of(), Map.of("end", List.of("dropped"), "limit", List.of("7")),
                Map.of("node", List.of("l4_rx"), "min_latency_us", List.of("5")))) {
            ObjectNode expected = local.packets(recording, q, true);
            assertThat(expected.path("count").asInt()).isPositive();
            assertThat(json(worker.packets(recording, q, true))).isEqualTo(json(expected));
        }
        assertThat(worker.pid()).as("answered by a child process").isPositive();
        assertThat(json(worker.packet(recording, 3))).isEqualTo(json(local.packet(recording, 3)));
        assertThat(worker.packet(recording, 999_999_999L)).isNull();
        assertThatThrownBy(() -> worker.packets(dir.resolve("none.jsonl"), Map.of(), false))
                .isInstanceOf(ApiException.class).extracting(e -> ((ApiException) e).status()).isEqualTo(404);
    }

    @Test
    void aWorkerThatDiedIsReplacedAndTheQueryStillAnswered() throws Exception {
        ObjectNode expected = local.packets(recording, Map.of(), false);
        assertThat(json(worker.packets(recording, Map.of(), false))).isEqualTo(json(expected));
        long first = worker.pid();
        ProcessHandle old = ProcessHandle.of(first).orElseThrow();
        old.destroyForcibly();
        old.onExit().get();
        assertThat(json(worker.packets(recording, Map.of(), false))).as("answered by a new worker").isEqualTo(json(expected));
        assertThat(json(worker.packets(recording, Map.of(), false))).as("and again").isEqualTo(json(expected));
        assertThat(worker.pid()).isPositive().isNotEqualTo(first);
    }
}

package dev.skbscope.server.packets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The index worker: a child process of the server that builds recording indexes and answers packet
 * queries over them, run with the batch commands' JVM flags (serial GC, C1 only; see
 * {@link IndexWorkerClient} for why). Single-threaded: one request at a time, one JSON line each on
 * stdin ({@code {"op":"packets","recording":…,"params":{…},"detail":false}} or
 * {@code {"op":"packet","recording":…,"id":N}}, {@code {"op":"ping"}}), one JSON line back on stdout ({@code {"result":…}}
 * or {@code {"status":404,"error":"…"}}). Ends when stdin ends (the server stopped or died).
 */
public final class IndexWorker {
    private IndexWorker() { }

    public static void main(String[] args) throws IOException {
        // stdout is the protocol: whatever a library prints goes to stderr (the server's log) instead
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        RecordingIndexes indexes = new RecordingIndexes();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            protocol.println(ServerJson.MAPPER.writeValueAsString(answer(indexes, line)));
            protocol.flush();
        }
    }

    private static ObjectNode answer(RecordingIndexes indexes, String line) {
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        try {
            JsonNode req = ServerJson.MAPPER.readTree(line);
            Path recording = Path.of(req.path("recording").asText("-"));
            ObjectNode result = switch (req.path("op").asText()) {
                case "packets" -> indexes.packets(recording, params(req.path("params")), req.path("detail").asBoolean());
                case "packet" -> indexes.packet(recording, req.path("id").asLong());
                case "ping" -> ServerJson.MAPPER.createObjectNode();
                default -> throw new IllegalArgumentException("unknown op " + req.path("op"));
            };
            out.set("result", result);
        } catch (ApiException e) {
            out.put("status", e.status());
            out.put("error", e.getMessage());
        } catch (IOException | RuntimeException e) {
            out.put("error", String.valueOf(e.getMessage()));
        }
        return out;
    }

    private static Map<String, List<String>> params(JsonNode n) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        n.properties().forEach(e -> {
            List<String> values = new ArrayList<>();
            e.getValue().forEach(v -> values.add(v.asText()));
            m.put(e.getKey(), values);
        });
        return m;
    }
}

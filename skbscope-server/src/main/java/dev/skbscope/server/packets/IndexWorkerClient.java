package dev.skbscope.server.packets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Recording queries answered by an {@link IndexWorker} child process; thread-safe (one request at a
 * time). Why a child: building the index of a 1 M-event recording in the server's own JVM (ZGC, C2)
 * costs about 2.8 s of CPU, C2 compiling the decoder and the engine and ZGC's barriers and threads
 * among it; a JVM with the batch commands' flags (serial GC, C1 only) builds the same index in
 * about 1.2 s of CPU, which on two cores is the difference between a first answer of ~1.8 s and
 * one under 1 s (docs/performance-packets.md). The worker keeps the indexes (the two most
 * recently used) in its own heap; later queries cost a JSON line each way.
 *
 * <p>The worker is started on the first query, or at once by {@link #startInBackground}; one
 * that cannot be started, or dies, is replaced on the next query, and that query is answered in
 * the server's own JVM instead ({@link RecordingIndexes}), so a query never fails for the
 * worker's sake.
 */
public final class IndexWorkerClient implements RecordingQueries {
    private static final Logger log = LoggerFactory.getLogger(IndexWorkerClient.class);
    /** The launcher puts the batch commands' JVM flags here, one a line (scripts/jvm-flags.sh). */
    public static final String FLAGS_ENV = "SKBSCOPE_WORKER_JAVA_OPTS";
    private static final List<String> DEFAULT_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final List<String> command;
    private final RecordingQueries fallback;
    private Process process;
    private BufferedWriter to;
    private BufferedReader from;
    private boolean closed;

    /** A worker run with the JVM flags of {@link #FLAGS_ENV} (else serial GC, C1 only), from this JVM's class path. */
    public static IndexWorkerClient ofThisJvm(RecordingQueries fallback) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        String env = System.getenv(FLAGS_ENV);
        if (env == null || env.isBlank()) cmd.addAll(DEFAULT_FLAGS);
        else for (String f : env.split("\n")) if (!f.isBlank()) cmd.add(f.strip());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), IndexWorker.class.getName()));
        return new IndexWorkerClient(cmd, fallback);
    }

    IndexWorkerClient(List<String> command, RecordingQueries fallback) {
        this.command = List.copyOf(command);
        this.fallback = fallback;
    }

    /** Starts the worker now, on another thread, so that the first query finds it running. */
    public void startInBackground() {
        Thread.ofPlatform().name("index-worker-start").daemon().start(() -> {
            try {
                ready();
            } catch (IOException e) {
                log.warn("[Packets] The index worker did not answer ({}); recording queries are answered in the server", e.getMessage());
            }
        });
    }

    /** Starts the worker if it is not running, and waits until it answers (false: it cannot be started). */
    public boolean ready() throws IOException {
        ObjectNode req = ServerJson.MAPPER.createObjectNode();
        req.put("op", "ping");
        return call(req) != null;
    }

    @Override
    public ObjectNode packets(Path recording, Map<String, List<String>> params, boolean detail) throws IOException {
        ObjectNode req = ServerJson.MAPPER.createObjectNode();
        req.put("op", "packets");
        req.put("recording", recording.toString());
        req.set("params", ServerJson.MAPPER.valueToTree(params));
        req.put("detail", detail);
        JsonNode r = call(req);
        return r != null ? (ObjectNode) r : fallback.packets(recording, params, detail);
    }

    @Override
    public ObjectNode packet(Path recording, long id) throws IOException {
        ObjectNode req = ServerJson.MAPPER.createObjectNode();
        req.put("op", "packet");
        req.put("recording", recording.toString());
        req.put("id", id);
        JsonNode r = call(req);
        if (r == null) return fallback.packet(recording, id);
        return r.isNull() ? null : (ObjectNode) r;
    }

    /**
     * The worker's result for {@code req}, or null when there is no worker to ask (the caller asks
     * the fallback). The worker's errors are the query's: 404s as ApiException, the rest as IOException.
     */
    private synchronized JsonNode call(ObjectNode req) throws IOException {
        if (closed) return null;
        String line;
        try {
            running();
            to.write(ServerJson.MAPPER.writeValueAsString(req));
            to.write('\n');
            to.flush();
            line = from.readLine();
            if (line == null) throw new IOException("the index worker ended (exit " + exitOf(process) + ")");
        } catch (IOException e) {
            log.warn("[Packets] {}; answering in the server, a new worker on the next query", e.getMessage());
            stop();
            return null;
        }
        JsonNode answer = ServerJson.MAPPER.readTree(line);
        if (answer.has("error")) {
            String error = answer.path("error").asText();
            if (answer.has("status")) throw new ApiException(answer.path("status").asInt(), error);
            throw new IOException(error);
        }
        return answer.path("result");
    }

    /** Under the lock: a running worker, started if there is none. */
    private void running() throws IOException {
        if (process != null && process.isAlive()) return;
        stop();
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        process = pb.start();
        to = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        from = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String exitOf(Process p) {
        try {
            return p.waitFor(1, java.util.concurrent.TimeUnit.SECONDS) ? String.valueOf(p.exitValue()) : "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Under the lock: ends the worker, if any. */
    private void stop() {
        if (process == null) return;
        process.destroyForcibly();
        process = null;
        to = null;
        from = null;
    }

    /** The worker's process id, or -1 (for tests). */
    synchronized long pid() { return process != null && process.isAlive() ? process.pid() : -1; }

    @Override
    public synchronized void close() {
        closed = true;
        stop();
        fallback.close();
    }
}

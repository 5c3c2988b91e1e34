package dev.skbscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code skbscope serve} in a process of its own (the test JVM's classpath, a free port), so a test
 * can kill it with SIGKILL or stop it with SIGTERM and start another on the same data directory.
 * Used from one test thread.
 */
final class ServerProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");
    final Process process;
    final String base;
    final Path out;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServerProcess(Path dataDir, Path logDir, Path out, String... extra) throws IOException, InterruptedException {
        this.out = out;
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.skbscope.cli.Main", "serve", "--port", "0", "--data-dir", dataDir.toString(), "--log-dir", logDir.toString()));
        cmd.addAll(List.of(extra));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        String found = null;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (found == null && System.nanoTime() < end) {
            if (!process.isAlive()) throw new IllegalStateException("server died: " + Files.readString(out));
            Matcher m = LISTENING.matcher(Files.readString(out));
            if (m.find()) found = m.group(1);
            else Thread.sleep(50);
        }
        if (found == null) throw new IllegalStateException("server did not start: " + Files.readString(out));
        base = found;
    }

    record Reply(int status, JsonNode json, String body) { }

    Reply send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        try {
            json = JSON.readTree(r.body());
        } catch (IOException ignored) {
            // not JSON
        }
        return new Reply(r.statusCode(), json, r.body());
    }

    JsonNode get(String path) throws IOException, InterruptedException { return send("GET", path, null).json(); }

    String create(String body) throws IOException, InterruptedException {
        Reply r = send("POST", "/api/sessions", body);
        if (r.status() != 201) throw new AssertionError("create " + body + " -> " + r.status() + " " + r.body());
        return r.json().path("session_id").asText();
    }

    byte[] download(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    /** Polls GET path until the JSON satisfies the condition, for at most {@code seconds}. */
    JsonNode await(String path, Predicate<JsonNode> ok, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonNode last = null;
        while (System.nanoTime() < end) {
            last = get(path);
            if (last != null && ok.test(last)) return last;
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met for " + path + " within " + seconds + " s; last: " + last);
    }

    /** SIGKILL; returns the wall-clock time just before the signal. */
    long kill9() throws InterruptedException {
        long t = System.currentTimeMillis();
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        return t;
    }

    /** SIGTERM, then waits for the process to exit; returns its exit code. */
    int term() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("the server did not exit within 60 s of SIGTERM");
        return process.exitValue();
    }

    String output() throws IOException { return Files.readString(out, StandardCharsets.UTF_8); }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

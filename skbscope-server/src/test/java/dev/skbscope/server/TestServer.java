package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** A real server on an ephemeral loopback port with the fake live backend, and an HTTP client for it. */
final class TestServer implements AutoCloseable {
    final SkbscopeServer server;
    final String base;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    String token;

    TestServer(Path dataDir) throws IOException {
        this(ServerConfig.defaults(dataDir).withPort(0).withIntervals(200, 300));
    }

    TestServer(ServerConfig config) throws IOException {
        this(config, LiveBackends.of(List.of(new FakeLiveBackend())));
    }

    TestServer(ServerConfig config, LiveBackends live) throws IOException {
        server = new SkbscopeServer(config, live);
        int port = server.start();
        base = "http://127.0.0.1:" + port;
        token = config.token();
    }

    record Reply(int status, JsonNode json, HttpResponse<String> raw) { }

    Reply send(String method, String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        String ct = r.headers().firstValue("Content-Type").orElse("");
        if (ct.contains("json")) json = ServerJson.MAPPER.readTree(r.body());
        return new Reply(r.statusCode(), json, r);
    }

    Reply get(String path) throws IOException, InterruptedException { return send("GET", path, null); }
    Reply post(String path, String body) throws IOException, InterruptedException { return send("POST", path, body); }

    /** Creates a session from a JSON body, asserting 201; returns its id. */
    String createSession(String body) throws IOException, InterruptedException {
        Reply r = post("/api/sessions", body);
        org.assertj.core.api.Assertions.assertThat(r.status()).as(r.raw().body()).isEqualTo(201);
        return r.json().path("session_id").asText();
    }
    Reply delete(String path) throws IOException, InterruptedException { return send("DELETE", path, null); }

    /** GET returning the raw body bytes (downloads). */
    HttpResponse<byte[]> getBytes(String path) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15)).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Polls GET path until the JSON satisfies the condition (or fails after 10 s). */
    JsonNode await(String path, Predicate<JsonNode> condition) throws Exception {
        long end = System.nanoTime() + 10_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < end) {
            Reply r = get(path);
            last = r.json();
            if (r.status() == 200 && last != null && condition.test(last)) return last;
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met for " + path + "; last: " + last);
    }

    @Override
    public void close() {
        server.close();
    }
}

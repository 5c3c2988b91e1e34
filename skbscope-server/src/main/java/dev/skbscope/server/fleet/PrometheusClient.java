package dev.skbscope.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.server.ServerJson;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Instant queries against a Prometheus HTTP API ({@code GET <base>/api/v1/query}). Thread-safe.
 * The base URL comes from the operator's configuration, never from a client.
 */
public final class PrometheusClient {
    /** One sample of an instant vector. */
    public record Sample(Map<String, String> labels, double value) {
        public String label(String name) { return labels.get(name); }
    }

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;

    public PrometheusClient(URI base, Duration timeout) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public URI base() { return base; }

    /** Runs an instant query; completes with its vector, or exceptionally with a {@link PrometheusException}. */
    public CompletableFuture<List<Sample>> query(String promql) {
        URI uri = base.resolve("api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
                .handle((r, err) -> {
                    if (err != null) throw new PrometheusException(base + " is not reachable: " + rootMessage(err));
                    return parse(promql, r.statusCode(), r.body());
                });
    }

    private static List<Sample> parse(String promql, int status, byte[] body) {
        JsonNode j;
        try {
            j = ServerJson.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new PrometheusException("answered " + status + " with no JSON to " + promql);
        }
        if (!"success".equals(j.path("status").asText()))
            throw new PrometheusException("refused " + promql + ": " + j.path("errorType").asText("HTTP " + status) + ": " + j.path("error").asText());
        JsonNode data = j.path("data");
        if (!"vector".equals(data.path("resultType").asText()))
            throw new PrometheusException("answered " + promql + " with a " + data.path("resultType").asText() + ", not a vector");
        List<Sample> out = new ArrayList<>();
        for (JsonNode s : data.path("result")) {
            Map<String, String> labels = new LinkedHashMap<>();
            s.path("metric").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
            out.add(new Sample(labels, number(s.path("value").path(1).asText())));
        }
        return out;
    }

    /** Prometheus writes values as strings, with {@code NaN}, {@code +Inf} and {@code -Inf}. */
    static double number(String v) {
        return switch (v) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                try {
                    yield Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    yield Double.NaN;
                }
            }
        };
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Prometheus could not be reached or did not answer a query. */
    public static final class PrometheusException extends RuntimeException {
        public PrometheusException(String message) {
            super(message, null, false, false);
        }
    }
}

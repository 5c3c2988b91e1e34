package dev.skbscope.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.engine.StatsSnapshot;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The server's REST API as the command line uses it: session list and stats. Thread-safe. Sends the
 * token as {@code Authorization: Bearer}; the Host header is the one of the URL given, and no
 * Origin is sent (this is not a browser). Errors become one-line {@link IOException}s carrying the
 * server's own {@code {"error": ...}} message.
 */
public final class ServerClient {
    private final ServerAddress address;
    private final HttpClient http;

    public ServerClient(ServerAddress address) {
        this.address = address;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public ServerAddress address() { return address; }

    /** {@code GET path} as JSON. */
    public JsonNode get(String path) throws IOException {
        HttpRequest.Builder req = HttpRequest.newBuilder(address.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json").GET();
        if (address.token() != null) req.header("Authorization", "Bearer " + address.token());
        HttpResponse<String> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new IOException("cannot connect to " + address.display() + " (is './skbscope serve' running?)", e);
        } catch (HttpTimeoutException e) {
            throw new IOException(address.display() + " did not answer in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode body;
        try {
            body = StatsJson.MAPPER.readTree(resp.body());
        } catch (IOException e) {
            throw new IOException(address.display() + path + ": HTTP " + resp.statusCode() + ", not JSON");
        }
        if (resp.statusCode() / 100 != 2) {
            String msg = body != null && body.hasNonNull("error") ? body.get("error").asText() : "HTTP " + resp.statusCode();
            throw new IOException(address.display() + ": " + msg + (resp.statusCode() == 401 && address.token() == null
                    ? " (give the server's token with --token or " + ServerAddress.TOKEN_ENV + ")" : ""));
        }
        return body;
    }

    /** A session's current (or final) stats. */
    public StatsSnapshot stats(String sessionId) throws IOException {
        JsonNode body = get("/api/sessions/" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8) + "/stats");
        try {
            return StatsJson.read(body.get("stats"));
        } catch (IOException e) {
            throw new IOException("session " + sessionId + ": " + e.getMessage(), e);
        }
    }

    /** {@code GET /api/sessions}: the sessions array. */
    public JsonNode sessions() throws IOException {
        return get("/api/sessions").path("sessions");
    }
}

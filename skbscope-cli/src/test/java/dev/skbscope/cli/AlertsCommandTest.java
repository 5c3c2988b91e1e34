package dev.skbscope.cli;

import dev.skbscope.server.LiveBackends;
import dev.skbscope.server.ServerConfig;
import dev.skbscope.server.SkbscopeServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code skbscope alerts} against a real server on a free port. */
class AlertsCommandTest {
    @TempDir Path dir;
    private SkbscopeServer server;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void start(String token) throws Exception {
        ServerConfig c = ServerConfig.defaults(dir).withPort(0).withIntervals(200, 300);
        if (token != null) c = c.withListen("127.0.0.1", token);
        server = new SkbscopeServer(c, LiveBackends.of(List.of()));
        base = "http://127.0.0.1:" + server.start();
    }

    private String post(String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private record Run(int code, String out, String err) { }

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void listsActiveAlertsAndWatchPrintsThemFiringAndResolving() throws Exception {
        start(null);
        assertThat(run("alerts", "--server", base).out()).contains("No alert is firing or pending.");
        post("/api/sessions", "{\"id\":\"cli\",\"source\":{\"kind\":\"synthetic\",\"rate\":500,\"drop_share\":0.4}}", null);
        // the watch sees the rule added below fire, then resolve when the session stops
        CountDownLatch looked = new CountDownLatch(1);
        StringWriter watchOut = new StringWriter() {
            @Override public void flush() { looked.countDown(); }   // its first table is out
        };
        CompletableFuture<Integer> watch = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(watchOut, false),
                new PrintWriter(new StringWriter(), true), "alerts", "--server", base, "--session", "cli", "--watch",
                "--interval", "0.2", "--limit", "2"));
        assertThat(looked.await(20, TimeUnit.SECONDS)).isTrue();
        post("/api/sessions/cli/alerts/rules", "{\"name\":\"cli_drops\",\"expression\":\"drop_rate\",\"threshold\":10,\"severity\":\"critical\"}", null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Run list;
        do {
            list = run("alerts", "--server", base);
        } while (!list.out().contains("cli_drops") && System.nanoTime() < deadline);
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("SESSION").contains("cli_drops").contains("critical").contains("firing")
                .containsPattern("drop_rate \\d+(\\.\\d+)? % > 10 %");
        // the watch polls every 0.2 s: stop the session only once it has seen the alert firing (under
        // load a stop right after the list above resolved the alert before the watch looked again)
        long seen = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!watchOut.toString().contains("FIRING") && System.nanoTime() < seen) Thread.sleep(50);
        post("/api/session/cli/stop", "", null);
        assertThat(watch.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(watchOut.toString()).containsPattern("FIRING +cli_drops \\(critical\\) cli: drop_rate")
                .containsPattern("RESOLVED +cli_drops");
    }

    @Test
    void usesTheTokenAsTheApiDoes() throws Exception {
        start("s3cret");
        Run refused = run("alerts", "--server", base);
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("unauthorized").contains("--token");
        Run ok = run("alerts", "--server", base, "--token", "s3cret", "--json");
        assertThat(ok.code()).isZero();
        assertThat(ok.out()).contains("\"alerts\":[]");
        assertThat(run("alerts", "--server", "http://127.0.0.1:1").err()).contains("cannot connect");
    }
}

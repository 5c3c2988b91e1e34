package dev.skbscope.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Socket.IO v4 wire protocol as a client sees it, over raw engine.io long-polling and websocket
 * (the npm and python clients are exercised by scripts/test.d/20-socketio-clients.sh).
 */
class SocketIoProtocolTest {
    @TempDir static Path dir;
    static TestServer t;
    static String session;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final Pattern SID = Pattern.compile("\"sid\"\\s*:\\s*\"([^\"]+)\"");

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer(dir);
        session = t.post("/api/sessions", "{}").json().path("session_id").asText();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static String poll(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static void post(String url, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "text/plain;charset=UTF-8").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).isEqualTo("ok");
    }

    @Test
    void longPollingJoinUpdatesAndBoundedBacklog() throws Exception {
        String base = t.base + "/socket.io/?EIO=4&transport=polling";
        String open = poll(base);
        assertThat(open).startsWith("0{");
        Matcher m = SID.matcher(open);
        assertThat(m.find()).as(open).isTrue();
        String url = base + "&sid=" + m.group(1);
        post(url, "40");
        assertThat(poll(url)).startsWith("40{").contains("sid");
        post(url, "42[\"join_session\",{\"session_id\":\"" + session + "\"}]");
        StringBuilder got = new StringBuilder();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count(got.toString(), "session_stats_update") < 2 && System.nanoTime() < end) got.append(poll(url)).append('\u001e');
        assertThat(got.toString()).contains("42[\"joined_session\",{\"session_id\":\"" + session + "\"}]");
        assertThat(count(got.toString(), "session_stats_update")).isGreaterThanOrEqualTo(2);

        // a client that stops polling has at most two updates waiting for it, however long it is away:
        // wait until updates for it have been skipped (the backlog was full)
        double dropped = metric("skbscope_socketio_updates_dropped_total");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (metric("skbscope_socketio_updates_dropped_total") < dropped + 2) {
            assertThat(System.nanoTime()).as("updates skipped for the idle poller within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        String backlog = poll(url);
        assertThat(count(backlog, "session_stats_update")).isBetween(1, 2);

        post(url, "42[\"join_session\",{\"session_id\":\"zzz\"}]");
        String err = "";
        end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!err.contains("\"error\"") && System.nanoTime() < end) err = poll(url);
        assertThat(err).contains("42[\"error\",{\"message\":\"Session not found in trackers: zzz\"}]");
        post(url, "1"); // engine.io close
    }

    @Test
    void websocketJoinLeaveAndUnknownSession() throws Exception {
        SocketIoFrames frames = new SocketIoFrames(http, t.base);
        WebSocket ws = frames.ws;
        assertThat(frames.next("0{")).contains("upgrades");
        ws.sendText("40", true).get();
        frames.next("40{");
        ws.sendText("42[\"join_session\",{\"session_id\":\"" + session + "\"}]", true).get();
        frames.next("42[\"joined_session\"");
        List<Long> totals = new ArrayList<>();
        Pattern total = Pattern.compile("\"total_events\":(\\d+)");
        while (totals.size() < 3) {
            Matcher m = total.matcher(frames.next("42[\"session_stats_update\""));
            assertThat(m.find()).isTrue();
            totals.add(Long.parseLong(m.group(1)));
        }
        assertThat(totals.get(2)).isGreaterThan(totals.get(0));
        // a second client stays in the room as a witness that ticks go on
        SocketIoFrames witness = new SocketIoFrames(http, t.base);
        witness.ws.sendText("40", true).get();
        witness.ws.sendText("42[\"join_session\",{\"session_id\":\"" + session + "\"}]", true).get();
        witness.next("42[\"joined_session\"");
        ws.sendText("42[\"leave_session\",{\"session_id\":\"" + session + "\"}]", true).get();
        frames.next("42[\"left_session\"");
        for (int i = 0; i < 3; i++) witness.next("42[\"session_stats_update\"");   // three ticks after the leave
        List<String> seen = List.copyOf(frames.log);
        List<String> afterLeave = seen.subList(seen.indexOf(seen.stream().filter(f -> f.startsWith("42[\"left_session\"")).findFirst().orElseThrow()), seen.size());
        assertThat(afterLeave).noneMatch(f -> f.contains("session_stats_update"));
        witness.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get();
        ws.sendText("42[\"join_session\",{\"session_id\":\"nope\"}]", true).get();
        assertThat(frames.next("42[\"error\"")).contains("Session not found in trackers: nope");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get();
    }

    @Test
    void websocketClientWatchesTheRealtimeTracer() throws Exception {
        assertThat(t.post("/api/realtime/enable", null).json().path("enabled").asBoolean()).isTrue();
        try {
            SocketIoFrames frames = new SocketIoFrames(http, t.base);
            frames.ws.sendText("40", true).get();
            frames.next("40{");
            frames.ws.sendText("42[\"join_session\",{\"session_id\":\"realtime\"}]", true).get();
            frames.next("42[\"joined_session\",{\"session_id\":\"realtime\"}");
            // the tracer's published value at each tick, counting the session's events
            Pattern total = Pattern.compile("\"total_events\":(\\d+)");
            long first = -1, last = -1;
            for (int i = 0; i < 3; i++) {
                String f = frames.next("42[\"session_stats_update\"");
                assertThat(f).contains("\"session_id\":\"realtime\"");
                Matcher m = total.matcher(f);
                assertThat(m.find()).isTrue();
                last = Long.parseLong(m.group(1));
                if (first < 0) first = last;
            }
            assertThat(last).isGreaterThan(first);
            frames.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get();
        } finally {
            t.post("/api/realtime/disable", null);
        }
    }

    private static double metric(String name) throws Exception {
        for (String line : t.get("/metrics").raw().body().split("\n")) {
            if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
        throw new AssertionError("no metric " + name);
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
        return n;
    }
}

package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each attack of the security review, sent as a hostile web page or a careless client would, and
 * refused: foreign origins and rebinding Host names on every route, filters that would trigger name
 * lookups, integer overflows, unknown fields, trailing garbage, bad polling posts, malformed
 * requests Jetty refuses itself, and error messages that leak paths or echo unbounded input.
 */
class SecurityTest {
    @TempDir static Path dir;
    static TestServer t;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(dir.resolve("data/recordings"));
        Files.writeString(dir.resolve("data/recordings/tiny.jsonl"), "{\"ts_ns\":1,\"probe\":\"ip_rcv\",\"skb\":\"0x1\"}\n");
        ServerConfig cfg = ServerConfig.defaults(dir.resolve("data")).withPort(0).withIntervals(200, 300)
                .withLimits(ServerConfig.Limits.DEFAULT.withIdle(1500));
        t = new TestServer(cfg);
        port = Integer.parseInt(t.base.substring(t.base.lastIndexOf(':') + 1));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static Map<String, String> headers(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    private static RawHttp.Response raw(String method, String path, String host, String body, String... kv) throws Exception {
        return RawHttp.request(port, method, path, host, headers(kv), body);
    }

    private static void assertJsonError(RawHttp.Response r, int status, String... fragments) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.header("content-type")).as("content type of " + r.text()).contains("json");
        String err = r.json().path("error").asText();
        assertThat(err).as(r.text()).isNotBlank();
        for (String f : fragments) assertThat(err).contains(f);
    }

    private static String wsUpgrade(String origin) {
        return "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" + (origin == null ? "" : "\r\nOrigin: " + origin);
    }

    // 1. cross-site websocket hijacking

    @Test
    void foreignOriginWebsocketUpgradeIsRefused() throws Exception {
        RawHttp.Response evil = RawHttp.send(port, wsUpgrade("http://evil.example"), null, 5000);
        assertJsonError(evil, 403, "Origin");
        RawHttp.Response nullOrigin = RawHttp.send(port, wsUpgrade("null"), null, 5000);
        assertJsonError(nullOrigin, 403, "Origin");
        // the server's own page, a loopback dev server, and a client without a browser still connect
        assertThat(RawHttp.send(port, wsUpgrade("http://127.0.0.1:" + port), null, 5000).status()).isEqualTo(101);
        assertThat(RawHttp.send(port, wsUpgrade("http://localhost:5173"), null, 5000).status()).isEqualTo(101);
        assertThat(RawHttp.send(port, wsUpgrade(null), null, 5000).status()).isEqualTo(101);
    }

    @Test
    void foreignOriginPollingAndRestAreRefused() throws Exception {
        String host = "127.0.0.1:" + port;
        assertJsonError(raw("GET", "/socket.io/?EIO=4&transport=polling", host, null, "Origin", "http://evil.example"), 403, "Origin");
        assertJsonError(raw("POST", "/socket.io/?EIO=4&transport=polling&sid=x", host, "40", "Origin", "https://evil.example"), 403, "Origin");
        assertJsonError(raw("POST", "/api/sessions", host, "{\"source\":{\"kind\":\"synthetic\"}}",
                "Origin", "http://evil.example", "Content-Type", "text/plain"), 403, "Origin");
        assertJsonError(raw("GET", "/metrics", host, null, "Origin", "http://127.0.0.1.evil.example"), 403, "Origin");
        RawHttp.Response own = raw("GET", "/socket.io/?EIO=4&transport=polling", host, null, "Origin", "http://" + host);
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.text()).startsWith("0{");
    }

    // 2. DNS rebinding

    @ParameterizedTest
    @CsvSource({"POST,/api/sessions", "GET,/api/sessions", "GET,/api/health", "GET,/metrics", "GET,/",
            "GET,/sessions/x", "GET,/socket.io/?EIO=4&transport=polling", "OPTIONS,/api/sessions",
            "GET,/api/sessions/x/packets?node=l4_rx", "GET,/api/sessions/x/packets/1"})
    void rebindingHostIsRefusedOnEveryRoute(String method, String path) throws Exception {
        String evil = "rebind.attacker.example:" + port;
        RawHttp.Response r = raw(method, path, evil, method.equals("POST") ? "{\"source\":{\"kind\":\"synthetic\"}}" : null,
                "Origin", "http://" + evil, "Content-Type", "text/plain");
        assertJsonError(r, 403, "Host");
        // without an Origin header too (a page's own navigation, or an <img>)
        assertJsonError(raw(method, path, evil, null), 403, "Host");
    }

    @Test
    void rebindingHostIsRefusedOnTheWebsocketUpgrade() throws Exception {
        String req = wsUpgrade("http://rebind.attacker.example:" + port).replace("Host: 127.0.0.1:" + port, "Host: rebind.attacker.example:" + port);
        assertJsonError(RawHttp.send(port, req, null, 5000), 403, "Host");
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "127.0.0.1", "127.1.2.3", "[::1]", "LOCALHOST", "localhost.", "app.localhost"})
    void loopbackHostsAreServed(String host) throws Exception {
        RawHttp.Response r = raw("GET", "/api/health", host + ":" + port, null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "0.0.0.0", "[::]", "127.1", "2130706433", "evil", "localhost.evil.example", "", "a b", "127.0.0.1:99999"})
    void otherHostsAreRefusedOnLoopback(String host) throws Exception {
        RawHttp.Response r = raw("GET", "/api/health", host.contains(":") || host.isEmpty() ? host : host + ":" + port, null);
        // Jetty itself refuses the malformed ones (400) before our check (403)
        assertJsonError(r, r.status() == 400 ? 400 : 403);
    }

    @Test
    void allowHostAndAllowOriginAdmitAReverseProxy() throws Exception {
        ServerConfig cfg = ServerConfig.defaults(dir.resolve("proxy")).withPort(0)
                .withAccess(new ServerConfig.Access(List.of("skbscope.lan"), List.of("https://dash.example.org")));
        try (TestServer p = new TestServer(cfg)) {
            int pp = Integer.parseInt(p.base.substring(p.base.lastIndexOf(':') + 1));
            assertThat(RawHttp.request(pp, "GET", "/api/health", "skbscope.lan", headers("Origin", "https://dash.example.org"), null).status()).isEqualTo(200);
            assertThat(RawHttp.request(pp, "GET", "/api/health", "SKBSCOPE.LAN:443", headers("Origin", "https://skbscope.lan"), null).status()).isEqualTo(200);
            assertThat(RawHttp.request(pp, "GET", "/api/health", "other.lan", null, null).status()).isEqualTo(403);
            assertThat(RawHttp.request(pp, "GET", "/api/health", "skbscope.lan", headers("Origin", "https://evil.example.org"), null).status()).isEqualTo(403);
        }
    }

    // 3. names in filters: refused at once, never looked up

    @ParameterizedTest
    @CsvSource({"src,cafe", "src,abc", "src,dead.beef", "src,256.1.1.1", "dst,999.0.0.0", "src,127.1", "dst,1.2.3",
            "host,::/-0", "host,localhost", "dst,example.com", "src,0x7f.0.0.1", "src,010.0.0.1"})
    void nameLikeAddressesAreRefusedWithoutALookup(String field, String value) throws Exception {
        t.get("/api/health");   // warm
        CountingResolverProvider.LOOKUPS.clear();
        String body = "{\"source\":{\"kind\":\"synthetic\"},\"filter\":{\"" + field + "\":\"" + value + "\"}}";
        // a lookup would make every attempt wait for the resolver; a busy machine delays only some
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            TestServer.Reply r = t.post("/api/sessions", body);
            best = Math.min(best, (System.nanoTime() - t0) / 1_000_000);
            assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
            assertThat(r.json().path("error").asText()).startsWith("filter." + field + ":");
        }
        assertThat(best).as("answered without waiting for a resolver (best of 5, ms)").isLessThan(100);
        String bare = value.contains("/") ? value.substring(0, value.indexOf('/')) : value;
        assertThat(CountingResolverProvider.LOOKUPS).as("names looked up").doesNotContain(value, bare);
    }

    // 4. integer overflow

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"filter\":{\"dport\":4294967419}}|filter.dport|0..65535",
            "{\"filter\":{\"sport\":-4294967216}}|filter.sport|0..65535",
            "{\"filter\":{\"port\":65536}}|filter.port|0..65535",
            "{\"filter\":{\"port\":443.5}}|filter.port|0..65535",
            "{\"filter\":{\"netns\":18446744073709551621}}|filter.netns|0..18446744073709551615",
            "{\"filter\":{\"netns\":-1}}|filter.netns|0..18446744073709551615",
            "{\"filter\":{\"ifindex\":2147483648}}|filter.ifindex|1..2147483647",
            "{\"filter\":{\"protocol\":262}}|filter.protocol|0..255",
            "{\"source\":{\"kind\":\"synthetic\",\"seed\":1e23}}|source.seed|0..9007199254740991",
            "{\"source\":{\"kind\":\"synthetic\",\"seed\":100000000000000000000000}}|source.seed|0..9007199254740991",
            "{\"source\":{\"kind\":\"synthetic\",\"rate\":1e400}}|source.rate|0.001..10000000",
            "{\"source\":{\"kind\":\"synthetic\",\"drop_share\":1.0000000000000000001}}|source.drop_share|0..1",
            "{\"source\":{\"kind\":\"replay\",\"path\":\"tiny.jsonl\",\"speed\":-0.0001}}|source.speed|0..10000",
            "{\"max_tracked_skbs\":4294967297}|max_tracked_skbs|1..10000000",
            "{\"max_functions\":0}|max_functions|1..1000",
            "{\"idle_timeout_ms\":9}|idle_timeout_ms|10..3600000",
            "{\"socket_timeout_ms\":4294967306}|socket_timeout_ms|10..3600000"})
    void outOfRangeNumbersAreRefusedNamingFieldAndRange(String body, String field, String range) throws Exception {
        TestServer.Reply r = t.post("/api/sessions", body);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
        assertThat(r.json().path("error").asText()).startsWith(field + ":").contains(range);
    }

    @Test
    void exactBoundaryValuesAreAccepted() throws Exception {
        String id = t.createSession("{\"source\":{\"kind\":\"synthetic\",\"seed\":9007199254740991,\"rate\":10000000,\"drop_share\":1},"
                + "\"filter\":{\"dport\":65535,\"sport\":0,\"netns\":18446744073709551615},\"record\":false}");
        JsonNode info = t.get("/api/sessions/" + id).json();
        assertThat(info.path("filter").path("netns").asText()).isEqualTo("18446744073709551615");
        assertThat(info.path("source").path("seed").asLong()).isEqualTo(9007199254740991L);
        t.delete("/api/sessions/" + id + "?purge=true");
    }

    // 5. lenient parsing

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"max_tracked_skb\":5}|max_tracked_skb: unknown field|did you mean max_tracked_skbs?",
            "{\"mdoe\":\"nft\"}|mdoe: unknown field|did you mean mode?",
            "{\"filter\":{\"dprot\":53}}|filter.dprot: unknown field|did you mean filter.dport?",
            "{\"source\":{\"kind\":\"synthetic\",\"rtae\":5}}|source.rtae: unknown field|did you mean source.rate?",
            "{\"source\":{\"kind\":\"live\",\"rate\":5}}|source.rate: unknown field|(fields: kind)",
            "{\"zzzzzzzz\":1}|zzzzzzzz: unknown field|(fields: id, session_id"})
    void unknownFieldsAreRefusedWithTheClosestKnownOne(String body, String start, String hint) throws Exception {
        TestServer.Reply r = t.post("/api/sessions", body);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
        assertThat(r.json().path("error").asText()).startsWith(start).contains(hint);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"mode\":\"full\"} garbage", "{\"mode\":\"full\"}{}", "{\"mode\":\"full\"} 1", "{\"mode\":\"full\"}]",
            "{\"mode\":\"full\",\"mode\":\"nft\"}", "{\"mode\":\"full\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
            "\"full\"", "NaN", "{\"source\":{\"kind\":\"synthetic\",\"rate\":NaN}}"})
    void malformedBodiesAreRefusedAndStartNothing(String body) throws Exception {
        int before = t.get("/api/sessions").json().path("count").asInt();
        TestServer.Reply r = t.post("/api/sessions", body);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
        assertThat(r.json().path("error").asText()).startsWith("body:");
        assertThat(t.get("/api/sessions").json().path("count").asInt()).isEqualTo(before);
    }

    // 6. a bad polling POST

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "", "9", "b!!!", "40\u001e9x", "\u001e\u001e", "41\u001e"})
    void aBadPollingPostGetsA400WithAReason(String payload) throws Exception {
        String host = "127.0.0.1:" + port;
        RawHttp.Response hs = raw("GET", "/socket.io/?EIO=4&transport=polling", host, null);
        String sid = ServerJson.MAPPER.readTree(hs.text().substring(1)).path("sid").asText();
        RawHttp.Response r = raw("POST", "/socket.io/?EIO=4&transport=polling&sid=" + sid, host, payload, "Content-Type", "text/plain");
        assertJsonError(r, 400, "socket.io");
        assertThat(t.get("/api/health").status()).isEqualTo(200);
    }

    // 8. information leaks

    @Test
    void errorsNameTheRuleNotTheDirectories() throws Exception {
        Files.createSymbolicLink(dir.resolve("data/recordings/passwd.jsonl"), Path.of("/etc/passwd"));
        for (String path : List.of("/etc/passwd", "../../etc/passwd", "missing.jsonl", "passwd.jsonl", "/proc/self/environ", "")) {
            TestServer.Reply r = t.post("/api/sessions", "{\"source\":{\"kind\":\"replay\",\"path\":" + ServerJson.MAPPER.writeValueAsString(path) + "}}");
            assertThat(r.status()).isEqualTo(400);
            String err = r.json().path("error").asText();
            assertThat(err).startsWith("source.path:").doesNotContain(dir.toString()).doesNotContain("/recordings");
        }
    }

    @Test
    void longIdsAreNotEchoedWhole() throws Exception {
        String id = "x".repeat(3_000);
        TestServer.Reply r = t.post("/api/session/" + id + "/start", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.raw().body().length()).isLessThan(300);
        TestServer.Reply big = t.post("/api/sessions", "{\"" + "k".repeat(100_000) + "\":1}");
        assertThat(big.status()).isEqualTo(400);
        assertThat(big.raw().body().length()).isLessThan(400);
    }

    @Test
    void theSocketIoErrorEventTruncatesTheEchoedId() throws Exception {
        SocketIoFrames ws = new SocketIoFrames(t.http, t.base);
        ws.next("0{");
        ws.ws.sendText("40", true).join();
        ws.next("40");
        String id = "x".repeat(5000) + "\u001b[2J";
        ws.ws.sendText("42[\"join_session\",{\"session_id\":\"" + id + "\"}]", true).join();
        String err = ws.next("42[\"error\"");
        String message = ServerJson.MAPPER.readTree(err.substring(2)).get(1).path("message").asText();
        assertThat(message).startsWith("Session not found in trackers: xxx").endsWith("…").hasSizeLessThan(120);
        ws.ws.abort();
    }

    // 9. every error is JSON

    @Test
    void nulInThePathIsAJsonError() throws Exception {
        RawHttp.Response r = raw("GET", "/api/sessions/%00", "127.0.0.1:" + port, null);
        assertJsonError(r, 400);
        assertJsonError(raw("GET", "/%00", "127.0.0.1:" + port, null), 400);
        assertJsonError(raw("GET", "/socket.io/%00?EIO=4&transport=polling", "127.0.0.1:" + port, null), 400);
    }

    /** Jetty closed the connection after some of these without saying so: a keep-alive client's next request failed. */
    @ParameterizedTest
    @ValueSource(strings = {"/api/sessions/%00", "/%2e%2e", "/api/sessions/%c0%af", "/socket.io/%00?EIO=4&transport=polling"})
    void aMalformedRequestsAnswerSaysTheConnectionCloses(String path) throws Exception {
        RawHttp.Response r = RawHttp.send(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port, null, 5000);
        assertJsonError(r, 400);
        assertThat(r.header("connection")).as("Connection header of " + r.text()).isEqualTo("close");
    }

    @Test
    void connectAndUnknownMethodsAreJsonErrors() throws Exception {
        RawHttp.Response connect = RawHttp.send(port, "CONNECT 127.0.0.1:" + port + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close", null, 5000);
        assertThat(connect.status()).isBetween(400, 499);
        assertThat(connect.json().path("error").asText()).isNotBlank();
        RawHttp.Response brew = raw("BREW", "/api/sessions", "127.0.0.1:" + port, null);
        assertThat(brew.status()).isBetween(400, 499);
        assertThat(brew.json().path("error").asText()).isNotBlank();
        RawHttp.Response put = raw("PUT", "/api/sessions", "127.0.0.1:" + port, "{}");
        assertThat(put.status()).isBetween(400, 499);
        assertThat(put.json().path("error").asText()).isNotBlank();
    }

    @Test
    void aFalseContentLengthGetsA408JsonError() throws Exception {
        RawHttp.Response r = RawHttp.send(port, "POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: 100", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), 20_000);
        assertJsonError(r, 408, "body");
    }

    /** Before: the REST routes waited for a body that never came (408 after the idle timeout). */
    @ParameterizedTest
    @ValueSource(strings = {"/api/sessions", "/api/alerts/rules", "/socket.io/?EIO=4&transport=polling&sid=x"})
    void aDeclaredBodyOverTheLimitIsRefusedAtOnceAndTheConnectionCloses(String path) throws Exception {
        RawHttp.Response r = RawHttp.send(port, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: 3000000", "{".getBytes(StandardCharsets.UTF_8), 10_000);
        assertJsonError(r, 413, "body: larger than 1048576 bytes");
        assertThat(r.header("connection")).isEqualTo("close");
    }

    @Test
    void malformedRequestsAreJsonErrors() throws Exception {
        for (String head : List.of("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Bad Header: 1",
                "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX: " + "a".repeat(20_000),
                "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1:" + port,
                "GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b",
                "POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Length: -5",
                "POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Length: 99999999999999999999")) {
            RawHttp.Response r = RawHttp.send(port, head + "\r\nConnection: close", null, 5000);
            assertThat(r.status()).as(head.substring(0, Math.min(60, head.length()))).isBetween(400, 499);
            assertThat(r.json().path("error").asText()).isNotBlank();
        }
        assertThat(t.get("/api/health").status()).isEqualTo(200);
    }
}

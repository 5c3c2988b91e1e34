package dev.skbscope.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * engine.io sessions never outlive their clients: abandoned polling and websocket clients, ones
 * that post garbage, and ones that never join the namespace all expire; handshakes without a token
 * are rate-limited per address.
 */
class EngineIoSessionsTest {
    @TempDir Path dir;
    TestServer t;
    int port;

    private void start(ServerConfig.Limits limits, String token) throws Exception {
        ServerConfig cfg = ServerConfig.defaults(dir).withPort(0).withIntervals(200, 300).withLimits(limits);
        if (token != null) cfg = cfg.withListen("127.0.0.1", token);
        t = new TestServer(cfg);
        port = Integer.parseInt(t.base.substring(t.base.lastIndexOf(':') + 1));
    }

    @AfterEach
    void stop() {
        if (t != null) t.close();
    }

    private int clients() throws Exception {
        return t.get("/api/health").json().path("socketio_clients").asInt();
    }

    /** Waits until the connected-client count satisfies {@code ok}, for at most {@code millis}. */
    private int awaitClients(IntPredicate ok, long millis) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        int n;
        do {
            n = clients();
            if (ok.test(n)) return n;
            Thread.sleep(50);
        } while (System.nanoTime() < end);
        return n;
    }

    private String handshake(String query) throws Exception {
        RawHttp.Response r = RawHttp.request(port, "GET", "/socket.io/?EIO=4&transport=polling" + query, "127.0.0.1:" + port, null, null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return ServerJson.MAPPER.readTree(r.text().substring(1)).path("sid").asText();
    }

    private void post(String sid, String payload) throws Exception {
        RawHttp.request(port, "POST", "/socket.io/?EIO=4&transport=polling&sid=" + sid, "127.0.0.1:" + port, null, payload);
    }

    /** Starts a long-poll GET and drops the connection without reading the answer. */
    private void abandonPoll(String sid) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            OutputStream out = s.getOutputStream();
            out.write(("GET /socket.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            s.setSoLinger(true, 0);   // vanish: RST, no FIN handshake
        }
    }

    @Test
    void abandonedPollingSessionsNeverStay() throws Exception {
        // the defaults: socket.io's own 45 s connect timeout raced engine.io's 25 + 20 s ping timeout,
        // and a connection closed by the former was never forgotten
        start(ServerConfig.Limits.DEFAULT, null);
        for (int i = 0; i < 40; i++) {
            String sid = handshake("");
            if (i % 2 == 0) post(sid, "garbage");
            abandonPoll(sid);
        }
        assertThat(clients()).isEqualTo(40);
        assertThat(awaitClients(n -> n == 0, 60_000)).isZero();
        assertThat(engineClients()).isZero();
    }

    @Test
    void joinedPollingClientsThatVanishExpireAfterThePingTimeout() throws Exception {
        start(ServerConfig.Limits.DEFAULT.withTimeouts(10_000, 300, 300), null);
        for (int i = 0; i < 30; i++) {
            String sid = handshake("");
            post(sid, "40");
            if (i % 3 == 1) post(sid, "42[\"join_session\",{\"session_id\":\"nope\"}]");
            abandonPoll(sid);
        }
        assertThat(awaitClients(n -> n == 0, 10_000)).isZero();
        assertThat(engineClients()).isZero();
    }

    @Test
    void aClientThatLeavesTheNamespaceIsClosed() throws Exception {
        start(ServerConfig.Limits.DEFAULT, null);
        String sid = handshake("");
        post(sid, "40");
        post(sid, "41");
        assertThat(awaitClients(n -> n == 0, 5000)).isZero();
        assertThat(engineClients()).isZero();
    }

    /**
     * The size of engine.io's own table of clients (what holds their memory). The library has no
     * accessor: read by reflection, in this test only, so that a connection we stopped counting but
     * the library still holds is caught.
     */
    private int engineClients() throws Exception {
        var b = SkbscopeServer.class.getDeclaredField("broadcaster");
        b.setAccessible(true);
        var engine = ((dev.skbscope.server.socketio.StatsBroadcaster) b.get(t.server)).engine();
        var f = io.socket.engineio.server.EngineIoServer.class.getDeclaredField("mClients");
        f.setAccessible(true);
        return ((java.util.Map<?, ?>) f.get(engine)).size();
    }

    @Test
    void vanishedWebsocketsExpire() throws Exception {
        start(ServerConfig.Limits.DEFAULT.withTimeouts(10_000, 1500, 1500), null);
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.getOutputStream().write(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            byte[] b = new byte[512];
            assertThat(in.read(b)).isPositive();
            sockets.add(s);   // kept open, never answers a ping
        }
        assertThat(awaitClients(n -> n == 20, 5000)).isEqualTo(20);
        assertThat(awaitClients(n -> n == 0, 10_000)).as("silent websockets closed after the ping timeout").isZero();
        assertThat(engineClients()).isZero();
        for (Socket s : sockets) s.close();
    }

    @Test
    void sessionsThatNeverJoinTheNamespaceAreClosed() throws Exception {
        start(ServerConfig.Limits.DEFAULT.withTimeouts(1500, 25_000, 20_000), null);
        for (int i = 0; i < 10; i++) handshake("");
        assertThat(clients()).isPositive();
        assertThat(awaitClients(n -> n == 0, 5000)).isZero();
        assertThat(engineClients()).isZero();
    }

    @Test
    void handshakesWithoutATokenAreRateLimitedPerAddress() throws Exception {
        start(ServerConfig.Limits.DEFAULT.withHandshakes(0.01, 10), "s3cret");   // refill math: HandshakeLimiterTest
        int refused = 0, accepted = 0;
        for (int i = 0; i < 30; i++) {
            RawHttp.Response r = RawHttp.request(port, "GET", "/socket.io/?EIO=4&transport=polling", "127.0.0.1:" + port, null, null);
            if (r.status() == 429) {
                refused++;
                assertThat(r.json().path("error").asText()).contains("handshake");
                assertThat(r.header("retry-after")).isNotNull();
            } else {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(10);
        assertThat(refused).isEqualTo(30 - accepted);
        // a handshake that carries the token is not limited
        RawHttp.Response ok = RawHttp.request(port, "GET", "/socket.io/?EIO=4&transport=polling&token=s3cret", "127.0.0.1:" + port, null, null);
        assertThat(ok.status()).isEqualTo(200);
        // nor is REST
        assertThat(RawHttp.request(port, "GET", "/api/health", "127.0.0.1:" + port, java.util.Map.of("Authorization", "Bearer s3cret"), null).status()).isEqualTo(200);
    }
}

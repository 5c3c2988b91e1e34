package dev.skbscope.server.socketio;

import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.EngineIoWebSocket;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One engine.io websocket connection on Jetty 12. Jetty calls the listener methods on its threads;
 * they only hand work to the {@link SocketIoLoop}. Writes come from the loop and are sent
 * asynchronously, so a client that stops reading never blocks the loop: past a few unsent frames
 * its stats updates are dropped (a newer one follows within a second), and past a hard limit the
 * connection is closed.
 */
public final class JettyEngineIoWebSocket extends EngineIoWebSocket implements Session.Listener.AutoDemanding {
    /** Stats updates are skipped while this many frames are still unsent. */
    static final int DROP_STATS_AT = 2;
    /** A client this far behind is closed. */
    static final int CLOSE_AT = 256;
    private static final String STATS_PREFIX = "42[\"" + StatsBroadcaster.STATS_EVENT + "\"";

    private final SocketIoLoop loop;
    private final EngineIoServer engine;
    private final Map<String, String> query;
    private final Map<String, List<String>> headers;
    private final SocketIoMetrics metrics;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Session session;

    JettyEngineIoWebSocket(SocketIoLoop loop, EngineIoServer engine, Map<String, String> query,
                           Map<String, List<String>> headers, SocketIoMetrics metrics) {
        this.loop = loop;
        this.engine = engine;
        this.query = query;
        this.headers = headers;
        this.metrics = metrics;
    }

    @Override public Map<String, String> getQuery() { return query; }
    @Override public Map<String, List<String>> getConnectionHeaders() { return headers; }

    @Override
    public void write(String message) {
        Session s = session;
        if (s == null || !s.isOpen()) return;
        int p = pending.get();
        if (p >= DROP_STATS_AT && message.startsWith(STATS_PREFIX)) {
            metrics.droppedUpdates.increment();
            return;
        }
        if (p >= CLOSE_AT) {
            metrics.slowClientsClosed.increment();
            s.disconnect();
            return;
        }
        pending.incrementAndGet();
        s.sendText(message, Callback.from(pending::decrementAndGet, t -> pending.decrementAndGet()));
    }

    @Override
    public void write(byte[] message) {
        Session s = session;
        if (s == null || !s.isOpen()) return;
        pending.incrementAndGet();
        s.sendBinary(ByteBuffer.wrap(message), Callback.from(pending::decrementAndGet, t -> pending.decrementAndGet()));
    }

    @Override
    public void close() {
        Session s = session;
        if (s != null && s.isOpen()) s.close(1000, "", Callback.NOOP);
    }

    /** Tests: attach a session without registering with engine.io. */
    void onWebSocketOpenForTest(Session s) {
        session = s;
    }

    // Jetty threads below: hand over to the loop.

    @Override
    public void onWebSocketOpen(Session s) {
        session = s;
        loop.execute(() -> engine.handleWebSocket(this));
    }

    @Override
    public void onWebSocketText(String message) {
        loop.execute(() -> emit("message", message));
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        byte[] b = new byte[payload.remaining()];
        payload.get(b);
        callback.succeed();
        loop.execute(() -> emit("message", (Object) b));
    }

    @Override
    public void onWebSocketClose(int status, String reason) {
        loop.execute(() -> emit("close"));
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        loop.execute(() -> emit("error", "websocket error", String.valueOf(cause.getMessage())));
    }
}

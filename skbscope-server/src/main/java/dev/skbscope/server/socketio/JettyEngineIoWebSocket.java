package dev.skbscope.server.socketio;

import io.socket.engineio.server.EngineIoWebSocket;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

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

    private final SocketIoLoop loop;
    /** Loop: hands this websocket to engine.io once it is open ({@link StatsBroadcaster#openWebSocket}). */
    private final Consumer<JettyEngineIoWebSocket> opener;
    private final Map<String, String> query;
    private final Map<String, List<String>> headers;
    private final SocketIoMetrics metrics;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Session session;

    JettyEngineIoWebSocket(SocketIoLoop loop, Consumer<JettyEngineIoWebSocket> opener, Map<String, String> query,
                           Map<String, List<String>> headers, SocketIoMetrics metrics) {
        this.loop = loop;
        this.opener = opener;
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
        if (p >= DROP_STATS_AT && StatsPacket.isStatsFrame(message)) {
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

    /**
     * Loop: sends a stats update already encoded as an engine.io text packet (UTF-8), the same
     * buffer for every client of a room, so a tick does no per-client encoding or copying. Skipped
     * like {@link #write(String)} stats when the client has not taken the earlier ones.
     *
     * @return whether it was handed to Jetty
     */
    boolean writeSharedStats(ByteBuffer utf8) {
        Session s = session;
        if (s == null || !s.isOpen()) return false;
        if (pending.get() >= DROP_STATS_AT) {
            metrics.droppedUpdates.increment();
            return false;
        }
        pending.incrementAndGet();
        if (s instanceof WebSocketSession ws) {
            ws.getCoreSession().sendFrame(new Frame(OpCode.TEXT, utf8.slice()),
                    org.eclipse.jetty.util.Callback.from(pending::decrementAndGet, t -> pending.decrementAndGet()), false);
        } else {
            s.sendText(StandardCharsets.UTF_8.decode(utf8.slice()).toString(),
                    Callback.from(pending::decrementAndGet, t -> pending.decrementAndGet()));
        }
        return true;
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
        loop.execute(() -> opener.accept(this));
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

package dev.skbscope.server.socketio;

import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.EngineIoSocket;
import io.socket.engineio.server.ReadyState;
import io.socket.engineio.server.parser.Packet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Every engine.io connection from handshake to close, so that none outlives its client. Confined
 * to the {@link SocketIoLoop}.
 *
 * <p>engine.io's ping timeout closes a silent client, and that close is what makes the library
 * forget the connection: its {@code "close"} listeners remove it. socket.io-server's own
 * "connection timeout" for clients that never join a namespace closes the connection differently:
 * it detaches every {@code "close"} listener of the connection first, the library's own included,
 * so a connection closed that way stays in engine.io's client table for good (with the default
 * 45 s, the same as ping interval + timeout, about half the abandoned polling clients were kept
 * forever). So this class closes such clients itself, earlier and through the protocol
 * ({@link #forceClose}), and pushes the library's timer past its own. It also closes a connection
 * once its client leaves the namespace, and sweeps once a second for connections that are silent
 * past the ping timeout or closed without telling anyone.
 */
public final class EngineIoSessions implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EngineIoSessions.class);
    /** Extra wait for a silent client on top of ping interval + timeout, before we close it ourselves. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** A forced close not done by then is given up on: the connection is forgotten and logged. */
    private static final long FORCE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final EngineIoServer engine;
    private final SocketIoLoop loop;
    private final SocketIoMetrics metrics;
    private final long connectTimeoutNanos;
    private final long silentNanos;
    private final Map<EngineIoSocket, Tracked> open = new HashMap<>();
    private ScheduledFuture<?> sweeper;

    private static final class Tracked {
        final long openedAt;
        long lastSeen;
        boolean joined;
        long forcedAt;

        Tracked(long now) {
            openedAt = now;
            lastSeen = now;
        }
    }

    /** Registers with the engine; call before any client connects. */
    public EngineIoSessions(EngineIoServer engine, SocketIoLoop loop, SocketIoMetrics metrics, long connectTimeoutMillis,
                            long pingIntervalMillis, long pingTimeoutMillis) {
        this.engine = engine;
        this.loop = loop;
        this.metrics = metrics;
        this.connectTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
        this.silentNanos = TimeUnit.MILLISECONDS.toNanos(pingIntervalMillis + pingTimeoutMillis) + GRACE_NANOS;
        engine.on("connection", args -> track((EngineIoSocket) args[0]));
    }

    /** How long socket.io-server should wait before its own (leaky) connect timeout: always after ours. */
    public static long libraryConnectTimeoutMillis(long connectTimeoutMillis) {
        return connectTimeoutMillis + 5_000;
    }

    public void start() {
        sweeper = loop.executor().scheduleWithFixedDelay(() -> {
            try {
                sweep(System.nanoTime());
            } catch (RuntimeException e) {
                log.warn("[SocketIO] session sweep failed: {}", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    private void track(EngineIoSocket conn) {
        Tracked t = new Tracked(System.nanoTime());
        open.put(conn, t);
        metrics.connectedClients = open.size();
        conn.on("packet", a -> {
            t.lastSeen = System.nanoTime();
            if (a.length > 0 && a[0] instanceof Packet<?> p && Packet.MESSAGE.equals(p.type) && p.data instanceof String s && !s.isEmpty()) {
                char type = s.charAt(0);   // the socket.io packet type
                if (type == '0') t.joined = true;
                // the client left the namespace (we serve only "/"): it has no use for the connection
                if (type == '1') loop.execute(() -> forceClose(conn, "left the namespace"));
            }
        });
        conn.on("close", a -> untrack(conn));
    }

    private void untrack(EngineIoSocket conn) {
        if (open.remove(conn) != null) metrics.connectedClients = open.size();
    }

    /** Loop: closes connections that never joined, went silent, or closed behind our back. */
    void sweep(long now) {
        for (var e : new ArrayList<>(open.entrySet())) {
            EngineIoSocket conn = e.getKey();
            Tracked t = e.getValue();
            if (conn.getReadyState() == ReadyState.CLOSED) {
                log.warn("[SocketIO] engine.io connection {} closed without a close event; forgotten", conn.getId());
                untrack(conn);
            } else if (t.forcedAt != 0) {
                if (now - t.forcedAt > FORCE_WAIT_NANOS) {
                    log.warn("[SocketIO] engine.io connection {} did not close when asked; forgotten", conn.getId());
                    untrack(conn);
                }
            } else if (!t.joined && now - t.openedAt > connectTimeoutNanos) {
                forceClose(conn, "no Socket.IO connect in time");
            } else if (now - t.lastSeen > silentNanos) {
                forceClose(conn, "silent past the ping timeout");
            }
        }
    }

    /**
     * Loop: closes a connection in a way that fires its close event: a websocket closes at once; a
     * polling connection gets a close packet as if its client had posted one (engine.io's own
     * {@code close()} would wait for a poll that an abandoned client never sends).
     */
    void forceClose(EngineIoSocket conn, String why) {
        Tracked t = open.get(conn);
        if (t == null || t.forcedAt != 0) return;
        t.forcedAt = System.nanoTime();
        if (t.forcedAt == 0) t.forcedAt = 1;
        log.debug("[SocketIO] closing engine.io connection {}: {}", conn.getId(), why);
        metrics.closedIdle.increment();
        conn.close();
        if (conn.getReadyState() != ReadyState.CLOSED) PollingExchange.deliverClose(engine, conn.getId(), loop);
    }

    /** Connections open now (loop). */
    int size() { return open.size(); }

    @Override
    public void close() {
        if (sweeper != null) sweeper.cancel(false);
    }
}

package dev.skbscope.server.socketio;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the Socket.IO side, read by the metrics collector. Thread-safe. */
public final class SocketIoMetrics {
    /** Stats updates not sent because the client had not taken the previous ones. */
    public final LongAdder droppedUpdates = new LongAdder();
    /** Connections closed because they fell too far behind. */
    public final LongAdder slowClientsClosed = new LongAdder();
    /** Stats updates handed to clients. */
    public final LongAdder sentUpdates = new LongAdder();
    /** Ticks at which a room's update went out after the tick, when its session thread had published. */
    public final LongAdder lateUpdates = new LongAdder();
    /** Handshakes refused for a missing or wrong token. */
    public final LongAdder refusedHandshakes = new LongAdder();
    /** engine.io connections we closed: never joined in time, silent past the ping timeout, or left the namespace. */
    public final LongAdder closedIdle = new LongAdder();
    /** Handshakes refused because their address opened too many without a token. */
    public final LongAdder rateLimitedHandshakes = new LongAdder();
    /** engine.io connections open now (written on the Socket.IO loop by {@link EngineIoSessions}). */
    volatile int connectedClients;
    volatile int subscribedClients;

    public int connectedClients() { return connectedClients; }
    public int subscribedClients() { return subscribedClients; }
}

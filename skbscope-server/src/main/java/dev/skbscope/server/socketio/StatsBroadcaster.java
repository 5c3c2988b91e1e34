package dev.skbscope.server.socketio;

import dev.skbscope.server.http.Echo;
import dev.skbscope.server.session.RealtimeTracker;
import dev.skbscope.server.session.Session;
import dev.skbscope.server.session.SessionRegistry;
import dev.skbscope.server.stats.PublishedStats;
import dev.skbscope.server.stats.StatsListener;
import dev.skbscope.server.stats.TickSchedule;
import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.EngineIoServerOptions;
import io.socket.engineio.server.EngineIoSocket;
import io.socket.engineio.server.ReadyState;
import io.socket.engineio.server.parser.Packet;
import io.socket.socketio.server.SocketIoNamespace;
import io.socket.socketio.server.SocketIoServer;
import io.socket.socketio.server.SocketIoServerOptions;
import io.socket.socketio.server.SocketIoSocket;
import org.json.JSONObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleConsumer;

/**
 * The Socket.IO side of the seed: clients {@code join_session}/{@code leave_session} a session's
 * room and receive {@code session_stats_update} at every tick of the server's {@link TickSchedule}.
 * It only reads what the sessions published ({@link Session#published()}): which room gets which
 * value and when is {@link StatsDelivery}'s, the wire framing {@link StatsPacket}'s. Confined to
 * the {@link SocketIoLoop}, except {@link #published}, which any session thread may call.
 */
public final class StatsBroadcaster implements StatsListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatsBroadcaster.class);
    public static final String STATS_EVENT = StatsPacket.EVENT;
    public static final String ALERT_EVENT = "alert";
    /** Stats packets a polling client may have waiting before newer ones are skipped for it. */
    private static final int MAX_QUEUED = 2;

    private final SessionRegistry registry;
    private final SocketIoLoop loop;
    private final SocketIoMetrics metrics;
    private final String token;
    private final EngineIoServer engine;
    private final TickSchedule schedule;
    private final DoubleConsumer tickSeconds;
    private final DoubleConsumer lateSeconds;
    private final StatsDelivery<Client> delivery;
    private final Map<SocketIoSocket, Client> clients = new HashMap<>();
    /** Clients that asked for every session's {@code alert} events ({@code join_alerts}). */
    private final Set<Client> alertWatchers = new LinkedHashSet<>();
    /** engine.io connections opened as websockets, to their Jetty side (updates bypass engine.io's encoder). */
    private final Map<EngineIoSocket, JettyEngineIoWebSocket> websockets = new HashMap<>();
    /** The websocket whose engine.io connection is being set up right now (see {@link #openWebSocket}). */
    private JettyEngineIoWebSocket opening;
    /** The packet framed for the value sent last, reused while the same value goes to more clients. */
    private StatsPacket lastPacket;
    private volatile ScheduledFuture<?> ticker;
    private volatile boolean closed;

    /** One connected Socket.IO socket and its delivery state. */
    private static final class Client {
        final SocketIoSocket socket;
        final EngineIoSocket connection;
        /** The websocket this connection was opened on, or null (long-polling, maybe upgraded later). */
        final JettyEngineIoWebSocket websocket;
        int queued;

        Client(SocketIoSocket socket, JettyEngineIoWebSocket websocket) {
            this.socket = socket;
            this.connection = socket.getClient().getConnection();
            this.websocket = websocket;
        }
    }

    /**
     * @param schedule    the ticks to deliver at (the sessions publish on the same schedule)
     * @param token       required token, or null
     * @param connectTimeoutMillis how long a connection may stay without joining the namespace
     * @param tickSeconds receives the duration of each emit tick (metrics)
     * @param lateSeconds receives how late each tick started after its deadline (metrics)
     */
    public StatsBroadcaster(SessionRegistry registry, SocketIoLoop loop, SocketIoMetrics metrics, TickSchedule schedule,
                            String token, long pingIntervalMillis, long pingTimeoutMillis, long connectTimeoutMillis, DoubleConsumer tickSeconds,
                            DoubleConsumer lateSeconds) {
        this.registry = registry;
        this.loop = loop;
        this.metrics = metrics;
        this.schedule = schedule;
        this.token = token;
        this.tickSeconds = tickSeconds;
        this.lateSeconds = lateSeconds;
        this.delivery = new StatsDelivery<>(this::latest, this::send, metrics.lateUpdates::increment);
        EngineIoServerOptions opts = EngineIoServerOptions.newFromDefault();
        opts.setPingInterval(pingIntervalMillis);
        opts.setPingTimeout(pingTimeoutMillis);
        opts.setCorsHandlingDisabled(true);
        opts.setAllowSyncPolling(false);
        opts.setScheduledExecutorService(loop.executor());
        engine = new EngineIoServer(opts);
        // registered before SocketIoServer's own listener, so the token check sees CONNECT first
        engine.on("connection", args -> onEngineConnection((EngineIoSocket) args[0]));
        // the library's timeout for clients that never join leaks their connection (see EngineIoSessions): keep it after ours
        SocketIoServer io = new SocketIoServer(engine, SocketIoServerOptions.newFromDefault()
                .setConnectionTimeout(EngineIoSessions.libraryConnectTimeoutMillis(connectTimeoutMillis)));
        SocketIoNamespace ns = io.namespace("/");
        ns.on("connection", args -> onConnect((SocketIoSocket) args[0]));
    }

    public EngineIoServer engine() { return engine; }

    private PublishedStats latest(String sessionId) {
        if (sessionId.equals(RealtimeTracker.ID)) return registry.realtime().published();
        Session s = registry.get(sessionId);
        return s == null ? null : s.published();
    }

    /** Any session thread: a session published; a room waiting for it is served on the loop. */
    @Override
    public void published(PublishedStats stats) {
        if (!closed) loop.execute(() -> delivery.published(stats.sessionId()));
    }

    /**
     * Starts the ticks: at each tick's time on the schedule. A tick that starts late does not move
     * the next one, and ticks missed altogether are skipped rather than run back to back (which
     * would give clients two updates at once).
     */
    public void start() {
        loop.execute(() -> scheduleTick(schedule.tickAt(schedule.now()) + 1));
    }

    private void scheduleTick(long k) {
        if (closed) return;
        ticker = loop.scheduleAtNanos(() -> onTick(k), schedule.tickTime(k));
    }

    private void onTick(long k) {
        long now = schedule.now();
        long due = schedule.tickAt(now);   // k, or later if the loop was held up past whole ticks
        lateSeconds.accept(Math.max(0, now - schedule.tickTime(due)) / 1e9);
        try {
            delivery.tick(Math.max(k, due));
        } finally {
            tickSeconds.accept((schedule.now() - now) / 1e9);
            scheduleTick(Math.max(k, due) + 1);
        }
    }

    /**
     * Loop: hands a new websocket to engine.io. Its "connection" listeners run inside this call,
     * so {@link #onEngineConnection} learns which websocket the connection is on.
     */
    void openWebSocket(JettyEngineIoWebSocket ws) {
        opening = ws;
        try {
            engine.handleWebSocket(ws);
        } finally {
            opening = null;
        }
    }

    private void onEngineConnection(EngineIoSocket conn) {
        if (opening != null) websockets.put(conn, opening);
        conn.on("close", a -> websockets.remove(conn));
        if (token == null) return;
        if (tokenMatches(conn.getInitialQuery().get("token"))) return;
        conn.once("data", a -> {
            String auth = null;
            if (a.length > 0 && a[0] instanceof String s && s.startsWith("0")) {
                int brace = s.indexOf('{');
                if (brace >= 0) {
                    try {
                        auth = new JSONObject(s.substring(brace)).optString("token", null);
                    } catch (RuntimeException ignored) {
                        // not JSON: no token
                    }
                }
            }
            if (!tokenMatches(auth)) {
                metrics.refusedHandshakes.increment();
                conn.send(new Packet<>(Packet.MESSAGE, "44{\"message\":\"unauthorized: missing or wrong token (pass auth: {token} or ?token=)\"}"));
                conn.close();
            }
        });
    }

    private boolean tokenMatches(String given) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    private void onConnect(SocketIoSocket socket) {
        Client c = new Client(socket, websockets.get(socket.getClient().getConnection()));
        clients.put(socket, c);
        c.connection.on("drain", a -> c.queued = 0);
        socket.on("join_session", args -> join(c, sessionIdOf(args)));
        socket.on("leave_session", args -> leave(c, sessionIdOf(args)));
        socket.on("join_alerts", args -> {
            alertWatchers.add(c);
            c.socket.send("joined_alerts", new JSONObject());
        });
        socket.on("leave_alerts", args -> {
            alertWatchers.remove(c);
            c.socket.send("left_alerts", new JSONObject());
        });
        socket.on("disconnect", args -> {
            delivery.leaveAll(c);
            metrics.subscribedClients = delivery.subscribedClients();
            alertWatchers.remove(c);
            clients.remove(socket);
        });
    }

    private static String sessionIdOf(Object[] args) {
        if (args.length == 0 || args[0] == null) return null;
        Object a = args[0];
        if (a instanceof JSONObject o) {
            Object id = o.opt("session_id");
            return id == null || id == JSONObject.NULL ? null : id.toString();
        }
        if (a instanceof String s) return s;
        return null;
    }

    private void join(Client c, String id) {
        if (id == null || (registry.get(id) == null && !id.equals(RealtimeTracker.ID))) {
            c.socket.send("error", new JSONObject().put("message", "Session not found in trackers: " + Echo.bare(id)));
            return;
        }
        c.socket.send("joined_session", new JSONObject().put("session_id", id));
        delivery.join(c, id);
        metrics.subscribedClients = delivery.subscribedClients();
    }

    private void leave(Client c, String id) {
        if (id == null) return;
        delivery.leave(c, id);
        metrics.subscribedClients = delivery.subscribedClients();
        c.socket.send("left_session", new JSONObject().put("session_id", id));
    }

    /**
     * One value to clients: framed once ({@link StatsPacket}) and handed to every websocket client
     * as the same bytes; long-polling clients go through engine.io.
     */
    private void send(Collection<Client> members, PublishedStats stats) {
        StatsPacket packet = lastPacket != null && lastPacket.stats() == stats ? lastPacket : (lastPacket = StatsPacket.of(stats));
        ByteBuffer shared = null;
        for (Client c : members) {
            if (c.connection.getReadyState() != ReadyState.OPEN) continue;
            if (c.websocket == null) {
                sendPolling(c, packet);
                continue;
            }
            if (shared == null) shared = packet.frame();
            if (c.websocket.writeSharedStats(shared)) metrics.sentUpdates.increment();
        }
    }

    private void sendPolling(Client c, StatsPacket packet) {
        if (c.queued >= MAX_QUEUED) {
            metrics.droppedUpdates.increment();
            return;
        }
        c.queued++;
        c.connection.send(new Packet<>(Packet.MESSAGE, packet.socketIoPacket()));
        metrics.sentUpdates.increment();
    }

    /**
     * Sends an {@code alert} event ({@code json} is its payload object) to the clients in the
     * session's room and to those that joined all alerts, once each. Any thread.
     */
    public void sendAlert(String sessionId, String json) {
        loop.execute(() -> {
            JSONObject payload = new JSONObject(json);
            Set<Client> to = new LinkedHashSet<>(delivery.members(sessionId));
            to.addAll(alertWatchers);
            for (Client c : to) {
                if (c.connection.getReadyState() != ReadyState.OPEN) continue;
                c.socket.send(ALERT_EVENT, payload);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> t = ticker;
        if (t != null) t.cancel(false);
        if (loop.executor().isShutdown()) return;
        CountDownLatch told = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                // a copy: each disconnect removes its client from the map (on this thread, at once)
                for (Client c : List.copyOf(clients.values())) {
                    try {
                        c.socket.disconnect(true);
                    } catch (RuntimeException e) {
                        log.debug("disconnect failed: {}", e.toString());
                    }
                }
                engine.shutdown();
            } finally {
                told.countDown();
            }
        });
        // the clients are told before the server goes on to stop its HTTP side (which would cut them first)
        try {
            if (!told.await(2, TimeUnit.SECONDS)) log.warn("[SocketIO] clients not all told of the shutdown within 2 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

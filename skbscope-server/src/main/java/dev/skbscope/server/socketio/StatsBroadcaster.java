package dev.skbscope.server.socketio;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.http.Echo;
import dev.skbscope.server.session.Session;
import dev.skbscope.server.session.SessionRegistry;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.function.DoubleConsumer;

/**
 * The Socket.IO side of the seed: clients {@code join_session}/{@code leave_session} a session's
 * room and receive {@code session_stats_update} every second. Confined to the {@link SocketIoLoop}:
 * every method below runs there, so rooms need no locks. Each tick takes one snapshot per watched
 * session, serialises it once, and hands the same encoded packet to every client of the room.
 */
public final class StatsBroadcaster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatsBroadcaster.class);
    public static final String STATS_EVENT = "session_stats_update";
    /** Stats packets a polling client may have waiting before newer ones are skipped for it. */
    private static final int MAX_QUEUED = 2;

    private final SessionRegistry registry;
    private final SocketIoLoop loop;
    private final SocketIoMetrics metrics;
    private final String token;
    private final EngineIoServer engine;
    private final DoubleConsumer tickSeconds;
    private final DoubleConsumer lateSeconds;
    /** Session id to the clients in its room (insertion-ordered for fair delivery order). */
    private final Map<String, Set<Client>> rooms = new HashMap<>();
    /** Rooms of stopped sessions that already got their final snapshot. */
    private final Set<String> finalSent = new LinkedHashSet<>();
    private final Map<SocketIoSocket, Client> clients = new HashMap<>();
    /** engine.io connections opened as websockets, to their Jetty side (updates bypass engine.io's encoder). */
    private final Map<EngineIoSocket, JettyEngineIoWebSocket> websockets = new HashMap<>();
    /** The packet sent to each room at the last tick, reused for clients joining between ticks. */
    private final Map<String, String> lastPacket = new HashMap<>();
    private volatile ScheduledFuture<?> ticker;
    private volatile boolean closed;
    private long periodNanos = 1_000_000_000L;
    /** The deadline of the next tick ({@link System#nanoTime()}); ticks keep to a fixed grid. */
    private long nextTickNanos;
    /** The publish due time asked of the watched sessions for the coming tick (see {@link Session#requestPublish}). */
    private long askedDue;
    /** How long before a tick the session threads take its snapshot. */
    private long leadNanos;
    /** Rooms whose session thread had not published when their tick came: session id to the due awaited. */
    private final Map<String, Long> late = new HashMap<>();
    /** The publish due time last asked of each watched session. */
    private final Map<String, Long> askedFor = new HashMap<>();

    /** One connected Socket.IO socket and its delivery state. */
    private static final class Client {
        final SocketIoSocket socket;
        final EngineIoSocket connection;
        /** The websocket this connection was opened on, or null (long-polling, maybe upgraded later). */
        final JettyEngineIoWebSocket websocket;
        int queued;
        final Set<String> rooms = new LinkedHashSet<>();

        Client(SocketIoSocket socket, JettyEngineIoWebSocket websocket) {
            this.socket = socket;
            this.connection = socket.getClient().getConnection();
            this.websocket = websocket;
        }
    }

    /**
     * @param token       required token, or null
     * @param connectTimeoutMillis how long a connection may stay without joining the namespace
     * @param tickSeconds receives the duration of each emit tick (metrics)
     * @param lateSeconds receives how late each tick started after its deadline (metrics)
     */
    public StatsBroadcaster(SessionRegistry registry, SocketIoLoop loop, SocketIoMetrics metrics, String token,
                            long pingIntervalMillis, long pingTimeoutMillis, long connectTimeoutMillis, DoubleConsumer tickSeconds,
                            DoubleConsumer lateSeconds) {
        this.registry = registry;
        this.loop = loop;
        this.metrics = metrics;
        this.token = token;
        this.tickSeconds = tickSeconds;
        this.lateSeconds = lateSeconds;
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

    /**
     * Starts the emit loop: ticks at absolute deadlines {@code start + k * period}. A tick that
     * starts late does not move the next one, and deadlines missed altogether are skipped rather
     * than run back to back (which would give clients two updates at once).
     */
    public void start(long periodMillis) {
        periodNanos = periodMillis * 1_000_000L;
        leadNanos = Math.min(LEAD_NANOS, periodNanos / 4);
        loop.execute(() -> {
            nextTickNanos = System.nanoTime() + periodNanos;
            scheduleNext();
        });
    }

    /** Session threads snapshot this long before a tick, so the loop finds the packet ready. */
    private static final long LEAD_NANOS = 150_000_000L;

    private void scheduleNext() {
        if (closed) return;
        ticker = loop.scheduleAtNanos(this::tickOnSchedule, nextTickNanos);
    }

    private void tickOnSchedule() {
        long late = System.nanoTime() - nextTickNanos;
        lateSeconds.accept(Math.max(0, late) / 1e9);
        try {
            tick();
        } finally {
            long now = System.nanoTime();
            nextTickNanos += periodNanos;
            if (nextTickNanos - now <= 0) nextTickNanos += ((now - nextTickNanos) / periodNanos + 1) * periodNanos;
            scheduleNext();
        }
    }

    private void onEngineConnection(EngineIoSocket conn) {
        JettyEngineIoWebSocket ws = JettyEngineIoWebSocket.opening();
        if (ws != null) websockets.put(conn, ws);
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
        socket.on("disconnect", args -> {
            for (String room : c.rooms) {
                Set<Client> members = rooms.get(room);
                if (members != null) {
                    members.remove(c);
                    if (members.isEmpty()) rooms.remove(room);
                }
            }
            if (!c.rooms.isEmpty()) metrics.subscribedClients--;
            c.rooms.clear();
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
        Session s = id == null ? null : registry.get(id);
        if (s == null) {
            c.socket.send("error", new JSONObject().put("message", "Session not found in trackers: " + Echo.bare(id)));
            return;
        }
        boolean first = c.rooms.isEmpty();
        if (c.rooms.add(id)) {
            rooms.computeIfAbsent(id, k -> new LinkedHashSet<>()).add(c);
            if (first) metrics.subscribedClients++;
        }
        c.socket.send("joined_session", new JSONObject().put("session_id", id));
        String packet = lastPacket.get(id);
        if (packet == null) {
            packet = encode(s);
            if (packet != null) lastPacket.put(id, packet);
        }
        if (packet != null) sendTo(c, packet);
    }

    private void leave(Client c, String id) {
        if (id == null) return;
        if (c.rooms.remove(id)) {
            Set<Client> members = rooms.get(id);
            if (members != null) {
                members.remove(c);
                if (members.isEmpty()) rooms.remove(id);
            }
            if (c.rooms.isEmpty()) metrics.subscribedClients--;
        }
        c.socket.send("left_session", new JSONObject().put("session_id", id));
    }

    /**
     * One emit tick: a snapshot per watched session, encoded once, to every client of its room. The
     * session threads were asked to take and serialise it just before the tick; one that could not
     * (its source blocked, or it started watching just now) gets its snapshot built here.
     */
    void tick() {
        long t0 = System.nanoTime();
        long due = askedDue;
        long nextDue = nextTickNanos + periodNanos - leadNanos;
        if (nextDue == 0) nextDue = 1;   // 0 means "not asked" to a session
        for (String gone : lastPacket.keySet()) {
            if (!rooms.containsKey(gone)) {
                Session s = registry.get(gone);
                if (s != null) s.watched(false);
            }
        }
        lastPacket.keySet().retainAll(rooms.keySet());
        late.keySet().retainAll(rooms.keySet());
        askedFor.keySet().retainAll(rooms.keySet());
        for (var e : rooms.entrySet()) {
            String id = e.getKey();
            Session s = registry.get(id);
            if (s == null) continue;
            if (!s.running()) {
                if (!finalSent.add(id)) continue;
            } else {
                finalSent.remove(id);
                s.watched(true);
            }
            String packet;
            if (s.running()) {
                Session.Published p = s.published();
                Long asked = askedFor.get(id);
                if (p != null && p.due() == due) {
                    packet = packetOf(p);
                } else if (asked != null && asked == due && !late.containsKey(id)) {
                    awaitPublish(s, due);
                    continue;
                } else {
                    // first tick of this room, or its thread has not published for a whole period
                    // (source blocked?): build it here
                    late.remove(id);
                    s.takeWhenPublished();
                    packet = encode(s);
                }
                s.requestPublish(nextDue);
                askedFor.put(id, nextDue);
            } else {
                packet = encode(s);
            }
            if (packet == null) continue;
            lastPacket.put(id, packet);
            sendToRoom(e.getValue(), packet);
        }
        askedDue = nextDue;
        tickSeconds.accept((System.nanoTime() - t0) / 1e9);
    }

    private static String packetOf(Session.Published p) {
        return "2[\"" + STATS_EVENT + "\"," + p.json() + "]";
    }

    /**
     * The session thread is late with the stats for this tick (it is starved of CPU, or mid-batch):
     * rather than take the session's locks on the loop, which could wait on a descheduled session
     * thread and hold up every other room, send this room's update when the thread has published;
     * if it has not within the lead time (its source blocks in poll), build the stats on the loop.
     */
    private void awaitPublish(Session s, long due) {
        String id = s.id();
        late.put(id, due);
        s.whenPublished(() -> loop.execute(() -> deliverLate(id, due)));
        // a thread blocked in its source's poll holds no locks: past this, build the stats here
        loop.schedule(() -> buildLate(id, due), Math.max(1, leadNanos / 1_000_000));
        Session.Published p = s.published();
        if (p != null && p.due() == due) {
            Runnable r = s.takeWhenPublished();   // published meanwhile: nobody else will run it
            if (r != null) r.run();
        }
    }

    private void buildLate(String id, long due) {
        Session s = takeLate(id, due);
        if (s == null) return;
        s.takeWhenPublished();
        String packet = encode(s);
        if (packet != null) sendLate(s, packet);
    }

    private void deliverLate(String id, long due) {
        Session s = takeLate(id, due);
        if (s == null) return;
        Session.Published p = s.published();
        if (p == null || p.due() != due) return;
        sendLate(s, packetOf(p));
    }

    /** Forgets that {@code id} still owes the update due at {@code due}; its session if it did and has a room. */
    private Session takeLate(String id, long due) {
        Long awaited = late.get(id);
        if (awaited == null || awaited != due) return null;
        late.remove(id);
        Session s = registry.get(id);
        return s != null && rooms.get(id) != null ? s : null;
    }

    private void sendLate(Session s, String packet) {
        String id = s.id();
        Set<Client> members = rooms.get(id);
        if (members == null) return;
        lastPacket.put(id, packet);
        sendToRoom(members, packet);
        metrics.lateUpdates.increment();
        if (s.running()) {
            s.requestPublish(askedDue);
            askedFor.put(id, askedDue);
        }
    }

    /** The socket.io EVENT packet ({@code 2["session_stats_update",{...}]}) for a session, or null without stats. */
    private static String encode(Session s) {
        Object stats = s.running() ? s.snapshot() : s.stats();
        if (stats == null) stats = s.stats();
        if (stats == null) return null;
        Map<String, Object> msg = new LinkedHashMap<>(4);
        msg.put("session_id", s.id());
        msg.put("stats", stats);
        try {
            return "2[\"" + STATS_EVENT + "\"," + ServerJson.MAPPER.writeValueAsString(msg) + "]";
        } catch (JsonProcessingException e) {
            log.warn("[SocketIO] cannot serialise stats of {}: {}", s.id(), e.getOriginalMessage());
            return null;
        }
    }

    /**
     * One update to a room: encoded to UTF-8 once as an engine.io message packet and handed to
     * every websocket client as the same bytes; long-polling clients go through engine.io.
     */
    private void sendToRoom(Set<Client> members, String packet) {
        ByteBuffer shared = null;
        for (Client c : members) {
            if (c.websocket == null) {
                sendTo(c, packet);
                continue;
            }
            if (c.connection.getReadyState() != ReadyState.OPEN) continue;
            if (shared == null) shared = ByteBuffer.wrap(("4" + packet).getBytes(StandardCharsets.UTF_8));
            if (c.websocket.writeSharedStats(shared)) metrics.sentUpdates.increment();
        }
    }

    private void sendTo(Client c, String packet) {
        if (c.connection.getReadyState() != ReadyState.OPEN) return;
        if (c.queued >= MAX_QUEUED) {
            metrics.droppedUpdates.increment();
            return;
        }
        c.queued++;
        c.connection.send(new Packet<>(Packet.MESSAGE, packet));
        metrics.sentUpdates.increment();
    }

    /** Room sizes (session id to clients), for metrics; a copy taken on the loop. */
    public Map<String, Integer> roomSizes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        rooms.forEach((k, v) -> out.put(k, v.size()));
        return out;
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> t = ticker;
        if (t != null) t.cancel(false);
        loop.execute(() -> {
            for (Client c : clients.values()) {
                try {
                    c.socket.disconnect(true);
                } catch (RuntimeException e) {
                    log.debug("disconnect failed: {}", e.toString());
                }
            }
            engine.shutdown();
        });
    }
}

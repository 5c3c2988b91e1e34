package dev.skbscope.cli.top;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.cli.remote.ServerAddress;
import dev.skbscope.cli.remote.ServerClient;
import dev.skbscope.cli.remote.StatsJson;
import dev.skbscope.cli.top.FeedState.AlertLine;
import dev.skbscope.cli.top.FeedState.Connection;
import dev.skbscope.cli.top.FeedState.SessionInfo;
import dev.skbscope.engine.StatsSnapshot;
import io.socket.client.IO;
import io.socket.client.Socket;
import okhttp3.OkHttpClient;
import org.json.JSONObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stats of a running server, over the same Socket.IO events as the web UI ({@code join_session} →
 * {@code session_stats_update} every second), with the session list from REST. Uses the Java
 * Socket.IO client (io.socket:socket.io-client 2.x, which speaks Socket.IO v4 / Engine.IO 4) so
 * that reconnection, the handshake and the token ({@code auth: {token}}) work as for the web UI.
 *
 * <p>Threading: the client's event thread and one scheduler thread update an immutable
 * {@link FeedState} behind a lock; any thread reads it. When the server goes away the state says
 * so and the client keeps retrying (every ≤ 2 s); on reconnection the session is joined again.
 */
public final class ServerFeed implements StatsFeed {
    private static final long SESSIONS_EVERY_MS = 3_000;

    private final ServerAddress address;
    private final ServerClient rest;
    private final String wanted;
    private final OkHttpClient http;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("top-server").daemon(true).unstarted(r));
    private final Map<String, AlertLine> alerts = new LinkedHashMap<>();
    private volatile Socket socket;
    /** The session whose room this connection has joined (null after a disconnect). */
    private String joined;
    private Runnable changed = () -> { };
    private boolean alertsOffered;

    private FeedState state;

    /**
     * @param sessionId the session to watch first, or null for the newest running one
     */
    public ServerFeed(ServerAddress address, String sessionId) {
        this.address = address;
        this.rest = new ServerClient(address);
        this.wanted = sessionId;
        this.http = new OkHttpClient.Builder().connectTimeout(3, TimeUnit.SECONDS)
                .readTimeout(1, TimeUnit.MINUTES).build();
        this.state = new FeedState("server " + address.display(), Connection.CONNECTING, "connecting to " + address.display(),
                List.of(), sessionId, null, 0, null);
    }

    @Override
    public synchronized FeedState state() { return state; }

    @Override
    public void start(Runnable onChange) {
        this.changed = onChange;
        IO.Options opts = IO.Options.builder()
                .setReconnection(true).setReconnectionDelay(500).setReconnectionDelayMax(2_000)
                .setRandomizationFactor(0.2).setTimeout(5_000)
                .setPath(address.base().getRawPath() + "/socket.io")
                .build();
        opts.callFactory = http;
        opts.webSocketFactory = http;
        if (address.token() != null) opts.auth = Map.of("token", address.token());
        socket = IO.socket(address.base().resolve("/"), opts);
        socket.on(Socket.EVENT_CONNECT, a -> onConnect());
        socket.on(Socket.EVENT_DISCONNECT, a -> onDisconnect(a.length > 0 ? String.valueOf(a[0]) : "connection lost"));
        socket.on(Socket.EVENT_CONNECT_ERROR, a -> onConnectError(a.length > 0 ? a[0] : null));
        socket.on("session_stats_update", a -> onStats(a.length > 0 ? a[0] : null));
        socket.on("error", a -> onServerError(a.length > 0 ? a[0] : null));
        socket.on("alert", a -> onAlert(a.length > 0 ? a[0] : null));
        socket.connect();
        scheduler.scheduleWithFixedDelay(this::refreshSessions, 0, SESSIONS_EVERY_MS, TimeUnit.MILLISECONDS);
        // the client gives up on a refused handshake (e.g. a wrong token) and after "io server disconnect": retry
        scheduler.scheduleWithFixedDelay(() -> {
            Socket s = socket;
            if (s != null && !s.connected() && !s.isActive()) s.connect();
        }, 2, 2, TimeUnit.SECONDS);
    }

    private void onConnect() {
        synchronized (this) {
            joined = null;
            state = with(Connection.LIVE, state.current() == null ? "waiting for a session" : null);
        }
        ensureJoined();
        changed.run();
        scheduler.execute(this::refreshSessions);
    }

    /**
     * Joins the room of the session to watch if the connection is up and it has not been joined on
     * this connection yet. Called after everything that may change either (connect, session list,
     * a switch), from any thread: whichever comes last does the join.
     */
    private void ensureJoined() {
        String join, leave;
        synchronized (this) {
            Socket s = socket;
            String target = state.current();
            if (s == null || !s.connected() || target == null || target.equals(joined)) return;
            leave = joined;
            joined = target;
            join = target;
        }
        if (leave != null) emit("leave_session", leave);
        emit("join_session", join);
    }

    private void onDisconnect(String reason) {
        synchronized (this) {
            joined = null;
            state = with(Connection.DISCONNECTED, "disconnected from " + address.display() + " (" + reason + "), reconnecting");
        }
        changed.run();
    }

    private void onConnectError(Object err) {
        String why = err instanceof JSONObject o ? o.optString("message", o.toString())
                : err instanceof Throwable t ? rootMessage(t) : String.valueOf(err);
        synchronized (this) {
            state = with(Connection.DISCONNECTED, "disconnected: cannot connect to " + address.display() + " (" + why + "), retrying");
        }
        changed.run();
    }

    private void onStats(Object payload) {
        if (!(payload instanceof JSONObject o)) return;
        String id = o.optString("session_id", null);
        StatsSnapshot snap;
        try {
            snap = StatsJson.read(StatsJson.MAPPER.readTree(o.get("stats").toString()));
        } catch (IOException | RuntimeException e) {
            return;   // an update we can't read: the next one will do
        }
        synchronized (this) {
            if (id == null || !id.equals(state.current())) return;   // a late update of a session we left
            state = new FeedState(state.source(), Connection.LIVE, null, state.sessions(), id, snap, System.nanoTime(),
                    alertsOffered ? List.copyOf(alerts.values()) : null);
        }
        changed.run();
    }

    private void onServerError(Object payload) {
        String msg = payload instanceof JSONObject o ? o.optString("message", o.toString()) : String.valueOf(payload);
        synchronized (this) {
            state = with(state.connection(), msg);
        }
        changed.run();
    }

    /**
     * A firing or resolved alert. The panel appears once the server has sent one (or answers
     * {@code GET /api/alerts}); fields are read leniently: {@code rule.name}/{@code name},
     * {@code rule.severity}/{@code severity}, {@code key}/{@code node}, {@code state}, {@code value}.
     */
    private void onAlert(Object payload) {
        if (!(payload instanceof JSONObject o)) return;
        try {
            applyAlert(StatsJson.MAPPER.readTree(o.toString()));
        } catch (IOException e) {
            return;
        }
        changed.run();
    }

    private synchronized void applyAlert(JsonNode a) {
        alertsOffered = true;
        if (a.has("session_id") && !a.path("session_id").asText().equals(state.current())) return;
        JsonNode alert = a.has("alert") ? a.get("alert") : a;
        String name = text(alert.path("rule"), "name", text(alert, "name", text(alert, "rule", "alert")));
        String severity = text(alert.path("rule"), "severity", text(alert, "severity", ""));
        String subject = text(alert, "node", text(alert, "key", ""));
        String value = alert.has("value") ? alert.get("value").asText() : "";
        String st = text(alert, "state", "firing");
        String key = name + "\u0000" + subject;
        if (st.equalsIgnoreCase("firing")) alerts.put(key, new AlertLine(severity, name, subject, value));
        else alerts.remove(key);
        state = new FeedState(state.source(), state.connection(), state.detail(), state.sessions(), state.current(),
                state.stats(), state.statsAtNanos(), List.copyOf(alerts.values()));
    }

    private static String text(JsonNode n, String field, String otherwise) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() || v.isContainerNode() ? otherwise : v.asText();
    }

    /** Reads the session list; picks the first session to watch when none is chosen yet. */
    private void refreshSessions() {
        List<SessionInfo> list = new ArrayList<>();
        try {
            for (JsonNode s : rest.sessions())
                list.add(new SessionInfo(s.path("id").asText(), s.path("state").asText(""), s.path("mode").asText(""),
                        s.path("source").path("kind").asText("")));
        } catch (IOException e) {
            return;   // the socket's own state says whether the server is there
        }
        probeAlerts();
        synchronized (this) {
            String current = state.current();
            if (current == null && !list.isEmpty()) current = pick(list);
            String detail = state.detail();
            if (list.isEmpty()) detail = "no sessions on " + address.display() + " yet: start one (web UI, or POST /api/sessions)";
            else if (detail != null && detail.startsWith("no sessions on ")) detail = null;
            state = new FeedState(state.source(), state.connection(), detail, list, current, state.stats(),
                    state.statsAtNanos(), state.alerts());
        }
        ensureJoined();
        changed.run();
    }

    private boolean alertsProbed;

    /** Once: whether the server offers alerts at all, so an empty alert panel can say "none firing". */
    private void probeAlerts() {
        if (alertsProbed) return;
        alertsProbed = true;
        try {
            rest.get("/api/alerts");
            synchronized (this) {
                alertsOffered = true;
                state = new FeedState(state.source(), state.connection(), state.detail(), state.sessions(), state.current(),
                        state.stats(), state.statsAtNanos(), List.copyOf(alerts.values()));
            }
        } catch (IOException e) {
            // no alerts on this server (404) or not now: the panel stays hidden until an alert arrives
        }
    }

    /** The session asked for, else the newest running one, else the newest. */
    private String pick(List<SessionInfo> list) {
        if (wanted != null) {
            for (SessionInfo s : list) if (s.id().equals(wanted)) return wanted;
        }
        for (int i = list.size() - 1; i >= 0; i--) if (list.get(i).state().equals("running")) return list.get(i).id();
        return list.getLast().id();
    }

    @Override
    public void select(String sessionId) {
        synchronized (this) {
            if (sessionId == null || sessionId.equals(state.current())) return;
            alerts.clear();
            state = new FeedState(state.source(), state.connection(), null, state.sessions(), sessionId, null, 0,
                    alertsOffered ? List.of() : null);
        }
        ensureJoined();
        changed.run();
    }

    private void emit(String event, String sessionId) {
        socket.emit(event, new JSONObject(Map.of("session_id", sessionId)));
    }

    private FeedState with(Connection c, String detail) {
        return new FeedState(state.source(), c, detail, state.sessions(), state.current(), state.stats(),
                state.statsAtNanos(), state.alerts());
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) r = r.getCause();
        String m = r.getMessage();
        return m == null ? r.getClass().getSimpleName() : m;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        Socket s = socket;
        if (s != null) s.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}

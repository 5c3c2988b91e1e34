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
 * that reconnection, the handshake and the token ({@code auth: {token}} and {@code ?token=}) work as for the
 * web UI. It sends no {@code Origin} (it is not a page) and the {@code Host} of the URL given.
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
        if (address.token() != null) {
            // as the web UI: auth {token} for the connect, and ?token= so that the server knows the
            // handshake is authenticated (handshakes without a valid token are rate-limited per address)
            opts.auth = Map.of("token", address.token());
            opts.query = "token=" + java.net.URLEncoder.encode(address.token(), java.nio.charset.StandardCharsets.UTF_8);
        }
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
     * A firing or resolved alert ({@code {session_id, alert: {rule, title, severity, state, value,
     * threshold, comparison, unit, node?|hook?|reason?}}}), applied to the alerts panel at once; the
     * panel is also refreshed from {@code GET /api/alerts} with the session list.
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

    private synchronized void applyAlert(JsonNode event) {
        alertsOffered = true;
        if (event.has("session_id") && !event.path("session_id").asText().equals(state.current())) return;
        JsonNode alert = event.has("alert") ? event.get("alert") : event;
        AlertLine line = alertLine(alert);
        String key = line.name() + "\u0000" + line.subject();
        if (text(alert, "state", "firing").equalsIgnoreCase("firing")) alerts.put(key, line);
        else alerts.remove(key);
        state = withAlerts(List.copyOf(alerts.values()));
    }

    /** One alert as a panel line: "error Critical drop rate nf_input 30.1 % (> 20)". */
    static AlertLine alertLine(JsonNode a) {
        String name = text(a, "title", text(a, "rule", "alert"));
        String subject = text(a, "node", text(a, "hook", text(a, "reason", "")));
        String value = "";
        if (a.has("value")) {
            String unit = text(a, "unit", "");
            value = trim(a.get("value").asDouble()) + (unit.isEmpty() ? "" : " " + unit);
            if (a.has("threshold")) value += " (" + text(a, "comparison", "") + " " + trim(a.get("threshold").asDouble()) + ")";
        }
        return new AlertLine(text(a, "severity", ""), name, subject, value);
    }

    private static String trim(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.3g", v);
    }

    /** The session's firing alerts from the server, when it offers alerts (404: it does not, the panel stays hidden). */
    private void refreshAlerts() {
        String current;
        synchronized (this) {
            current = state.current();
        }
        if (current == null) return;
        JsonNode list;
        try {
            list = rest.get("/api/alerts?session=" + java.net.URLEncoder.encode(current, java.nio.charset.StandardCharsets.UTF_8)
                    + "&state=firing").path("alerts");
        } catch (IOException e) {
            return;   // no alerts here (an older server), or not reachable now
        }
        synchronized (this) {
            alertsOffered = true;
            if (!current.equals(state.current())) return;
            alerts.clear();
            for (JsonNode a : list) {
                AlertLine line = alertLine(a);
                alerts.put(line.name() + "\u0000" + line.subject(), line);
            }
            state = withAlerts(List.copyOf(alerts.values()));
        }
    }

    private FeedState withAlerts(List<AlertLine> list) {
        return new FeedState(state.source(), state.connection(), state.detail(), state.sessions(), state.current(),
                state.stats(), state.statsAtNanos(), list);
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
        refreshAlerts();
        changed.run();
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
        scheduler.execute(() -> {
            refreshAlerts();
            changed.run();
        });
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

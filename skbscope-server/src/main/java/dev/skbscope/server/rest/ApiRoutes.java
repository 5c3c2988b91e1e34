package dev.skbscope.server.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.compare.StatsDiff;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.LiveBackends;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.http.RequestBody;
import dev.skbscope.server.session.RealtimeTracker;
import dev.skbscope.server.session.Session;
import dev.skbscope.server.session.SessionRegistry;
import dev.skbscope.server.session.SessionSpecParser;
import dev.skbscope.server.socketio.SocketIoMetrics;
import dev.skbscope.server.stats.PublishedStats;
import dev.skbscope.server.store.SessionStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The REST API: the seed's session, tracking and realtime endpoints plus downloads, capabilities and
 * health. Handlers run on Jetty threads and only call thread-safe registry methods.
 */
public final class ApiRoutes {
    public static final String VERSION = "0.1.0";
    private final SessionRegistry registry;
    private final SessionStore store;
    private final LiveBackends live;
    private final SocketIoMetrics socketIo;
    private final Instant started = Instant.now();

    public ApiRoutes(SessionRegistry registry, SessionStore store, LiveBackends live, SocketIoMetrics socketIo) {
        this.registry = registry;
        this.store = store;
        this.live = live;
        this.socketIo = socketIo;
    }

    public void register(RoutesConfig r) {
        r.get("/api/health", this::health);
        r.get("/api/capabilities", ctx -> ctx.json(live.capabilities()));

        r.get("/api/sessions", ctx -> ctx.json(list()));
        r.post("/api/sessions", ctx -> {
            Session s = registry.create(RequestBody.optional(ctx));
            ctx.status(201).json(created(s, "started"));
        });
        r.get("/api/sessions/{id}", ctx -> ctx.json(registry.require(ctx.pathParam("id")).summary()));
        r.get("/api/sessions/{id}/stats", ctx -> statsOf(ctx, false));
        r.get("/api/sessions/{id}/stats.json", ctx -> statsOf(ctx, true));
        r.get("/api/sessions/{id}/recording", this::recording);
        r.post("/api/sessions/{id}/rebuild", ctx -> {
            Session s = registry.rebuild(ctx.pathParam("id"));
            ctx.json(created(s, "rebuilt"));
        });
        r.get("/api/sessions/{a}/compare/{b}", this::compare);
        r.delete("/api/sessions/{id}", ctx -> {
            boolean purge = "true".equalsIgnoreCase(ctx.queryParam("purge"));
            Session s = registry.delete(ctx.pathParam("id"), purge);
            ObjectNode out = ServerJson.MAPPER.createObjectNode();
            out.put("session_id", s.id());
            out.put("status", purge ? "purged" : "stopped");
            out.put("state", s.state().id());
            ctx.json(out);
        });

        r.get("/api/session/list", ctx -> {
            ObjectNode out = ServerJson.MAPPER.createObjectNode();
            var ids = out.putArray("sessions");
            var running = out.putArray("running");
            for (Session s : registry.list()) {
                ids.add(s.id());
                if (s.running()) running.add(s.id());
            }
            out.put("count", ids.size());
            ctx.json(out);
        });
        r.get("/api/session/{id}/stats", ctx -> statsOf(ctx, false));
        r.post("/api/session/{id}/start", ctx -> {
            String id = ctx.pathParam("id");
            boolean wasRunning = registry.get(id) != null && registry.get(id).running();
            Session s = registry.start(id, RequestBody.optional(ctx));
            ctx.json(created(s, wasRunning ? "already running" : "started"));
        });
        r.post("/api/session/{id}/stop", ctx -> {
            Session s = registry.stop(ctx.pathParam("id"));
            ctx.json(created(s, "stopped"));
        });

        RealtimeTracker rt = registry.realtime();
        r.post("/api/realtime/enable", ctx -> { rt.enable(); ctx.json(realtimeStatus(rt)); });
        r.post("/api/realtime/disable", ctx -> { rt.disable(); ctx.json(realtimeStatus(rt)); });
        r.post("/api/realtime/reset", ctx -> { rt.reset(); ctx.json(realtimeStatus(rt).put("reset", true)); });
        r.get("/api/realtime/stats", ctx -> {
            ObjectNode head = realtimeStatus(rt);
            head.put("session_id", RealtimeTracker.ID);
            ctx.contentType(ContentType.APPLICATION_JSON).result(withStats(head, rt.published()));
        });
    }

    private void health(Context ctx) {
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        out.put("status", "ok");
        out.put("version", VERSION);
        out.put("uptime_seconds", Duration.between(started, Instant.now()).toMillis() / 1000.0);
        out.put("sessions", registry.list().size());
        out.put("running_sessions", registry.running().size());
        out.put("realtime_enabled", registry.realtime().enabled());
        out.put("socketio_clients", socketIo.connectedClients());
        @SuppressWarnings("unchecked")
        var liveCaps = (java.util.Map<String, Object>) live.capabilities().get("live");
        out.putPOJO("live", liveCaps);
        ctx.json(out);
    }

    private ObjectNode list() {
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        var arr = out.putArray("sessions");
        for (Session s : registry.list()) arr.add(s.summary());
        out.put("count", arr.size());
        return out;
    }

    private static ObjectNode created(Session s, String status) {
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        out.put("session_id", s.id());
        out.put("status", status);
        out.set("session", s.summary());
        return out;
    }

    private static ObjectNode realtimeStatus(RealtimeTracker rt) {
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        out.put("enabled", rt.enabled());
        return out;
    }

    /** {@code {"session_id", "state", "stats"}} with the session's latest published stats, as published (not serialised again). */
    private void statsOf(Context ctx, boolean download) throws JsonProcessingException {
        Session s = registry.require(ctx.pathParam("id"));
        ObjectNode head = ServerJson.MAPPER.createObjectNode();
        head.put("session_id", s.id());
        head.put("state", s.state().id());
        if (download) ctx.header("Content-Disposition", "attachment; filename=\"" + s.id() + "-stats.json\"");
        ctx.contentType(ContentType.APPLICATION_JSON).result(withStats(head, s.published()));
    }

    /** {@code head}'s fields and then {@code "stats"}: the published JSON as it is ({@code {}} when none yet). */
    private static byte[] withStats(ObjectNode head, PublishedStats p) throws JsonProcessingException {
        byte[] h = ServerJson.MAPPER.writeValueAsBytes(head);
        byte[] open = java.util.Arrays.copyOf(h, h.length - 1 + STATS_KEY.length);   // drop the closing brace
        System.arraycopy(STATS_KEY, 0, open, h.length - 1, STATS_KEY.length);
        return p == null ? concat(open, EMPTY_STATS) : p.framed(open, CLOSE);
    }

    private static final byte[] STATS_KEY = ",\"stats\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CLOSE = "}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] EMPTY_STATS = "{}}".getBytes(StandardCharsets.UTF_8);

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * {@code GET /api/sessions/{a}/compare/{b}}: what changed from session a to session b
     * ({@link StatsDiff}); running sessions are compared as they are now.
     */
    private void compare(Context ctx) {
        for (String q : ctx.queryParamMap().keySet())
            if (!q.equals("token")) throw ApiException.badRequest(q + ": unknown query parameter (compare takes none)");
        String ida = ctx.pathParam("a"), idb = ctx.pathParam("b");
        StatsSnapshot a = typedStats("a", ida), b = typedStats("b", idb);
        ctx.json(StatsDiff.compare(ida, a, idb, b));
    }

    /** A session's stats as a snapshot: 400 for a malformed id, 404 for an unknown one or one without stats. */
    private StatsSnapshot typedStats(String field, String id) {
        try {
            SessionSpecParser.checkId(id);
        } catch (ApiException e) {
            throw ApiException.badRequest(field + ": " + e.getMessage().replaceFirst("^id: ", ""));
        }
        Session s = registry.get(id);
        if (s == null) throw ApiException.notFound(field + ": session not found: " + id);
        PublishedStats p = s.published();
        if (p == null) throw ApiException.notFound(field + ": session " + id + " has no stats yet");
        if (p.snapshot() != null) return p.snapshot();
        try {   // stats loaded from disk: JSON only
            return STATS_READER.readValue(p.json(), StatsSnapshot.class);
        } catch (IOException | IllegalArgumentException e) {
            throw ApiException.notFound(field + ": session " + id + " has no readable stats: " + e.getMessage());
        }
    }

    /** Reads stats saved by this or an earlier version (keys it no longer knows are skipped). */
    private static final com.fasterxml.jackson.databind.ObjectMapper STATS_READER = ServerJson.MAPPER.copy()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private void recording(Context ctx) throws IOException {
        Session s = registry.require(ctx.pathParam("id"));
        if (s.recordingCheck() != null && "checking".equals(s.recordingCheck().path("state").asText()))
            throw ApiException.conflict("session " + s.id() + ": its recording is being checked after a crash; retry in a moment");
        Path rec = store.recording(s.id());
        if (!Files.isRegularFile(rec)) throw ApiException.notFound("session " + s.id() + " has no recording");
        ctx.header("Content-Disposition", "attachment; filename=\"" + s.id() + ".jsonl.gz\"");
        ctx.contentType("application/gzip");
        InputStream in = Files.newInputStream(rec);
        // a running session's file ends mid gzip member: send the complete prefix the writer last marked
        long complete = s.recordingCompleteBytes();
        ctx.result(complete >= 0 ? new LimitedInput(in, complete) : in);
    }

    /** The first {@code limit} bytes of a stream. */
    private static final class LimitedInput extends java.io.FilterInputStream {
        private long left;

        LimitedInput(InputStream in, long limit) {
            super(in);
            left = limit;
        }

        @Override public int read() throws java.io.IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }

        @Override public int read(byte[] b, int off, int len) throws java.io.IOException {
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }

        @Override public long skip(long n) throws java.io.IOException {
            long k = in.skip(Math.min(n, left));
            left -= k;
            return k;
        }

        @Override public int available() throws java.io.IOException { return (int) Math.min(in.available(), left); }
    }
}

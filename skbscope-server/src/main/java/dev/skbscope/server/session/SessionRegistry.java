package dev.skbscope.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.stats.PublishedStats;
import dev.skbscope.server.stats.StatsListener;
import dev.skbscope.server.stats.TickSchedule;
import dev.skbscope.server.store.SessionStore;
import dev.skbscope.sources.EventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import dev.skbscope.server.ServerJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * All sessions of this server, running or kept from earlier runs. Thread-safe: lookups are lock-free;
 * creating, starting and stopping are serialised on the registry so the running-session limit holds.
 */
public final class SessionRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);
    private static final Pattern NUMBERED = Pattern.compile("session_(\\d{1,18})");

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SessionStore store;
    private final SessionSpecParser parser;
    private final SourceFactory sources;
    private final int maxRunning;
    private final RealtimeTracker realtime;
    private final AtomicLong nextId = new AtomicLong(1);
    /** Writes running sessions' checkpoints. */
    private final Checkpointer checkpointer;
    /** Checks and repairs the recordings of sessions a crash interrupted, after startup. */
    private final java.util.concurrent.ExecutorService recovery = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("crash-recovery").daemon(true).unstarted(r));
    private final List<java.util.function.Consumer<String>> purgeListeners = new CopyOnWriteArrayList<>();
    private final TickSchedule schedule;
    /** Readers told of every published value; the one listener every session notifies is {@link #listener}. */
    private final List<StatsListener> readers = new CopyOnWriteArrayList<>();
    private final StatsListener listener = this::publishedToReaders;

    /** @param schedule when sessions publish their stats */
    public SessionRegistry(SessionStore store, SessionSpecParser parser, SourceFactory sources, int maxRunning,
                           long persistMillis, TickSchedule schedule) {
        this.store = store;
        this.parser = parser;
        this.sources = sources;
        this.maxRunning = maxRunning;
        this.schedule = schedule;
        this.realtime = new RealtimeTracker(schedule, listener);
        this.checkpointer = new Checkpointer(store, persistMillis);
        loadStored();
    }

    public SessionSpecParser parser() { return parser; }

    /** Calls {@code l} with the id of each session purged (after its files are deleted), on the purging thread. */
    public void onPurge(java.util.function.Consumer<String> l) { purgeListeners.add(l); }
    public RealtimeTracker realtime() { return realtime; }
    public TickSchedule schedule() { return schedule; }

    /**
     * Tells {@code reader} of every stats value any session publishes from now on (on the
     * publishing session's thread: see {@link StatsListener}). Readers that only need the latest
     * value at their own pace read {@link Session#published()} instead.
     */
    public void addStatsListener(StatsListener reader) { readers.add(reader); }

    private void publishedToReaders(PublishedStats stats) {
        for (StatsListener r : readers) {
            try {
                r.published(stats);
            } catch (RuntimeException e) {
                log.warn("[Session] A stats listener failed on {}: {}", stats, e.toString());
            }
        }
    }

    private void loadStored() {
        for (SessionStore.Stored s : store.loadAll()) {
            ObjectNode info = s.info();
            SessionState state = SessionState.parse(info.path("state").asText("interrupted"));
            boolean interrupted = state == SessionState.RUNNING || state == SessionState.CREATED;
            if (interrupted) state = SessionState.INTERRUPTED;
            SessionSpec spec = null;
            String restartError = null;
            try {
                spec = parser.parse(configFields(info), s.id()).withId(s.id());
            } catch (ApiException e) {
                restartError = e.getMessage();
            }
            ObjectNode config = spec != null ? Session.configOf(spec) : configFields(info);
            Instant stoppedAt = instant(info, "stopped_at");
            String reason = textOrNull(info, "reason");
            if (interrupted) {
                // it stopped, as far as anyone can tell, at its last checkpoint
                stoppedAt = checkpointTime(s);
                reason = CrashRecovery.REASON;
            }
            Session session = new Session(s.id(), config, spec, restartError, state, instant(info, "created_at"),
                    instant(info, "started_at"), stoppedAt, textOrNull(info, "error"), reason, textOrNull(info, "warning"),
                    s.stats(), store, realtime, schedule, listener, checkpointer);
            sessions.put(s.id(), session);
            bumpNextId(s.id());
            if (interrupted) {
                log.info("[Session] Session {} was running when the server stopped: marked interrupted, stopped at its last "
                        + "checkpoint ({})", s.id(), stoppedAt);
                if (Files.exists(store.recording(s.id()))) {
                    session.recordingCheck(ServerJson.MAPPER.createObjectNode().put("state", "checking"));
                    recovery.execute(() -> recover(session, s));
                } else {
                    session.persistInfo();
                }
            }
        }
        if (!sessions.isEmpty()) log.info("[Session] Loaded {} earlier session(s) from {}", sessions.size(), store.dir(""));
    }

    /** When an interrupted session's last checkpoint was taken (its stats' time), or null when it left none. */
    private static Instant checkpointTime(SessionStore.Stored s) {
        long ms = s.stats() == null ? 0 : s.stats().path("taken_at_ms").asLong(0);
        if (ms <= 0 && s.checkpoint() != null) ms = s.checkpoint().path("taken_at_ms").asLong(0);
        return ms > 0 ? Instant.ofEpochMilli(ms) : null;
    }

    /** Recovery thread: repairs an interrupted session's recording and says whether it holds more than its stats. */
    private void recover(Session session, SessionStore.Stored s) {
        ObjectNode check;
        try {
            check = CrashRecovery.check(s.id(), store.recording(s.id()), s.checkpoint(), s.stats());
            log.info("[Session] Session {}: recording {}{}", s.id(), check.path("state").asText(),
                    check.has("repair") ? " (" + check.path("repair").asText() + ")" : "");
            if (check.has("note")) log.info("[Session] Session {}: {}", s.id(), check.path("note").asText());
        } catch (IOException | RuntimeException e) {
            log.warn("[Session] Session {}: could not check its recording: {}", s.id(), e.toString());
            check = ServerJson.MAPPER.createObjectNode().put("state", "unreadable").put("error", String.valueOf(e.getMessage()));
        }
        store.deleteCheckpoint(s.id());
        session.recordingCheck(check);
    }

    /**
     * {@code POST /api/sessions/<id>/rebuild}: replays a stopped session's recording into fresh final
     * stats (after a crash, the recording can hold events the last checkpoint did not).
     */
    public Session rebuild(String id) throws IOException {
        Session s = require(id);
        if (s.running()) throw ApiException.conflict("session " + id + " is running; rebuild works on a stopped session's recording");
        ObjectNode check = s.recordingCheck();
        if (check != null && "checking".equals(check.path("state").asText()))
            throw ApiException.conflict("session " + id + ": its recording is being checked after a crash; retry in a moment");
        java.nio.file.Path rec = store.recording(id);
        if (!Files.isRegularFile(rec)) throw ApiException.notFound("session " + id + " has no recording");
        String mode = s.mode();
        int maxFunctions = s.spec() != null ? s.spec().maxFunctions() : dev.skbscope.engine.SessionConfig.DEFAULT_MAX_FUNCTIONS;
        int maxTracked = s.spec() != null ? s.spec().maxTrackedSkbs() : dev.skbscope.engine.SessionConfig.DEFAULT_MAX_TRACKED_SKBS;
        synchronized (s) {
            try (dev.skbscope.sources.recording.ReplaySource src = dev.skbscope.sources.recording.ReplaySource.open(rec,
                    dev.skbscope.sources.recording.RecordingFormat.AUTO, 0)) {
                dev.skbscope.engine.SessionStatsTracker t = new dev.skbscope.engine.SessionStatsTracker(
                        new dev.skbscope.engine.SessionConfig(id, mode, maxFunctions, maxTracked, dev.skbscope.engine.SessionConfig.DEFAULT_EVICT_BATCH),
                        src.counters());
                dev.skbscope.engine.event.EventBatch batch = new dev.skbscope.engine.event.EventBatch(Session.BATCH);
                while (true) {
                    batch.reset();
                    int n = src.poll(batch);
                    if (n < 0) break;
                    if (n > 0) t.ingest(batch);
                }
                dev.skbscope.engine.StatsSnapshot snap = t.snapshot();
                String note = "final stats rebuilt from the recording at " + Instant.now() + ": " + snap.totalEvents() + " events"
                        + (src.endWarning() != null ? " (" + src.endWarning() + ")" : "");
                s.rebuilt(snap, note);
                log.info("[Session] Session {}: {}", id, note);
            }
        }
        return s;
    }

    private static ObjectNode configFields(ObjectNode info) {
        ObjectNode c = info.objectNode();
        for (String k : List.of("mode", "max_functions", "max_tracked_skbs", "packet_history", "filter", "source", "record", "idle_timeout_ms",
                "socket_timeout_ms"))
            if (info.has(k)) c.set(k, info.get(k));
        return c;
    }

    private static Instant instant(ObjectNode n, String k) {
        try {
            String s = textOrNull(n, k);
            return s == null ? (k.equals("created_at") ? Instant.EPOCH : null) : Instant.parse(s);
        } catch (RuntimeException e) {
            return k.equals("created_at") ? Instant.EPOCH : null;
        }
    }

    private static String textOrNull(ObjectNode n, String k) {
        JsonNode v = n.get(k);
        return v == null || v.isNull() ? null : v.asText();
    }

    private void bumpNextId(String id) {
        Matcher m = NUMBERED.matcher(id);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            nextId.accumulateAndGet(n + 1, Math::max);
        }
    }

    public Session get(String id) { return sessions.get(id); }

    /** The session or a 404 naming the id. */
    public Session require(String id) {
        Session s = sessions.get(id);
        if (s == null) throw ApiException.notFound("session not found: " + id);
        return s;
    }

    /** Sessions, oldest first. */
    public List<Session> list() {
        List<Session> l = new ArrayList<>(sessions.values());
        l.sort(Comparator.comparing(Session::createdAt).thenComparing(Session::id));
        return l;
    }

    public List<Session> running() {
        List<Session> l = new ArrayList<>();
        for (Session s : sessions.values()) if (s.running()) l.add(s);
        return l;
    }

    /** {@code POST /api/sessions}: validates, registers and starts a session. */
    public synchronized Session create(JsonNode body) {
        SessionSpec spec = parser.parse(body, null);
        if (spec.id() == null) {
            String id;
            do id = "session_" + nextId.getAndIncrement(); while (sessions.containsKey(id));
            spec = spec.withId(id);
        } else if (spec.id().equals(RealtimeTracker.ID)) {
            throw ApiException.badRequest("id: '" + RealtimeTracker.ID + "' is the name of the global realtime tracer");
        } else if (sessions.containsKey(spec.id())) {
            throw ApiException.conflict("id: session " + spec.id() + " already exists");
        }
        checkCapacity();
        Session s = new Session(spec, store, realtime, schedule, listener, checkpointer);
        startSession(s, true);
        return s;
    }

    /**
     * {@code POST /api/session/<id>/start}: starts a stopped session again (fresh stats), or creates
     * one with this id from the body if there is none; a running session is left as it is.
     */
    public synchronized Session start(String id, JsonNode body) {
        SessionSpecParser.checkId(id);
        Session existing = sessions.get(id);
        if (existing == null) {
            if (id.equals(RealtimeTracker.ID))
                throw ApiException.badRequest("id: '" + RealtimeTracker.ID + "' is the name of the global realtime tracer");
            SessionSpec spec = parser.parse(body, id).withId(id);
            checkCapacity();
            Session s = new Session(spec, store, realtime, schedule, listener, checkpointer);
            startSession(s, true);
            return s;
        }
        if (existing.running()) return existing;
        if (existing.spec() == null)
            throw ApiException.conflict("session " + id + " cannot be restarted: " + existing.restartError());
        checkCapacity();
        startSession(existing, false);
        return existing;
    }

    private void checkCapacity() {
        int running = running().size();
        if (running >= maxRunning)
            throw ApiException.conflict("too many sessions: " + running + " are running, the limit is " + maxRunning
                    + "; stop one first (DELETE /api/sessions/<id>)");
    }

    private void startSession(Session s, boolean register) {
        EventSource src = sources.open(s.spec());
        if (register) sessions.put(s.id(), s);
        bumpNextId(s.id());
        try {
            s.start(src);
        } catch (IOException | RuntimeException e) {
            src.close();
            s.failed("could not start: " + e.getMessage());
            throw new ApiException(500, "session " + s.id() + " could not start: " + e.getMessage());
        }
    }

    /** Stops a session (no-op when not running) and flushes its stats and recording. */
    public Session stop(String id) {
        Session s = require(id);
        s.stop();
        return s;
    }

    /** Stops a session; with {@code purge}, also forgets it and deletes its files. */
    public Session delete(String id, boolean purge) throws IOException {
        Session s = stop(id);
        if (purge) {
            synchronized (this) {
                sessions.remove(id, s);
            }
            store.purge(id);
            for (var l : purgeListeners) l.accept(id);
            log.info("[Session] Purged session {}", id);
        }
        return s;
    }

    /** Stops every running session the same way ("server shutdown"), flushing its files. */
    @Override
    public void close() {
        recovery.shutdownNow();
        for (Session s : running()) s.stop("server shutdown");
        realtime.close();
        checkpointer.close();
    }
}

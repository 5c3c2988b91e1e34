package dev.skbscope.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.stats.PublishedStats;
import dev.skbscope.server.stats.StatsListener;
import dev.skbscope.server.stats.StatsPublisher;
import dev.skbscope.server.stats.TickSchedule;
import dev.skbscope.server.store.SessionStore;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.recording.RecordingWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One trace session: its settings, state, tracker and (while running) the one thread that polls its
 * source, filters, records, feeds the tracker and publishes the stats on the server's
 * {@link TickSchedule}. State changes are made under the session's lock by request threads and the
 * session thread; readers (REST, Socket.IO, metrics, persistence) see volatile fields and the
 * latest {@link PublishedStats}, and never take a snapshot themselves.
 */
public final class Session {
    private static final Logger log = LoggerFactory.getLogger(Session.class);
    static final int BATCH = 1024;

    private final String id;
    private final ObjectNode config;
    private final SessionSpec spec;
    private final String restartError;
    private final SessionStore store;
    private final RealtimeTracker realtime;
    private final Instant createdAt;
    /** Where this session's stats flow out: the latest published value and its listener. */
    private final StatsPublisher publisher;

    /** Takes this session's checkpoints to disk; its interval also sets how often the recording is made complete. */
    private final Checkpointer checkpointer;
    /** The recording being written by the session thread, or null. */
    private volatile RecordingWriter recorder;
    private volatile SessionState state;
    private volatile SessionStatsTracker tracker;
    private volatile Instant startedAt;
    private volatile Instant stoppedAt;
    private volatile String error;
    private volatile boolean stopRequested;
    /** Why the session is not running (null while it runs or before it ran): "stopped by a user", "server shutdown", ... */
    private volatile String reason;
    /** The reason a requested stop gives its session. */
    private volatile String stopReason;
    /** What the source said about how it ended (a damaged recording), or null. */
    private volatile String warning;
    /** After a crash: the state of the recording's check and repair ({@link CrashRecovery}), or null. */
    private volatile ObjectNode recordingCheck;
    private volatile EventSource source;
    private Thread thread;

    /** A new session from a validated request. */
    Session(SessionSpec spec, SessionStore store, RealtimeTracker realtime, TickSchedule schedule, StatsListener listener,
            Checkpointer checkpointer) {
        this.checkpointer = checkpointer;
        this.id = spec.id();
        this.spec = spec;
        this.restartError = null;
        this.config = configOf(spec);
        this.store = store;
        this.realtime = realtime;
        this.createdAt = Instant.now();
        this.state = SessionState.CREATED;
        this.publisher = new StatsPublisher(id, schedule, listener, null);
    }

    /** A session loaded from disk; {@code spec} is null when it can no longer be started (see {@code restartError}). */
    Session(String id, ObjectNode config, SessionSpec spec, String restartError, SessionState state, Instant createdAt,
            Instant startedAt, Instant stoppedAt, String error, String reason, String warning, JsonNode stats, SessionStore store,
            RealtimeTracker realtime, TickSchedule schedule, StatsListener listener, Checkpointer checkpointer) {
        this.checkpointer = checkpointer;
        this.reason = reason;
        this.warning = warning;
        this.id = id;
        this.config = config;
        this.spec = spec;
        this.restartError = restartError;
        this.store = store;
        this.realtime = realtime;
        this.createdAt = createdAt;
        this.state = state;
        this.startedAt = startedAt;
        this.stoppedAt = stoppedAt;
        this.error = error;
        this.publisher = new StatsPublisher(id, schedule, listener, stats == null ? null : PublishedStats.stored(id, stats));
    }

    static ObjectNode configOf(SessionSpec s) {
        ObjectNode c = ServerJson.MAPPER.createObjectNode();
        c.put("mode", s.mode());
        c.put("max_functions", s.maxFunctions());
        c.put("max_tracked_skbs", s.maxTrackedSkbs());
        c.put("idle_timeout_ms", s.idleTimeoutMs());
        c.put("socket_timeout_ms", s.socketTimeoutMs());
        c.put("packet_history", s.packetHistory());
        c.set("filter", s.filterJson());
        c.set("source", s.sourceJson());
        c.put("record", s.record());
        return c;
    }

    public String id() { return id; }
    public SessionState state() { return state; }
    public String mode() { return config.path("mode").asText("full"); }
    public boolean running() { return state == SessionState.RUNNING; }
    public SessionSpec spec() { return spec; }
    public String restartError() { return restartError; }
    /** The live tracker (null for a session loaded from disk and not restarted). */
    public SessionStatsTracker tracker() { return tracker; }
    public String error() { return error; }
    public Instant createdAt() { return createdAt; }
    /** When the session last started in this process or an earlier one; null if it never did. */
    public Instant startedAt() { return startedAt; }
    /** When the session last stopped, finished or failed; null while it runs or if it never ran. */
    public Instant stoppedAt() { return stoppedAt; }

    /**
     * The session's latest published stats (any thread): while running, those of the current or
     * last tick; after a run, its last stats; for a session loaded from disk, its stored stats;
     * null when there are none.
     */
    public PublishedStats published() { return publisher.latest(); }

    /** {@code session.json} / {@code GET /api/sessions/<id>}. */
    public ObjectNode info() {
        ObjectNode n = ServerJson.MAPPER.createObjectNode();
        n.put("id", id);
        n.put("session_id", id);
        n.put("state", state.id());
        n.put("running", state == SessionState.RUNNING);
        n.setAll(config.deepCopy());
        n.put("created_at", createdAt.toString());
        n.put("started_at", startedAt == null ? null : startedAt.toString());
        n.put("stopped_at", stoppedAt == null ? null : stoppedAt.toString());
        n.put("error", error);
        n.put("reason", reason);
        if (warning != null) n.put("warning", warning);
        ObjectNode check = recordingCheck;
        if (check != null) n.set("recording_check", check.deepCopy());
        if (restartError != null) n.put("restart_error", restartError);
        return n;
    }

    /** The summary shown in lists: info plus headline counters of the latest published stats. */
    public ObjectNode summary() {
        ObjectNode n = info();
        PublishedStats p = publisher.latest();
        PublishedStats.Headline h = p == null ? PublishedStats.Headline.ZERO : p.headline();
        n.put("total_events", h.totalEvents());
        n.put("total_packets", h.totalPackets());
        n.put("packets_per_second", h.packetsPerSecond());
        n.put("drops", h.drops());
        n.put("uptime_seconds", h.uptimeSeconds());
        n.put("has_recording", Files.exists(store.recording(id)));
        return n;
    }

    /**
     * Starts polling {@code src} on a new thread. The caller has checked the session may start.
     * A restart begins fresh stats; an earlier recording is kept under a timestamped name.
     */
    synchronized void start(EventSource src) throws IOException {
        if (state == SessionState.RUNNING) throw new IllegalStateException("already running");
        RecordingWriter writer = null;
        Path rec = store.recording(id);
        store.ensureDir(id);
        if (spec.record()) {
            if (Files.exists(rec)) store.keepOldRecording(id);
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("mode", spec.mode());
            header.put("session_id", id);
            header.put("source", spec.source().kind());
            header.put("created_at", Instant.now().toString());
            // what replays need to rebuild the same packets (packet ids, evictions)
            header.put("max_tracked_skbs", spec.maxTrackedSkbs());
            header.put("max_functions", spec.maxFunctions());
            try {
                writer = new RecordingWriter(rec, header);
            } catch (IOException e) {
                src.close();
                throw e;
            }
        }
        SessionStatsTracker t = new SessionStatsTracker(spec.engineConfig(), src.counters());
        src.unobservedNodes().forEach(t::nodeUnobservable);
        if (src.enrichedNodes() != null) t.enrichedOnly(src.enrichedNodes());
        src.notApplicableNodes().forEach(t::nodeNotApplicable);
        t.netnsNames(src.netnsNames());
        t.ruleTextLookup(src.ruleTextLookup());
        this.tracker = t;
        publisher.publishNow(t.snapshot());   // readers see this run's stats from now on
        this.source = src;
        this.error = null;
        this.reason = null;
        this.stopReason = null;
        this.warning = null;
        this.recordingCheck = null;
        this.stopRequested = false;
        store.deleteCheckpoint(id);   // an earlier run's checkpoint describes another recording
        this.startedAt = Instant.now();
        this.stoppedAt = null;
        this.state = SessionState.RUNNING;
        persistInfo();
        RecordingWriter w = writer;
        recorder = writer;
        // below normal: when cores are short, the once-a-second emit loop must win over bulk ingest
        // (a priority is a nice value only with -XX:ThreadPriorityPolicy=1, which the launcher sets)
        thread = Thread.ofPlatform().name("session-" + id).daemon(true).priority(Thread.NORM_PRIORITY - 2)
                .start(() -> run(src, t, w));
        log.info("[Session] Started tracking for session: {} (mode: {}, source: {})", id, spec.mode(), spec.source().kind());
    }

    /**
     * Bytes of the recording a download may read while the session runs (a complete prefix, see
     * {@link RecordingWriter#checkpoint()}), or -1 when no recording is being written.
     */
    public long recordingCompleteBytes() {
        RecordingWriter w = recorder;
        return w == null ? -1 : w.completeBytes();
    }

    private void run(EventSource src, SessionStatsTracker t, RecordingWriter writer) {
        PacketFilter filter = spec.filter();
        Supplier<StatsSnapshot> snapshot = t::snapshot;
        long interval = checkpointer.intervalNanos();
        long nextCheckpoint = System.nanoTime() + interval;
        long recorded = 0;
        EventBatch batch = new EventBatch(BATCH);
        EventBatch kept = filter.isAny() ? null : new EventBatch(BATCH);
        RecordingWriter w = writer;
        SessionState end = SessionState.FINISHED;
        String failure = null;
        Map<String, String> notApplicable = src.notApplicableNodes();
        long nextApplicability = System.nanoTime();
        try {
            while (!stopRequested) {
                if (System.nanoTime() - nextApplicability >= 0) {
                    // which nodes can exist for this session's packets: the source learns it from the devices they cross
                    nextApplicability = System.nanoTime() + APPLICABILITY_NS;
                    notApplicable = refreshApplicability(src, t, notApplicable);
                }
                // the writer thread snapshots without contending with itself; its source returns within ~100 ms
                boolean published = publisher.publishIfDue(snapshot);
                if (System.nanoTime() - nextCheckpoint >= 0) {
                    // the recording's complete members and the stats at the same point: a crash loses at most one interval
                    nextCheckpoint = System.nanoTime() + interval;
                    long recordedBytes = -1;
                    if (w != null) {
                        try {
                            w.counters(countersOf(src));
                            w.checkpoint();
                            recordedBytes = w.completeBytes();
                        } catch (IOException e) {
                            abandonRecording(w, e);
                            w = null;
                        }
                    }
                    StatsSnapshot cp = published ? publisher.latest().snapshot() : t.snapshot();
                    checkpointer.offer(id, new Checkpointer.Checkpoint(cp, recordedBytes, recorded));
                }
                batch.reset();
                int n = src.poll(batch);
                if (n < 0) break;
                if (batch.size() == 0) {
                    // no event, but the source's clock moved on: packets whose end never comes expire
                    if (batch.clockNs() != 0) t.ingest(batch);
                    continue;
                }
                EventBatch out = batch;
                if (kept != null) {
                    kept.reset();
                    kept.clockNs(batch.clockNs());
                    for (int i = 0, size = batch.size(); i < size; i++) {
                        TraceEvent e = batch.get(i);
                        if (filter.matches(e)) kept.next().copyFrom(e);
                    }
                    out = kept;
                    if (out.size() == 0) {
                        if (out.clockNs() != 0) t.ingest(out);
                        continue;
                    }
                }
                if (w != null) {
                    try {
                        for (int i = 0, size = out.size(); i < size; i++) w.write(out.get(i));
                        recorded += out.size();
                    } catch (IOException e) {
                        abandonRecording(w, e);
                        w = null;
                    }
                }
                t.ingest(out);
                realtime.ingest(out);
            }
        } catch (Exception | LinkageError e) {
            if (stopRequested) {
                // stop() closes the source under its poll: a stream closed under its reader throws, and that is the stop
                log.debug("[Session] Session {}: its source threw as the stop closed it: {}", id, e.toString());
            } else {
                end = SessionState.FAILED;
                failure = e.getMessage() == null ? e.toString() : e.getMessage();
                log.error("[Session] Session {} failed: {}", id, failure, e);
            }
        } finally {
            src.close();
            if (w != null) {
                try {
                    w.counters(countersOf(src));
                } catch (IOException e) {
                    log.warn("[Session] Could not write the final counters of {}: {}", id, e.getMessage());
                }
                closeQuietly(w);
            }
            recorder = null;   // after the close: until then a download gets the last complete prefix
        }
        if (stopRequested && end != SessionState.FAILED) end = SessionState.STOPPED;
        String why = switch (end) {
            case STOPPED -> stopReason != null ? stopReason : "stopped by a user";
            case FAILED -> "failed: " + failure;
            default -> "its source ended";
        };
        if (end == SessionState.FINISHED && jvmShuttingDown()) {
            // the JVM's exit closed the source (a backend's shutdown hook ran before ours): a shutdown, not an end
            end = SessionState.STOPPED;
            why = "server shutdown";
        }
        String sourceWarning = src.endWarning();
        if (sourceWarning != null) log.warn("[Session] Session {}: {}", id, sourceWarning);
        finish(t, end, failure, why, sourceWarning);
    }

    private static final long APPLICABILITY_NS = 500_000_000L;

    /** Passes changes of the source's not-applicable nodes to the tracker; returns the map now in force. */
    private static Map<String, String> refreshApplicability(EventSource src, SessionStatsTracker t, Map<String, String> before) {
        Map<String, String> now = src.notApplicableNodes();
        if (now == before) return now;
        for (String node : before.keySet()) if (!now.containsKey(node)) t.nodeNotApplicable(node, null);
        now.forEach(t::nodeNotApplicable);
        return now;
    }

    /** The source's counters, written into the recording each second for {@code skbscope summary}. */
    private static Map<String, Object> countersOf(EventSource src) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lost_events", src.counters().lostEvents.get());
        m.put("events_read", src.counters().eventsRead.get());
        m.put("sample_one_in", src.counters().sampleOneIn.get());
        return m;
    }

    /** Whether the JVM is exiting (the documented contract of {@link Runtime#addShutdownHook}: it refuses then). */
    private static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    private synchronized void finish(SessionStatsTracker t, SessionState end, String failure, String why, String sourceWarning) {
        publisher.publishLast(t.snapshot());
        error = failure;
        reason = why;
        warning = sourceWarning;
        stoppedAt = Instant.now();
        state = end;
        source = null;
        checkpointer.drain();   // an older checkpoint must not land after the final stats
        persistStats();
        store.deleteCheckpoint(id);
        persistInfo();
        switch (end) {
            case FINISHED -> log.info("[Session] Session {} finished: its source ended", id);
            case STOPPED -> log.info("[Session] Stopped tracking for session: {}", id);
            default -> { }
        }
    }

    /** Stops the session (a user's request) and waits until everything is flushed. Idempotent. */
    void stop() { stop("stopped by a user"); }

    /** Stops the session, giving {@code why} as its reason, and waits until everything is flushed. Idempotent. */
    void stop(String why) {
        Thread th;
        synchronized (this) {
            if (state != SessionState.RUNNING) return;
            stopReason = why;
            stopRequested = true;
            EventSource s = source;
            if (s != null) s.close();
            th = thread;
        }
        if (th != null && th != Thread.currentThread()) {
            try {
                th.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (th.isAlive()) log.warn("[Session] Session {} thread did not stop within 10 s", id);
        }
    }

    /** Marks a session that could not start. */
    synchronized void failed(String why) {
        error = why;
        reason = "failed: " + why;
        state = SessionState.FAILED;
        stoppedAt = Instant.now();
        persistInfo();
    }

    /** Writes stats.json from the latest published stats (running sessions: every few seconds; others: once at the end). */
    void persistStats() {
        try {
            PublishedStats p = publisher.latest();
            if (p != null) store.saveStats(id, p.json());
        } catch (IOException | RuntimeException e) {
            log.warn("[Session] Could not save stats of {}: {}", id, e.toString());
        }
    }

    /** After a crash: the recording check's state, shown in {@code recording_check}; persisted. */
    void recordingCheck(ObjectNode check) {
        recordingCheck = check;
        persistInfo();
    }

    /** The recording check after a crash, or null. */
    public ObjectNode recordingCheck() { return recordingCheck; }

    /** Replaces a stopped session's final stats by ones rebuilt from its recording. */
    synchronized void rebuilt(StatsSnapshot snapshot, String note) {
        if (state == SessionState.RUNNING) throw new IllegalStateException("running");
        publisher.publishLast(snapshot);
        ObjectNode check = recordingCheck == null ? ServerJson.MAPPER.createObjectNode() : recordingCheck.deepCopy();
        check.put("rebuilt", note);
        check.remove("note");
        recordingCheck = check;
        persistStats();
        persistInfo();
    }

    void persistInfo() {
        try {
            store.saveInfo(id, ServerJson.MAPPER.writeValueAsBytes(info()));
        } catch (IOException | RuntimeException e) {
            log.warn("[Session] Could not save session {}: {}", id, e.toString());
        }
    }

    /** The recording can't be written any more: the session goes on without it. */
    private void abandonRecording(RecordingWriter w, IOException e) {
        log.error("[Session] Recording of session {} stopped: {}", id, e.getMessage());
        closeQuietly(w);
        recorder = null;
    }

    private static void closeQuietly(RecordingWriter w) {
        try {
            w.close();
        } catch (IOException e) {
            log.warn("[Session] Closing recording failed: {}", e.getMessage());
        }
    }
}

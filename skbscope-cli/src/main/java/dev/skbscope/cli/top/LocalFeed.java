package dev.skbscope.cli.top;

import dev.skbscope.cli.top.FeedState.Connection;
import dev.skbscope.cli.top.FeedState.SessionInfo;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.EventSource;

import java.io.IOException;
import java.util.List;

/**
 * A session traced in this process: the live kernel ({@code top --live}) or a recording replayed at
 * its own speed ({@code top FILE}). One reader thread polls the source, filters and feeds the stats
 * engine, exactly as a server session does; the render thread takes a snapshot once per second
 * ({@link #tick}). Thread-safe.
 */
public final class LocalFeed implements StatsFeed {
    /** Opens the source on the reader thread; may fail with a message saying why (e.g. live tracing unavailable). */
    @FunctionalInterface
    public interface Opener {
        EventSource open() throws Exception;
    }

    private final String sourceLabel;
    private final String sessionId;
    private final String mode;
    private final String kind;
    private final Opener opener;
    private final PacketFilter filter;
    private final Runnable onClose;
    private Recorder recorder;
    private volatile SessionStatsTracker tracker;
    private volatile EventSource source;
    private volatile boolean closed;
    private volatile boolean ended;
    private volatile String failure;
    private Thread reader;
    private Runnable changed = () -> { };
    private FeedState state;

    /**
     * @param sourceLabel shown in the header, e.g. {@code live kernel} or the file name
     * @param kind        the source kind shown with the session (live, replay)
     * @param onClose     run once at {@link #close} after the source is closed (e.g. detach from the kernel)
     */
    public LocalFeed(String sourceLabel, String sessionId, String mode, String kind, Opener opener,
                     PacketFilter filter, Runnable onClose) {
        this.sourceLabel = sourceLabel;
        this.sessionId = sessionId;
        this.mode = mode;
        this.kind = kind;
        this.opener = opener;
        this.filter = filter == null ? PacketFilter.ANY : filter;
        this.onClose = onClose;
        this.state = new FeedState(sourceLabel, Connection.CONNECTING, "starting " + sourceLabel,
                List.of(new SessionInfo(sessionId, "created", mode, kind)), sessionId, null, 0, null);
    }

    /** Where the events go besides the engine: a recording file (null: nowhere). */
    @FunctionalInterface
    public interface Recorder {
        dev.skbscope.sources.recording.RecordingWriter open() throws IOException;
    }

    /** Also writes every event that passes the filter to a recording (before {@link #start}). */
    public LocalFeed recordingTo(Recorder r) {
        this.recorder = r;
        return this;
    }

    @Override
    public void start(Runnable onChange) {
        this.changed = onChange;
        reader = Thread.ofPlatform().name("top-source").daemon(true).start(this::run);
    }

    private void run() {
        EventSource src;
        try {
            src = opener.open();
        } catch (Exception e) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
            publish();
            return;
        }
        if (closed) {
            src.close();
            return;
        }
        source = src;
        dev.skbscope.sources.recording.RecordingWriter writer = null;
        if (recorder != null) {
            try {
                writer = recorder.open();
            } catch (IOException e) {
                failure = "cannot write the recording: " + e.getMessage();
                src.close();
                publish();
                return;
            }
        }
        SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults(sessionId, mode).withPacketHistory(0), src.counters());
        src.unobservedNodes().forEach(t::nodeUnobservable);
        if (src.enrichedNodes() != null) t.enrichedOnly(src.enrichedNodes());
        t.ruleTextLookup(src.ruleTextLookup());
        tracker = t;
        publish();
        EventBatch batch = new EventBatch(1024);
        EventBatch kept = filter.isAny() ? null : new EventBatch(1024);
        long nextCheckpoint = System.nanoTime() + 1_000_000_000L;
        try {
            while (!closed) {
                if (writer != null && System.nanoTime() - nextCheckpoint >= 0) {
                    writer.checkpoint();   // a complete file up to here, whatever happens next
                    nextCheckpoint = System.nanoTime() + 1_000_000_000L;
                }
                batch.reset();
                if (src.poll(batch) < 0) break;
                EventBatch out = batch;
                if (kept != null) {
                    kept.reset();
                    for (int i = 0, n = batch.size(); i < n; i++) {
                        TraceEvent e = batch.get(i);
                        if (filter.matches(e)) kept.next().copyFrom(e);
                    }
                    out = kept;
                }
                if (out.size() == 0) continue;
                if (writer != null) for (int i = 0, n = out.size(); i < n; i++) writer.write(out.get(i));
                t.ingest(out);
            }
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
        } finally {
            src.close();
            if (writer != null) {
                try {
                    writer.close();
                } catch (IOException e) {
                    if (failure == null) failure = "cannot finish the recording: " + e.getMessage();
                }
            }
        }
        ended = true;
        publish();
    }

    @Override
    public void tick() { publish(); }

    private void publish() {
        SessionStatsTracker t = tracker;
        StatsSnapshot snap = t == null ? null : t.snapshot();
        String f = failure;
        Connection c = f != null || ended ? Connection.ENDED : t == null ? Connection.CONNECTING : Connection.LIVE;
        String detail = f != null ? f : ended ? sessionId + ": finished" : t == null ? "starting " + sessionId : null;
        String sessionState = f != null ? "failed" : ended ? "finished" : t == null ? "created" : "running";
        synchronized (this) {
            state = new FeedState(sourceLabel, c, detail, List.of(new SessionInfo(sessionId, sessionState, mode, kind)),
                    sessionId, snap, snap == null ? 0 : System.nanoTime(), null);
        }
        changed.run();
    }

    @Override
    public synchronized FeedState state() { return state; }

    /** True once the source has ended (a recording's end, or a failure). */
    public boolean ended() { return ended || failure != null; }

    @Override
    public void close() {
        closed = true;
        EventSource s = source;
        if (s != null) s.close();
        Thread r = reader;
        if (r != null) {
            try {
                r.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (onClose != null) onClose.run();
    }
}

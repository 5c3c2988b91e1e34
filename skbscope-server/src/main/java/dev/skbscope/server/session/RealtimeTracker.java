package dev.skbscope.server.session;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;

/**
 * The seed's global realtime tracer: while enabled, one tracker fed with every event any session
 * sees. Thread-safe: session threads ingest under a lock (the tracker has a single-writer contract),
 * so it costs a lock per batch, and nothing at all while disabled.
 */
public final class RealtimeTracker {
    public static final String ID = "realtime";
    private final Object lock = new Object();
    private volatile boolean enabled;
    private volatile SessionStatsTracker tracker = newTracker();

    private static SessionStatsTracker newTracker() {
        return new SessionStatsTracker(SessionConfig.defaults(ID, "full"), new SourceCounters("sessions"));
    }

    public boolean enabled() { return enabled; }

    public void enable() { enabled = true; }

    public void disable() { enabled = false; }

    /** Clears the stats (the next ingest starts from zero). */
    public void reset() {
        synchronized (lock) {
            tracker = newTracker();
        }
    }

    /** Session threads: accounts a batch if enabled. */
    public void ingest(EventBatch batch) {
        if (!enabled) return;
        synchronized (lock) {
            tracker.ingest(batch);
        }
    }

    public StatsSnapshot snapshot() {
        synchronized (lock) {
            return tracker.snapshot();
        }
    }
}

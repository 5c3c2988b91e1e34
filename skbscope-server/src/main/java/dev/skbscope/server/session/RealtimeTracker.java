package dev.skbscope.server.session;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;

import java.util.function.Supplier;

/**
 * The seed's global realtime tracer: while enabled, one tracker fed with every event any session
 * sees. Thread-safe: session threads ingest under a lock (the tracker has a single-writer contract),
 * so it costs a lock per batch, and nothing at all while disabled. A snapshot does not take that
 * lock: the tracker's own snapshot holds its lock only while copying counters, so session threads
 * never wait for a snapshot to be built.
 */
public final class RealtimeTracker {
    public static final String ID = "realtime";
    private final Object lock = new Object();
    private final Supplier<SessionStatsTracker> factory;
    private volatile boolean enabled;
    private volatile SessionStatsTracker tracker;

    public RealtimeTracker() {
        // no packets kept: the realtime tracker mixes every session's events, and no endpoint lists its packets
        this(() -> new SessionStatsTracker(SessionConfig.defaults(ID, "full").withPacketHistory(0), new SourceCounters("sessions")));
    }

    /** @param factory makes the tracker, now and at each reset (tests) */
    RealtimeTracker(Supplier<SessionStatsTracker> factory) {
        this.factory = factory;
        this.tracker = factory.get();
    }

    public boolean enabled() { return enabled; }

    public void enable() { enabled = true; }

    public void disable() { enabled = false; }

    /** Clears the stats (the next ingest starts from zero). */
    public void reset() {
        synchronized (lock) {
            tracker = factory.get();
        }
    }

    /** Session threads: accounts a batch if enabled. */
    public void ingest(EventBatch batch) {
        if (!enabled) return;
        synchronized (lock) {
            tracker.ingest(batch);
        }
    }

    /** Any thread: the stats now (built outside the ingest lock). */
    public StatsSnapshot snapshot() {
        return tracker.snapshot();
    }
}

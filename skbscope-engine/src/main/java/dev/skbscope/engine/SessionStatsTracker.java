package dev.skbscope.engine;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;

/**
 * One session's stats (the seed's SessionStatsTracker). Single writer: one thread calls
 * {@link #ingest}/{@link #accept}; {@link #snapshot} is safe from any thread and never stalls
 * ingest for longer than a copy. STUB: API only.
 */
public final class SessionStatsTracker {
    private final SessionConfig config;
    private final SourceCounters source;

    public SessionStatsTracker(SessionConfig config, SourceCounters source) {
        this.config = config;
        this.source = source;
    }

    public SessionConfig config() { return config; }
    public SourceCounters source() { return source; }

    /** Writer thread: accounts every event of the batch. */
    public void ingest(EventBatch batch) { }

    /** Writer thread: accounts one event. */
    public void accept(TraceEvent e) { }

    /** Marks a node as not observable on this machine, with the reason (any thread). */
    public void nodeUnobservable(String nodeId, String reason) { }

    /** Any thread: an immutable copy of the stats now. */
    public StatsSnapshot snapshot() { return new StatsSnapshot(0, 0); }

    /** Clears all stats (global tracker reset); any thread. */
    public void reset() { }
}

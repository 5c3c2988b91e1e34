package dev.skbscope.server.stats;

import dev.skbscope.engine.StatsSnapshot;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A session's side of the stats outflow: publishes an immutable {@link PublishedStats} into an
 * atomic reference when the {@link TickSchedule} says so, and tells one {@link StatsListener}.
 * Readers call {@link #latest()} from any thread. The publishing calls come from one thread at a
 * time: the session's thread, or the thread that starts it (before the session thread exists).
 */
public final class StatsPublisher {
    private final String sessionId;
    private final TickSchedule schedule;
    private final StatsListener listener;
    private final AtomicReference<PublishedStats> latest;
    /** The tick last published for (publisher thread only). */
    private long publishedTick = Long.MIN_VALUE;

    /** @param stored stats of an earlier run loaded from disk, or null */
    public StatsPublisher(String sessionId, TickSchedule schedule, StatsListener listener, PublishedStats stored) {
        this.sessionId = sessionId;
        this.schedule = schedule;
        this.listener = listener;
        this.latest = new AtomicReference<>(stored);
    }

    /** The latest published stats (any thread), or null before the first. */
    public PublishedStats latest() { return latest.get(); }

    public TickSchedule schedule() { return schedule; }

    /**
     * Publishes stats for the current tick now, whatever was published before (a run starts: its
     * readers get its first stats at once).
     */
    public PublishedStats publishNow(StatsSnapshot snapshot) {
        long now = schedule.now();
        return publish(schedule.publishTickAt(now), snapshot, false, now);
    }

    /**
     * Publishes when a tick's publish time has passed since the last publish, taking the snapshot
     * only then; returns whether it published. Calling it at least every ~100 ms keeps every tick's
     * stats ready before the tick (the lead time is 150 ms).
     */
    public boolean publishIfDue(Supplier<StatsSnapshot> snapshot) {
        long now = schedule.now();
        long tick = schedule.publishTickAt(now);
        if (tick <= publishedTick) return false;
        publish(tick, snapshot.get(), false, now);
        return true;
    }

    /** Publishes the run's last stats (the session stopped, finished or failed). */
    public PublishedStats publishLast(StatsSnapshot snapshot) {
        long now = schedule.now();
        return publish(Math.max(publishedTick, schedule.publishTickAt(now)), snapshot, true, now);
    }

    private PublishedStats publish(long tick, StatsSnapshot snapshot, boolean last, long now) {
        PublishedStats p = PublishedStats.of(sessionId, tick, snapshot, last, now);
        publishedTick = tick;
        latest.set(p);
        listener.published(p);
        return p;
    }
}

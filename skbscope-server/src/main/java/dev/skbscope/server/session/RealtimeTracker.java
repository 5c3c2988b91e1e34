package dev.skbscope.server.session;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.server.stats.PublishedStats;
import dev.skbscope.server.stats.StatsListener;
import dev.skbscope.server.stats.StatsPublisher;
import dev.skbscope.server.stats.TickSchedule;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The seed's global realtime tracer: while enabled, one tracker fed with every event any session
 * sees, whose stats flow out like a session's. Thread-safe. Session threads ingest under a lock (the
 * tracker has a single-writer contract), so it costs a lock per batch, and nothing at all while
 * disabled. Its stats are published as an immutable {@link PublishedStats} on the server's
 * {@link TickSchedule}, by its own thread ({@code realtime-stats}, while enabled) or by the thread
 * that enables, disables or resets it; REST and the alert rules read that value and build no
 * snapshot. Publishing never takes the ingest lock (the tracker's own snapshot holds its lock only
 * while copying counters), so session threads never wait for a snapshot to be built.
 */
public final class RealtimeTracker implements AutoCloseable {
    public static final String ID = "realtime";
    /** Session threads' ingest lock. */
    private final Object lock = new Object();
    /** Serialises publishing (the publisher has one publishing thread at a time) and enable/disable. */
    private final Object publishLock = new Object();
    private final Supplier<SessionStatsTracker> factory;
    private final StatsPublisher publisher;
    private final TickSchedule schedule;
    /** Runs {@link #publishIfDue()} on the schedule while enabled; null when the caller drives it (tests). */
    private final ScheduledExecutorService thread;
    private ScheduledFuture<?> ticking;
    private volatile boolean enabled;
    private volatile SessionStatsTracker tracker;

    /**
     * @param schedule the server's ticks (its clock must be {@link System#nanoTime()}: the own thread waits on it)
     * @param listener told of every value published (on the publishing thread)
     */
    public RealtimeTracker(TickSchedule schedule, StatsListener listener) {
        // no packets kept: the realtime tracker mixes every session's events, and no endpoint lists its packets
        this(() -> new SessionStatsTracker(SessionConfig.defaults(ID, "full").withPacketHistory(0), new SourceCounters("sessions")),
                schedule, listener, true);
    }

    /**
     * @param factory   makes the tracker, now and at each reset
     * @param ownThread whether a thread of its own publishes on the schedule; without, the caller
     *                  calls {@link #publishIfDue()} (tests with an injected clock)
     */
    RealtimeTracker(Supplier<SessionStatsTracker> factory, TickSchedule schedule, StatsListener listener, boolean ownThread) {
        this.factory = factory;
        this.schedule = schedule;
        this.tracker = factory.get();
        this.thread = ownThread ? Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("realtime-stats").daemon(true).unstarted(r)) : null;
        // readers find stats from the start: those of a tracer not running
        this.publisher = new StatsPublisher(ID, schedule, listener, null);
        publisher.publishLast(tracker.snapshot());
    }

    public boolean enabled() { return enabled; }

    /** The latest published stats (never null); {@link PublishedStats#last()} while disabled. */
    public PublishedStats published() { return publisher.latest(); }

    /** Starts counting; its stats are published now and then before every tick. */
    public void enable() {
        synchronized (publishLock) {
            if (enabled) return;
            enabled = true;
            publisher.publishNow(tracker.snapshot());
            if (thread != null) {
                // just after each tick's publish time, as sessions publish between polls
                long now = schedule.now();
                long firstAt = schedule.tickTime(schedule.publishTickAt(now) + 1) - schedule.leadNanos() + 1_000_000L;
                ticking = thread.scheduleAtFixedRate(this::publishIfDue, firstAt - now, schedule.periodNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Stops counting; the stats so far are published as the run's last (alerts on the tracer resolve). */
    public void disable() {
        synchronized (publishLock) {
            if (!enabled) return;
            enabled = false;
            if (ticking != null) ticking.cancel(false);
            ticking = null;
            publisher.publishLast(tracker.snapshot());
        }
    }

    /** Clears the stats (the next ingest starts from zero) and publishes the cleared stats. */
    public void reset() {
        synchronized (lock) {
            tracker = factory.get();
        }
        synchronized (publishLock) {
            if (enabled) publisher.publishNow(tracker.snapshot());
            else publisher.publishLast(tracker.snapshot());
        }
    }

    /** Session threads: accounts a batch if enabled. */
    public void ingest(EventBatch batch) {
        if (!enabled) return;
        synchronized (lock) {
            tracker.ingest(batch);
        }
    }

    /**
     * Publishes when the schedule says a tick's stats are due and the tracer is enabled, taking the
     * snapshot only then (outside the ingest lock); returns whether it published. Its own thread
     * calls it just after each publish time.
     */
    public boolean publishIfDue() {
        synchronized (publishLock) {
            return enabled && publisher.publishIfDue(() -> tracker.snapshot());
        }
    }

    /** Stops the publishing thread. */
    @Override
    public void close() {
        if (thread != null) thread.shutdownNow();
    }
}

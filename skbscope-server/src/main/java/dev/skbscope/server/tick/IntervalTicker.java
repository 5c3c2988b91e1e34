package dev.skbscope.server.tick;

import dev.skbscope.engine.StatsInterval;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.alert.Alert;
import dev.skbscope.server.alert.AlertService;
import dev.skbscope.server.history.HistoryDatabase;
import dev.skbscope.server.history.HistorySample;
import dev.skbscope.server.session.RealtimeTracker;
import dev.skbscope.server.stats.PublishedStats;
import dev.skbscope.server.stats.StatsListener;
import dev.skbscope.server.stats.TickSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Reads every session's published stats (one value per tick of the server's {@link TickSchedule})
 * and turns each into the {@link StatsInterval} since that session's previous value: recorded in
 * the history and given to the alert rules. A run's last value closes its history and resolves its
 * alerts. The realtime tracer publishes on the same schedule; its values go to the alert rules only
 * (it has no history).
 *
 * <p>Times are the ticks' own (the schedule's grid, in wall-clock time), so a rule's {@code for}
 * counts whole ticks however late this thread runs; a history sample is stamped with the second of
 * its tick. Threading: {@link #published} runs on session threads and only hands the value over;
 * everything else runs on this class's one thread ({@code stats-interval}), the history database's
 * only writer and the alert service's evaluating thread. Other threads hand it work with {@link #call}.
 * Samples are committed at least once a second (as soon as no value is waiting), so a kill -9
 * loses at most the last second.
 */
public final class IntervalTicker implements StatsListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IntervalTicker.class);
    private static final long PERIODIC_MS = 1000;

    private final HistoryDatabase history;
    private final AlertService alerts;
    private final TickSchedule schedule;
    private final LongSupplier wallMillis;
    /** Wall-clock time (epoch ms) of the schedule's tick 0. */
    private final double originWallMs;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("stats-interval").daemon(true).unstarted(r));
    /** The snapshot each session's last interval ended with (this thread). */
    private final Map<String, StatsSnapshot> previous = new HashMap<>();
    /** Samples not yet committed (this thread). */
    private final List<HistorySample> pending = new ArrayList<>();
    private boolean flushQueued;
    private long lastDownsampled = Long.MIN_VALUE;
    private volatile boolean closed;

    /**
     * @param schedule   the ticks sessions publish for
     * @param wallMillis the wall clock (epoch ms)
     */
    public IntervalTicker(HistoryDatabase history, AlertService alerts, TickSchedule schedule, LongSupplier wallMillis) {
        this.history = history;
        this.alerts = alerts;
        this.schedule = schedule;
        this.wallMillis = wallMillis;
        this.originWallMs = wallMillis.getAsLong() - (schedule.now() - schedule.originNanos()) / 1e6;
    }

    /** Starts the once-a-second work: committing samples and summing the history into its coarser tiers. */
    public void start() {
        thread.scheduleAtFixedRate(this::everySecond, PERIODIC_MS, PERIODIC_MS, TimeUnit.MILLISECONDS);
    }

    /** The wall-clock time (epoch ms) of tick {@code k}. */
    long tickWallMs(long k) {
        return Math.round(originWallMs + k * (schedule.periodNanos() / 1e6));
    }

    /** Session threads: hands a published value to this ticker's thread. */
    @Override
    public void published(PublishedStats stats) {
        if (closed || stats.snapshot() == null) return;
        try {
            thread.execute(() -> onPublished(stats));
        } catch (RejectedExecutionException e) {
            // shutting down: the last values are recorded by close()
        }
    }

    /** This thread: one session's value. */
    void onPublished(PublishedStats stats) {
        String id = stats.sessionId();
        StatsSnapshot snap = stats.snapshot();
        long nowMs = stats.last() ? Math.max(tickWallMs(stats.tick()), snap.takenAtMs()) : tickWallMs(stats.tick());
        StatsSnapshot before = previous.get(id);
        StatsInterval iv = StatsInterval.between(before, snap);
        if (stats.last()) previous.remove(id);
        else previous.put(id, snap);
        if (iv != null) {
            if (!id.equals(RealtimeTracker.ID)) pending.add(new HistorySample(id, Math.floorDiv(nowMs, 1000), iv));
            if (!stats.last()) alerts.evaluate(id, iv, nowMs);
        }
        if (stats.last()) alerts.ended(id, nowMs, Alert.SESSION_STOPPED);
        if (!flushQueued) {
            flushQueued = true;
            thread.execute(this::flush);   // after the values already queued: one commit for a tick's sessions
        }
    }

    private void flush() {
        flushQueued = false;
        if (pending.isEmpty()) return;
        try {
            history.write(pending);
        } catch (SQLException e) {
            log.warn("[History] cannot write {} sample(s): {}", pending.size(), e.getMessage());
        }
        pending.clear();
    }

    private void everySecond() {
        try {
            long nowMs = wallMillis.getAsLong();
            flush();
            // values of this second may still be on their way: sum only what is a second older
            long upTo = Math.floorDiv(nowMs, 1000) - 2;
            if (upTo > lastDownsampled) {
                history.downsample(upTo);
                if (Math.floorDiv(upTo, 60) != Math.floorDiv(lastDownsampled, 60)) history.expire(upTo);
                lastDownsampled = upTo;
            }
        } catch (Throwable t) {
            log.error("[History] periodic work failed: {}", t.toString(), t);
        }
    }

    /** Runs {@code work} on this ticker's thread and waits for it (REST actions on alert state). */
    public <T> T call(Callable<T> work) {
        try {
            return thread.submit(work).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (TimeoutException e) {
            throw new IllegalStateException("the stats ticker is busy");
        }
    }

    /** A session was purged: forget it and delete its history (any thread; waits for this ticker). */
    public void purged(String session) {
        call(() -> {
            previous.remove(session);
            pending.removeIf(s -> s.session().equals(session));
            alerts.purged(session);
            history.deleteSession(session);
            return null;
        });
    }

    /** Records what was handed over (the sessions' last values included) and stops. */
    @Override
    public void close() {
        closed = true;
        try {
            call(() -> {
                flush();
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("[History] last write failed: {}", e.toString());
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) thread.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

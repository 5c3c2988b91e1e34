package dev.skbscope.server.tick;

import dev.skbscope.engine.StatsInterval;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.alert.Alert;
import dev.skbscope.server.alert.AlertService;
import dev.skbscope.server.history.HistoryDatabase;
import dev.skbscope.server.history.HistorySample;
import dev.skbscope.server.session.RealtimeTracker;
import dev.skbscope.server.session.Session;
import dev.skbscope.server.session.SessionRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Once per second, turns each running session's latest stats into the {@link StatsInterval} since
 * its previous tick, records it in the history and evaluates the alert rules on it (the realtime
 * tracer too, alerts only). A session that stopped gets its last, partial interval and its alerts
 * resolved. Ticks keep a fixed grid on whole seconds; a tick's time is the grid time, so a rule's
 * {@code for} counts whole ticks however late the thread runs, and the history sample of the tick at
 * second {@code t + 1} is stamped {@code t}: it covers that second.
 *
 * <p>Threading: everything runs on the ticker's one thread ({@code stats-interval}), which is the
 * history database's only writer and the alert service's evaluating thread; other threads hand it
 * work with {@link #call}.
 */
public final class IntervalTicker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IntervalTicker.class);
    public static final long PERIOD_MS = 1000;

    private final SessionRegistry registry;
    private final HistoryDatabase history;
    private final AlertService alerts;
    private final LongSupplier wallMillis;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("stats-interval").daemon(true).unstarted(r));
    /** The snapshot each session's last interval ended with. */
    private final Map<String, StatsSnapshot> previous = new HashMap<>();
    private long originMs;
    private long ticks;
    private volatile long lastTickMs;

    public IntervalTicker(SessionRegistry registry, HistoryDatabase history, AlertService alerts, LongSupplier wallMillis) {
        this.registry = registry;
        this.history = history;
        this.alerts = alerts;
        this.wallMillis = wallMillis;
    }

    /** Starts ticking every second, on whole seconds of the wall clock. */
    public void start() {
        long now = wallMillis.getAsLong();
        long first = (now / PERIOD_MS + 1) * PERIOD_MS;
        originMs = first - PERIOD_MS;
        thread.scheduleAtFixedRate(this::tickSafely, first - now, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /** The grid time of the last tick (epoch ms), 0 before the first. */
    public long lastTickMs() { return lastTickMs; }

    /** Runs {@code work} on the ticker's thread and waits for it (REST actions on alert state). */
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

    private void tickSafely() {
        try {
            tick(originMs + ++ticks * PERIOD_MS);
        } catch (Throwable t) {
            log.error("[History] tick failed: {}", t.toString(), t);
        }
    }

    /** One tick at grid time {@code nowMs} (tests call it directly). */
    public void tick(long nowMs) {
        lastTickMs = nowMs;
        // the second the interval covers: (t, t + 1] for a tick at t + 1
        long t = Math.floorDiv(nowMs, 1000) - 1;
        List<HistorySample> samples = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Session s : registry.list()) {
            String id = s.id();
            boolean running = s.running();
            if (!running && !previous.containsKey(id)) continue;
            StatsSnapshot snap = latest(s);
            if (snap == null) continue;
            if (running) seen.add(id);
            StatsInterval iv = StatsInterval.between(previous.get(id), snap);
            if (running) previous.put(id, snap);
            if (iv != null) {
                samples.add(new HistorySample(id, t, iv));
                if (running) alerts.evaluate(id, iv, nowMs);
            }
            if (!running) {
                previous.remove(id);
                alerts.ended(id, nowMs, Alert.SESSION_STOPPED);
            }
        }
        for (String gone : new ArrayList<>(previous.keySet())) {
            if (seen.contains(gone) || gone.equals(RealtimeTracker.ID)) continue;
            previous.remove(gone);   // purged while running
            alerts.ended(gone, nowMs, Alert.SESSION_STOPPED);
        }
        realtime(nowMs);
        try {
            history.write(samples);
            history.downsample(t);
            if (Math.floorMod(t, 60) == 0) history.expire(t);
        } catch (SQLException e) {
            log.warn("[History] cannot write tick {}: {}", t, e.getMessage());
        }
    }

    private void realtime(long nowMs) {
        RealtimeTracker rt = registry.realtime();
        if (!rt.enabled()) {
            if (previous.remove(RealtimeTracker.ID) != null) alerts.ended(RealtimeTracker.ID, nowMs, Alert.SESSION_STOPPED);
            return;
        }
        StatsSnapshot snap = rt.snapshot();
        StatsInterval iv = StatsInterval.between(previous.put(RealtimeTracker.ID, snap), snap);
        if (iv != null) alerts.evaluate(RealtimeTracker.ID, iv, nowMs);
    }

    /**
     * The session's stats now: what its thread last published for the Socket.IO tick when that is
     * recent (sessions with clients), else a snapshot taken here.
     */
    private StatsSnapshot latest(Session s) {
        if (!s.running()) return s.snapshot();
        Session.Published p = s.published();
        StatsSnapshot prev = previous.get(s.id());
        if (p != null && System.nanoTime() - p.takenAt() < PERIOD_MS * 1_000_000L
                && (prev == null || p.snapshot().uptimeSeconds() > prev.uptimeSeconds())) return p.snapshot();
        return s.snapshot();
    }

    /**
     * Runs one more tick now, off the grid (at shutdown, after the sessions stopped: their last
     * seconds and their alerts' resolution are recorded). Waits for it.
     */
    public void tickNow() {
        try {
            call(() -> {
                tick(Math.max(wallMillis.getAsLong(), lastTickMs + 1));
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("[History] last tick failed: {}", e.toString());
        }
    }

    /** A session was purged: forget it and delete its history (any thread; waits for the ticker). */
    public void purged(String session) {
        call(() -> {
            previous.remove(session);
            alerts.purged(session);
            history.deleteSession(session);
            return null;
        });
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) thread.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

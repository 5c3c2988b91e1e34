package dev.skbscope.server.socketio;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one thread on which every engine.io / Socket.IO call is made (the Java library is only partly
 * thread-safe): incoming frames and polling requests, ping timers, rooms and the stats emit loop.
 * Any thread may submit; tasks run in submission order and a failing task is logged, not fatal.
 */
public final class SocketIoLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SocketIoLoop.class);
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("socketio").daemon(true).priority(Thread.MAX_PRIORITY).unstarted(r));

    /** The executor itself, handed to engine.io for its ping timers. */
    public ScheduledExecutorService executor() { return executor; }

    public void execute(Runnable task) {
        try {
            executor.execute(() -> runSafely(task));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down: nothing left to deliver to
        }
    }

    public ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        return executor.schedule(() -> runSafely(task), delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} once at {@code deadlineNanos} ({@link System#nanoTime()}); null when shutting down. */
    public ScheduledFuture<?> scheduleAtNanos(Runnable task, long deadlineNanos) {
        try {
            return executor.schedule(() -> runSafely(task), deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null;
        }
    }

    private static void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | LinkageError e) {
            log.warn("[SocketIO] task failed: {}", e.toString(), e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

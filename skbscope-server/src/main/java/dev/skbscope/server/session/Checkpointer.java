package dev.skbscope.server.session;

import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.store.SessionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Writes running sessions' checkpoints to disk, so that a crash ({@code kill -9}, power loss) costs
 * at most one checkpoint interval of stats. Session threads take a checkpoint every interval
 * ({@link #due}): the recording's current gzip member is closed and a snapshot taken at the same
 * point, so {@code checkpoint.json} can say exactly how many events the recording held then; one
 * writer thread serialises and writes it ({@code stats.json}, then {@code checkpoint.json}, each
 * replaced atomically), so file I/O never stalls ingest. A session whose previous checkpoint is not
 * written yet has it replaced by the newer one. Thread-safe.
 */
public final class Checkpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

    /**
     * One checkpoint of a running session.
     *
     * @param snapshot        the stats, taken on the session thread
     * @param recordingBytes  bytes of the recording that form complete gzip members (-1: not recording)
     * @param recordedEvents  events in those bytes
     */
    public record Checkpoint(StatsSnapshot snapshot, long recordingBytes, long recordedEvents) { }

    private final SessionStore store;
    private final long intervalNanos;
    /** Above the session threads, like the emit loop: a checkpoint waiting for the CPU is stats at risk. */
    private final ExecutorService writer = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("checkpoint-writer").daemon(true).priority(Thread.MAX_PRIORITY - 1).unstarted(r));
    /** Per session, the checkpoint waiting for the writer (present while a write is queued). */
    private final Map<String, Checkpoint> pending = new ConcurrentHashMap<>();

    public Checkpointer(SessionStore store, long intervalMillis) {
        this.store = store;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    }

    /** How often session threads take a checkpoint. */
    public long intervalNanos() { return intervalNanos; }

    /** Session thread: hands a checkpoint to the writer (replacing one of the same session not yet written). */
    void offer(String sessionId, Checkpoint cp) {
        if (pending.put(sessionId, cp) != null) return;   // a write is queued: it will take this one
        try {
            writer.execute(() -> write(sessionId));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pending.remove(sessionId);   // shutting down: the session's stop writes its final stats
        }
    }

    private void write(String sessionId) {
        Checkpoint cp = pending.remove(sessionId);
        if (cp == null) return;
        try {
            store.saveStats(sessionId, ServerJson.MAPPER.writeValueAsBytes(cp.snapshot()));
            store.saveCheckpoint(sessionId, ServerJson.MAPPER.writeValueAsBytes(Map.of(
                    "taken_at_ms", cp.snapshot().takenAtMs(),
                    "total_events", cp.snapshot().totalEvents(),
                    "recording_bytes", cp.recordingBytes(),
                    "recording_events", cp.recordedEvents())));
        } catch (IOException | RuntimeException e) {
            log.warn("[Session] Could not write the checkpoint of {}: {}", sessionId, e.toString());
        }
    }

    /** Waits for queued checkpoints (a session stopping writes its final stats after them). */
    void drain() {
        try {
            writer.submit(() -> { }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // shutting down or stuck: the final stats are written anyway
        }
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

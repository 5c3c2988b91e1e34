package dev.skbscope.cli;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.sources.BatchPipe;
import dev.skbscope.sources.recording.RecordingFormat;
import dev.skbscope.sources.recording.ReplaySource;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;

/**
 * Runs a whole recording through the stats engine as fast as it can be read and returns the final
 * stats; used by {@code replay} and {@code diff}. Stateless; each call uses the caller's thread and
 * one reader thread. Stats only: packets are {@code packets}' business, so no journeys are recorded.
 *
 * @param file           the recording
 * @param format         its format, or {@link RecordingFormat#AUTO}
 * @param mode           the session mode, or null for the recording header's (else full)
 * @param maxFunctions   distinct probe names kept
 * @param maxTrackedSkbs packets tracked at once
 * @param speed          0 = as fast as possible, 1 = the recorded pace
 */
record RecordingStats(Path file, RecordingFormat format, String mode, int maxFunctions, int maxTrackedSkbs, double speed) {

    /** The recording with default limits, as fast as possible. */
    static RecordingStats of(Path file) {
        return new RecordingStats(file, RecordingFormat.AUTO, null, SessionConfig.DEFAULT_MAX_FUNCTIONS,
                SessionConfig.DEFAULT_MAX_TRACKED_SKBS, 0);
    }

    /**
     * The final stats, the detected format, and the warning of a recording cut by a crash (every
     * complete member and line was read; what was lost), or null.
     */
    record Result(StatsSnapshot stats, String format, String warning) { }

    /** @throws IOException with one clear line when the file can't be read */
    Result run() throws IOException {
        try (ReplaySource source = ReplaySource.open(file, format, speed)) {
            String detected = source.format().name().toLowerCase();
            SessionConfig config = new SessionConfig(file.getFileName().toString(), mode != null ? mode : source.mode("full"),
                    maxFunctions, maxTrackedSkbs, Math.min(SessionConfig.DEFAULT_EVICT_BATCH, maxTrackedSkbs), 0);
            SessionStatsTracker tracker = new SessionStatsTracker(config, source.counters());
            try (BatchPipe pipe = new BatchPipe(source, 4, 4096)) {
                EventBatch batch;
                while ((batch = pipe.take()) != null) {
                    tracker.ingest(batch);
                    pipe.release(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
            return new Result(tracker.snapshot(), detected, source.endWarning());
        }
    }
}

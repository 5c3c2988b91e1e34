package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.sources.EventSource;

import java.io.IOException;
import java.nio.file.Path;

/** Replays a recording file (.jsonl or .jsonl.gz; pipeline-trace, Retis or pwru). STUB: API only. */
public final class ReplaySource implements EventSource {
    private final SourceCounters counters = new SourceCounters("replay");

    /**
     * Opens a recording.
     * @param speed 1.0 = original pace (by ts_ns), 2.0 = twice as fast, 0 = as fast as possible
     * @throws IOException with a clear one-line message for a missing file or unreadable format
     */
    public static ReplaySource open(Path path, RecordingFormat format, double speed) throws IOException {
        throw new IOException("replay not built yet");
    }

    @Override public int poll(EventBatch batch) { return -1; }
    @Override public SourceCounters counters() { return counters; }
    @Override public void close() { }
}

package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.TraceEvent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes events as a pipeline-trace recording (spec section 1), gzip when the path ends in .gz.
 * Single-threaded. STUB: API only.
 */
public final class RecordingWriter implements AutoCloseable {
    /** Creates the file and writes the header line {@code {"format":"pipeline-trace","version":1, ...header}}. */
    public RecordingWriter(Path path, Map<String, Object> header) throws IOException { }
    public void write(TraceEvent e) throws IOException { }
    public void flush() throws IOException { }
    @Override public void close() throws IOException { }
}

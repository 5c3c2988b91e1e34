package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.sources.EventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Replays a recording file (.jsonl or .jsonl.gz; pipeline-trace, Retis or pwru). Single reader:
 * one thread calls {@link #poll}; {@link #close} may come from any thread.
 *
 * <p>Bad lines are counted in {@code counters().badLines} and logged with their line number; they
 * never stop the replay. At {@code speed > 0} events are released at their recorded pace (by
 * {@code ts_ns}, divided by speed); at 0, as fast as they can be read.
 */
public final class ReplaySource implements EventSource {
    private static final Logger log = LoggerFactory.getLogger(ReplaySource.class);

    private final Path path;
    private final RecordingFormat format;
    private final Map<String, Object> header;
    private final JsonLines lines;
    private final JsonLineDecoder decoder;
    private final double speed;
    private final SourceCounters counters = new SourceCounters("replay");
    private final BadLineLog badLines;
    private volatile boolean closed;
    private boolean eof;
    private boolean finished;
    /** The gzip reader when the file is gzip (it knows whether the tail was damaged). */
    private final GzipMembers gzip;
    /** Bytes of a last line that was cut (no newline, not valid JSON), or -1. */
    private long cutLineBytes = -1;

    // pacing (speed > 0): the next event waits in `pending` until it is due
    private final TraceEvent pending = new TraceEvent();
    private boolean hasPending;
    private boolean started;
    private long firstTs, wallStart;

    private ReplaySource(Path path, RecordingFormat format, Map<String, Object> header, double speed) throws IOException {
        this.path = path;
        this.format = format;
        this.header = header;
        this.speed = speed;
        this.decoder = RecordingFormats.decoder(format);
        java.io.InputStream in = RecordingFormats.open(path);
        this.gzip = in instanceof GzipMembers g ? g : null;
        this.lines = new JsonLines(in);
        this.badLines = new BadLineLog(log, path.toString());
        counters.detail(path.getFileName() + " (" + format.name().toLowerCase() + ")");
    }

    /**
     * Opens a recording.
     * @param format the format, or {@link RecordingFormat#AUTO} to detect it from the first lines
     * @param speed 1.0 = original pace (by ts_ns), 2.0 = twice as fast, 0 = as fast as possible
     * @throws IOException with a clear one-line message for a missing file or unreadable format
     */
    public static ReplaySource open(Path path, RecordingFormat format, double speed) throws IOException {
        if (!(speed >= 0) || Double.isInfinite(speed)) throw new IllegalArgumentException("speed must be >= 0");
        RecordingFormats.Detected d = RecordingFormats.detect(path);
        RecordingFormat f = format == null || format == RecordingFormat.AUTO ? d.format() : format;
        Map<String, Object> header = f == d.format() ? d.header() : Map.of();
        return new ReplaySource(path, f, header, speed);
    }

    /** The format being read (detected or forced). */
    public RecordingFormat format() { return format; }

    /** The header's keys (pipeline-trace) or Retis' startup section; empty if the file has none. */
    public Map<String, Object> header() { return header; }

    /** The recording's mode from its header ("full", "nft", "multifunction"), or {@code fallback}. */
    public String mode(String fallback) {
        return header.get("mode") instanceof String s && !s.isBlank() ? s : fallback;
    }

    public Path path() { return path; }

    /**
     * The last source-counters comment read so far (a skbscope session's recording has one each
     * second: {@code lost_events}, {@code events_read}, {@code sample_one_in}), or an empty map.
     */
    public Map<String, Object> recordedCounters() { return parseCounters(lines.counters()); }

    /** A counters comment's JSON as a map (empty when absent or not JSON). */
    static Map<String, Object> parseCounters(String json) {
        if (json == null) return Map.of();
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JsonLineDecoder.MAPPER.readValue(json, Map.class);
            return m;
        } catch (IOException e) {
            return Map.of();
        }
    }

    @Override
    public int poll(EventBatch batch) throws IOException {
        if (closed) return -1;
        try {
            int n = speed > 0 ? pollPaced(batch) : pollUnpaced(batch);
            counters.eventsRead.addAndGet(n);
            if (n == 0 && eof && !hasPending) {
                finish();
                return -1;
            }
            return n;
        } catch (IOException x) {
            if (closed) return -1;   // closed under our feet: a normal stop
            throw x;
        }
    }

    private int pollUnpaced(EventBatch batch) throws IOException {
        int n = 0;
        TraceEvent slot;
        while ((slot = batch.next()) != null) {
            if (!readNext(slot)) {
                batch.undoNext();
                break;
            }
            n++;
        }
        return n;
    }

    private int pollPaced(EventBatch batch) throws IOException {
        int n = 0;
        while (!batch.isFull()) {
            if (!hasPending) {
                if (!readNext(pending.clear())) break;
                hasPending = true;
            }
            if (!started) {
                started = true;
                firstTs = pending.tsNs;
                wallStart = System.nanoTime();
            }
            long due = wallStart + (long) ((pending.tsNs - firstTs) / speed);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                if (n > 0) return n;
                LockSupport.parkNanos(Math.min(wait, MAX_BLOCK_NANOS));
                if (closed || due - System.nanoTime() > 0) return 0;
            }
            batch.next().copyFrom(pending);
            hasPending = false;
            n++;
        }
        return n;
    }

    /** Decodes lines into {@code e} until one is an event; false at the end of the file. */
    private boolean readNext(TraceEvent e) throws IOException {
        if (eof) return false;
        while (lines.next()) {
            if (lines.tooLong()) {
                counters.badLines.incrementAndGet();
                badLines.report(lines.lineNo(), "line longer than " + (JsonLines.MAX_LINE >> 20) + " MiB");
                continue;
            }
            int r = decoder.decode(lines.buf(), lines.start(), lines.length(), lines.lineNo(), e.clear());
            if (r == JsonLineDecoder.EVENT) return true;
            if (r == JsonLineDecoder.BAD && lines.unterminated()) {
                cutLineBytes = lines.length();   // the writer stopped mid-line (a crash): lost, not bad
                continue;
            }
            if (r == JsonLineDecoder.BAD) {
                counters.badLines.incrementAndGet();
                badLines.report(lines.lineNo(), decoder.reason());
            }
        }
        eof = true;
        return false;
    }

    private void finish() {
        if (finished) return;
        finished = true;
        badLines.finish();

        if (decoder instanceof PwruDecoder p && p.synthesisedTime())
            log.warn("{}: pwru events without 'time' were spaced 1 us apart in line order; "
                    + "record with 'pwru --output-json --timestamp current' for real latencies", path);
    }

    @Override public String endWarning() { return tailWarning(); }

    /** Why the gzip stream ended early (known once the replay has ended), or null. */
    public GzipMembers.Damage damage() { return gzip == null ? null : gzip.damage(); }

    /** Bytes of a cut last line that was dropped (known once the replay has ended), or -1. */
    public long cutLineBytes() { return cutLineBytes; }

    /** A one-line warning about a damaged or cut end of the file (once the replay has ended), or null when it ended cleanly. */
    public String tailWarning() { return RecordingRepair.tailWarning(damage(), cutLineBytes); }

    @Override public SourceCounters counters() { return counters; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            lines.close();
        } catch (IOException ignored) {
            // nothing to do: we are stopping
        }
    }
}

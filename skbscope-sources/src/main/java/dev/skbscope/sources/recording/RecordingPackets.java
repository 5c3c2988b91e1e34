package dev.skbscope.sources.recording;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.packet.JourneySink;
import dev.skbscope.engine.packet.PacketPage;
import dev.skbscope.engine.packet.PacketQuery;
import dev.skbscope.engine.packet.PacketView;
import dev.skbscope.sources.BatchPipe;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A recording (ours, Retis or pwru) run through the stats engine with its packets kept for
 * queries: the same journeys, with the same ids and hops, that a live session fed these events
 * had. Built once by {@link #index} or {@link #load} (the index: decoding spread over the cores for our own format,
 * on one thread for Retis and pwru; the engine on the caller's thread);
 * then immutable, and its queries are thread-safe.
 *
 * <p>The packets are those the engine rebuilds with the recording's {@code max_tracked_skbs}
 * (from its header, as a session writes it; else the default), so packet ids match the session's.
 * Packets still tracked at the end of the file are kept as {@code in_flight}.
 */
public final class RecordingPackets {
    /** Journeys an index keeps by default: the newest million (about 100 MB for 12 events a packet). */
    public static final int DEFAULT_KEEP = 1_000_000;

    private final Path path;
    private final RecordingFormat format;
    private final Map<String, Object> header;
    private final Map<String, Object> recordedCounters;
    private final SessionStatsTracker tracker;
    /** The stats of the whole recording: counts only for an {@link #index} (no latencies, rates or functions). */
    private final StatsSnapshot snapshot;
    private final boolean aggregates;
    private final long firstNs, lastNs;
    private final long loadNanos;
    private final String tailWarning;

    private RecordingPackets(Path path, RecordingFormat format, Map<String, Object> header, Map<String, Object> recordedCounters,
                             SessionStatsTracker tracker, StatsSnapshot snapshot, boolean aggregates, long firstNs, long lastNs,
                             long loadNanos, String tailWarning) {
        this.tailWarning = tailWarning;
        this.path = path;
        this.format = format;
        this.header = header;
        this.recordedCounters = recordedCounters;
        this.tracker = tracker;
        this.snapshot = snapshot;
        this.aggregates = aggregates;
        this.firstNs = firstNs;
        this.lastNs = lastNs;
        this.loadNanos = loadNanos;
    }

    /**
     * Indexes {@code path} for packet queries: its packets followed and their journeys recorded
     * exactly as {@link #load} does (the same ids, hops, verdicts and ends), without the aggregate
     * stats (latency histograms, rates, top functions) that no packet query reads: about a third
     * less work on the engine's thread. {@link #stats} is then null.
     *
     * @param maxTrackedSkbs packets tracked at once, or null for the recording header's (else the default)
     * @param keep           journeys kept for queries (the newest)
     * @throws IOException with one clear line (missing file, not a recording, damaged gzip)
     */
    public static RecordingPackets index(Path path, RecordingFormat format, Integer maxTrackedSkbs, int keep) throws IOException {
        return load(path, format, maxTrackedSkbs, keep, null, false);
    }

    /**
     * Replays {@code path} into a new index, with the whole recording's stats ({@link #stats}).
     *
     * @param maxTrackedSkbs packets tracked at once, or null for the recording header's (else the default)
     * @param keep           journeys kept for queries (the newest; 0 keeps none, e.g. for a summary)
     * @param listener       also receives every journey as it finishes, in finish order (null: none)
     * @throws IOException with one clear line (missing file, not a recording, damaged gzip)
     */
    public static RecordingPackets load(Path path, RecordingFormat format, Integer maxTrackedSkbs, int keep,
                                        JourneySink listener) throws IOException {
        return load(path, format, maxTrackedSkbs, keep, listener, true);
    }

    private static RecordingPackets load(Path path, RecordingFormat format, Integer maxTrackedSkbs, int keep,
                                         JourneySink listener, boolean aggregates) throws IOException {
        long t0 = System.nanoTime();
        RecordingFormats.Detected d = RecordingFormats.detect(path);
        RecordingFormat f = format == null || format == RecordingFormat.AUTO ? d.format() : format;
        Map<String, Object> header = f == d.format() ? d.header() : Map.of();
        int tracked = maxTrackedSkbs != null ? maxTrackedSkbs
                : header.get("max_tracked_skbs") instanceof Number n && n.intValue() > 0 ? n.intValue()
                : SessionConfig.DEFAULT_MAX_TRACKED_SKBS;
        String mode = header.get("mode") instanceof String m && !m.isBlank() ? m : "full";
        SessionConfig config = new SessionConfig(path.getFileName().toString(), mode, SessionConfig.DEFAULT_MAX_FUNCTIONS,
                tracked, Math.min(SessionConfig.DEFAULT_EVICT_BATCH, tracked), keep);
        long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
        Map<String, Object> recorded;
        String tailWarning;
        SessionStatsTracker tracker;
        try {
            if (ParallelReplay.supports(f)) {
                // decoding JSON is most of the time: spread it over the cores
                SourceCounters counters = new SourceCounters("replay");
                counters.detail(path.getFileName() + " (" + f.name().toLowerCase() + ")");
                tracker = tracker(config, counters, listener, aggregates);
                try (ParallelReplay in = new ParallelReplay(path, counters, Runtime.getRuntime().availableProcessors())) {
                    EventBatch batch;
                    while ((batch = in.take()) != null) {
                        feed(tracker, batch, span);
                        in.release(batch);
                    }
                    recorded = ReplaySource.parseCounters(in.counters());
                    tailWarning = in.tailWarning();
                }
            } else {
                try (ReplaySource source = ReplaySource.open(path, f, 0);
                     BatchPipe pipe = new BatchPipe(source, 4, 4096)) {
                    tracker = tracker(config, source.counters(), listener, aggregates);
                    EventBatch batch;
                    while ((batch = pipe.take()) != null) {
                        feed(tracker, batch, span);
                        pipe.release(batch);
                    }
                    recorded = source.recordedCounters();
                    tailWarning = source.tailWarning();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(path + ": interrupted while reading");
        }
        StatsSnapshot snapshot = tracker.snapshot();
        tracker.flushJourneys();
        return new RecordingPackets(path, f, header, recorded, tracker, snapshot, aggregates,
                span[0] == Long.MAX_VALUE ? Long.MIN_VALUE : span[0], span[1], System.nanoTime() - t0, tailWarning);
    }

    private static SessionStatsTracker tracker(SessionConfig config, SourceCounters counters, JourneySink listener,
                                               boolean aggregates) {
        return aggregates ? new SessionStatsTracker(config, counters, listener) : SessionStatsTracker.journeysOnly(config, counters);
    }

    private static void feed(SessionStatsTracker tracker, EventBatch batch, long[] span) {
        for (int i = 0, n = batch.size(); i < n; i++) {
            long ts = batch.get(i).tsNs;
            if (ts < span[0]) span[0] = ts;
            if (ts > span[1]) span[1] = ts;
        }
        tracker.ingest(batch);
    }

    public Path path() { return path; }
    public RecordingFormat format() { return format; }
    /** The recording's header (ours) or startup section (Retis); empty if none. */
    public Map<String, Object> header() { return header; }
    /** The last source counters the recording carries (a session's: lost_events, sample_one_in...), or empty. */
    public Map<String, Object> recordedCounters() { return recordedCounters; }
    /**
     * The stats of the whole recording (before the packets still in flight were kept), or null for
     * an {@link #index}, which keeps journeys only.
     */
    public StatsSnapshot stats() { return aggregates ? snapshot : null; }
    /** Events in the recording, weighted by sampling (as a session counts them). */
    public long totalEvents() { return snapshot.totalEvents(); }
    /** Packets the engine followed through the recording, weighted by sampling. */
    public long totalPackets() { return snapshot.totalPackets(); }
    /** Time of the first and the newest event (Long.MIN_VALUE for an empty recording). */
    public long firstNs() { return firstNs; }
    public long lastNs() { return lastNs; }
    /** A damaged or cut end of the file (a crash), in words, or null when it ended cleanly. */
    public String tailWarning() { return tailWarning; }
    /** How long {@link #load} took. */
    public long loadNanos() { return loadNanos; }

    /** Packets matching {@code q}, newest first ({@code detail}: whole journeys); any thread. */
    public PacketPage packets(PacketQuery q, long before, int limit, boolean detail) {
        return tracker.packets(q, before, limit, detail);
    }

    /** The whole journey of packet {@code id}, or null; any thread. */
    public PacketView packet(long id) { return tracker.packet(id); }
}

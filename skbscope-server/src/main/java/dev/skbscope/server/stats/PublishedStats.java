package dev.skbscope.server.stats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.server.ServerJson;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * One session's stats as published for a tick: the immutable snapshot and its JSON (the spec's
 * {@code stats} object), serialised once by the publisher; every reader (Socket.IO, REST,
 * Prometheus, persistence) uses these instead of taking or serialising a snapshot of its own.
 * Immutable and thread-safe. Stats loaded from disk have JSON but no snapshot.
 */
public final class PublishedStats {
    private final String sessionId;
    private final long tick;
    private final boolean last;
    private final long publishedAtNanos;
    private final StatsSnapshot snapshot;
    private final byte[] json;
    private final Headline headline;

    /** The counters a session list shows, without parsing the JSON again. */
    public record Headline(long totalEvents, long totalPackets, double packetsPerSecond, long drops, double uptimeSeconds) {
        public static final Headline ZERO = new Headline(0, 0, 0, 0, 0);
    }

    private PublishedStats(String sessionId, long tick, boolean last, long publishedAtNanos, StatsSnapshot snapshot,
                           byte[] json, Headline headline) {
        this.sessionId = sessionId;
        this.tick = tick;
        this.last = last;
        this.publishedAtNanos = publishedAtNanos;
        this.snapshot = snapshot;
        this.json = json;
        this.headline = headline;
    }

    /** Serialises {@code snapshot} once. */
    static PublishedStats of(String sessionId, long tick, StatsSnapshot snapshot, boolean last, long publishedAtNanos) {
        try {
            byte[] json = ServerJson.MAPPER.writeValueAsBytes(snapshot);
            Headline h = new Headline(snapshot.totalEvents(), snapshot.totalPackets(), snapshot.packetsPerSecond(),
                    snapshot.drops(), snapshot.uptimeSeconds());
            return new PublishedStats(sessionId, tick, last, publishedAtNanos, snapshot, json, h);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The final stats of an earlier run, as stored on disk ({@code stats} object); no snapshot. */
    public static PublishedStats stored(String sessionId, JsonNode stats) {
        try {
            Headline h = new Headline(stats.path("total_events").asLong(0), stats.path("total_packets").asLong(0),
                    stats.path("packets_per_second").asDouble(0), stats.path("drops").asLong(0), stats.path("uptime_seconds").asDouble(0));
            return new PublishedStats(sessionId, Long.MIN_VALUE, true, 0, null, ServerJson.MAPPER.writeValueAsBytes(stats), h);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String sessionId() { return sessionId; }

    /** The tick these stats were published for ({@link TickSchedule}); {@link Long#MIN_VALUE} for stored stats. */
    public long tick() { return tick; }

    /** The session's last stats of its run (it stopped, finished or failed), or stats loaded from disk. */
    public boolean last() { return last; }

    /** The schedule clock's time of publishing (0 for stored stats). */
    public long publishedAtNanos() { return publishedAtNanos; }

    /** The typed snapshot, or null for stats loaded from disk. */
    public StatsSnapshot snapshot() { return snapshot; }

    public Headline headline() { return headline; }

    /** Bytes of the JSON {@code stats} object. */
    public int jsonLength() { return json.length; }

    /** A copy of the JSON {@code stats} object. */
    public byte[] json() { return json.clone(); }

    /** Writes the JSON {@code stats} object. */
    public void writeJson(OutputStream out) throws IOException { out.write(json); }

    /** {@code head}, the JSON {@code stats} object, {@code tail}: a message around the stats without serialising them again. */
    public byte[] framed(byte[] head, byte[] tail) {
        byte[] out = new byte[head.length + json.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(json, 0, out, head.length, json.length);
        System.arraycopy(tail, 0, out, head.length + json.length, tail.length);
        return out;
    }

    @Override
    public String toString() {
        return "PublishedStats[" + sessionId + " tick " + tick + (last ? " last" : "") + ", " + json.length + " bytes]";
    }
}

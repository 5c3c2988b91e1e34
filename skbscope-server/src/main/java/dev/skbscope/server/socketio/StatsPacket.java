package dev.skbscope.server.socketio;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.stats.PublishedStats;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The {@code session_stats_update} packet of one {@link PublishedStats}, framed once for every
 * client: the Socket.IO EVENT {@code 2["session_stats_update",{"session_id":..,"stats":..}]}
 * inside an engine.io MESSAGE ({@code 4}), as the UTF-8 bytes of a websocket text frame. The one
 * place that knows this framing. Immutable; the polling form is decoded lazily on the loop.
 */
final class StatsPacket {
    static final String EVENT = "session_stats_update";
    /** An engine.io text frame (MESSAGE + Socket.IO EVENT) carrying a stats update starts with this. */
    private static final String FRAME_PREFIX = "42[\"" + EVENT + "\"";

    private final PublishedStats stats;
    private final byte[] frame;
    private String socketIo;

    private StatsPacket(PublishedStats stats, byte[] frame) {
        this.stats = stats;
        this.frame = frame;
    }

    static StatsPacket of(PublishedStats p) {
        try {
            String head = FRAME_PREFIX + ",{\"session_id\":" + ServerJson.MAPPER.writeValueAsString(p.sessionId()) + ",\"stats\":";
            return new StatsPacket(p, p.framed(head.getBytes(StandardCharsets.UTF_8), "}]".getBytes(StandardCharsets.UTF_8)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether an engine.io text frame is a stats update (those may be skipped for a slow client). */
    static boolean isStatsFrame(String engineIoText) { return engineIoText.startsWith(FRAME_PREFIX); }

    PublishedStats stats() { return stats; }

    /** The websocket text frame's payload, shared by every client (a read-only view). */
    ByteBuffer frame() { return ByteBuffer.wrap(frame).asReadOnlyBuffer(); }

    /** The Socket.IO packet (without engine.io's {@code 4}), for engine.io's own encoder (long-polling). */
    String socketIoPacket() {
        if (socketIo == null) socketIo = new String(frame, 1, frame.length - 1, StandardCharsets.UTF_8);
        return socketIo;
    }
}

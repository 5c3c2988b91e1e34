package dev.skbscope.server.packets;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Packet queries over a session's recording, answered from its index (built on the first query).
 * Implementations are thread-safe. Answers are the JSON of a {@link dev.skbscope.engine.packet.PacketPage}
 * or a {@link dev.skbscope.engine.packet.PacketView}, as the REST routes send them.
 */
public interface RecordingQueries extends AutoCloseable {
    /**
     * A page of the recording's packets matching {@code params} (the REST filters, limit and cursor,
     * already checked by {@link dev.skbscope.engine.packet.PacketQueryParser}).
     *
     * @throws dev.skbscope.server.ApiException 404 when there is no recording
     * @throws IOException the recording cannot be read
     */
    ObjectNode packets(Path recording, Map<String, List<String>> params, boolean detail) throws IOException;

    /** The whole journey of packet {@code id}, or null when the recording has no such packet. */
    ObjectNode packet(Path recording, long id) throws IOException;

    @Override
    default void close() { }
}

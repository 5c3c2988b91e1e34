package dev.skbscope.server.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.filter.PacketFilter;

/**
 * A validated session request. Immutable.
 *
 * @param id              session id (also its directory name)
 * @param mode            full, nft or multifunction
 * @param maxFunctions    1..1000
 * @param maxTrackedSkbs  packets tracked at once
 * @param filter          the packet filter ({@link PacketFilter#ANY} when none)
 * @param filterJson      the filter as given, for display and persistence (may be empty)
 * @param source          where events come from
 * @param sourceJson      the source as given (normalised), for display and persistence
 * @param record          whether events are written to the session's recording
 * @param packetHistory   finished packets kept for queries, with exemplars (0..1,000,000; 0 keeps none)
 * @param idleTimeoutMs   a packet in the stack quiet this long expires (its end was never reported)
 * @param socketTimeoutMs a packet delivered and not read by the application expires after this long
 */
public record SessionSpec(String id, String mode, int maxFunctions, int maxTrackedSkbs, PacketFilter filter,
                          ObjectNode filterJson, SourceSpec source, ObjectNode sourceJson, boolean record,
                          int packetHistory, long idleTimeoutMs, long socketTimeoutMs) {

    /** With the default packet history and idle timeouts. */
    public SessionSpec(String id, String mode, int maxFunctions, int maxTrackedSkbs, PacketFilter filter,
                       ObjectNode filterJson, SourceSpec source, ObjectNode sourceJson, boolean record) {
        this(id, mode, maxFunctions, maxTrackedSkbs, filter, filterJson, source, sourceJson, record,
                SessionConfig.DEFAULT_PACKET_HISTORY, SessionConfig.DEFAULT_IDLE_TIMEOUT_MS, SessionConfig.DEFAULT_SOCKET_TIMEOUT_MS);
    }

    /** The same request under another id. */
    public SessionSpec withId(String newId) {
        return new SessionSpec(newId, mode, maxFunctions, maxTrackedSkbs, filter, filterJson, source, sourceJson, record,
                packetHistory, idleTimeoutMs, socketTimeoutMs);
    }

    /** The engine settings of this session. */
    public SessionConfig engineConfig() {
        return new SessionConfig(id, mode, maxFunctions, maxTrackedSkbs, SessionConfig.DEFAULT_EVICT_BATCH,
                packetHistory, idleTimeoutMs, socketTimeoutMs);
    }
}

package dev.skbscope.server.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.filter.PacketFilter;

/**
 * A validated session request. Immutable.
 *
 * @param id             session id (also its directory name)
 * @param mode           full, nft or multifunction
 * @param maxFunctions   1..1000
 * @param maxTrackedSkbs packets tracked at once
 * @param filter         the packet filter ({@link PacketFilter#ANY} when none)
 * @param filterJson     the filter as given, for display and persistence (may be empty)
 * @param source         where events come from
 * @param sourceJson     the source as given (normalised), for display and persistence
 * @param record         whether events are written to the session's recording
 * @param packetHistory  finished packets kept for queries, with exemplars (0..1,000,000; 0 keeps none)
 */
public record SessionSpec(String id, String mode, int maxFunctions, int maxTrackedSkbs, PacketFilter filter,
                          ObjectNode filterJson, SourceSpec source, ObjectNode sourceJson, boolean record,
                          int packetHistory) {

    /** The same request under another id. */
    public SessionSpec withId(String newId) {
        return new SessionSpec(newId, mode, maxFunctions, maxTrackedSkbs, filter, filterJson, source, sourceJson, record,
                packetHistory);
    }
}

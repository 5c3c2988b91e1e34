package dev.skbscope.cli.remote;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.skbscope.engine.StatsSnapshot;

import java.io.IOException;

/**
 * Reads the spec's {@code stats} object back into a {@link StatsSnapshot}. Thread-safe. Keys it does
 * not know (added by a newer server) are skipped, so a client reads any server's stats.
 */
public final class StatsJson {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);
    /** For output: indented. */
    public static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatsJson() { }

    /** @throws IOException when the JSON is not a stats object */
    public static StatsSnapshot read(JsonNode stats) throws IOException {
        if (stats == null || !stats.isObject() || !stats.has("nodes"))
            throw new IOException("no stats in the answer (the session has not published any yet?)");
        try {
            return MAPPER.treeToValue(stats, StatsSnapshot.class);
        } catch (IllegalArgumentException e) {
            throw new IOException("unreadable stats: " + e.getMessage(), e);
        }
    }
}

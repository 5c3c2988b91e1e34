package dev.skbscope.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The server's Jackson mappers (thread-safe once built). */
public final class ServerJson {
    /** Plain, so engine snapshots serialise as they declare; also reads the server's own files. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    /**
     * Reads request bodies strictly: one JSON value and nothing after it, no duplicate keys, numbers
     * kept exact (big integers, big decimals) so that range checks see what the client sent, and a
     * nesting depth no request needs.
     */
    public static final ObjectMapper REQUEST = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(400).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private ServerJson() { }
}

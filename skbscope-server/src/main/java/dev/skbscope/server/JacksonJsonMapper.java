package dev.skbscope.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.json.JsonMapper;

import java.lang.reflect.Type;

/** Javalin's JSON through the server's one Jackson mapper. Thread-safe. */
final class JacksonJsonMapper implements JsonMapper {
    @Override
    public String toJsonString(Object obj, Type type) {
        try {
            return ServerJson.MAPPER.writeValueAsString(obj);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + obj.getClass().getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public <T> T fromJsonString(String json, Type type) {
        try {
            return ServerJson.MAPPER.readValue(json, ServerJson.MAPPER.constructType(type));
        } catch (JsonProcessingException e) {
            throw dev.skbscope.server.ApiException.badRequest("body: invalid JSON: " + e.getOriginalMessage());
        }
    }
}

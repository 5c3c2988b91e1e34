package dev.skbscope.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A request body read as JSON the one strict way every endpoint shares ({@link ServerJson#REQUEST}):
 * exactly one JSON value and nothing after it, no duplicate keys, numbers kept exact for
 * {@link RequestFields}' range checks, a bounded nesting depth. Anything else is a 400 whose message
 * starts with {@code body:}. Stateless; runs on the request's Jetty thread.
 */
public final class RequestBody {
    private RequestBody() { }

    /** The body as JSON, or null when it is empty or blank (the endpoint's defaults apply). */
    public static JsonNode optional(Context ctx) {
        byte[] b = ctx.bodyAsBytes();
        if (b.length == 0 || new String(b, StandardCharsets.UTF_8).isBlank()) return null;
        return parse(b);
    }

    /** The body as JSON; an empty body is a 400 naming what was expected ({@code what}, e.g. "a rule"). */
    public static JsonNode required(Context ctx, String what) {
        JsonNode n = optional(ctx);
        if (n == null) throw ApiException.badRequest("body: " + what + " is required (a JSON object)");
        return n;
    }

    static JsonNode parse(byte[] b) {
        try {
            return ServerJson.REQUEST.readTree(b);
        } catch (MismatchedInputException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Trailing token"))
                throw ApiException.badRequest("body: unexpected data after the JSON value (at byte "
                        + e.getLocation().getByteOffset() + "); send exactly one JSON object");
            throw ApiException.badRequest("body: invalid JSON: " + brief(e.getOriginalMessage()));
        } catch (IOException e) {
            String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw ApiException.badRequest("body: invalid JSON: " + brief(m));
        }
    }

    private static String brief(String m) {
        if (m == null) return "unreadable";
        String one = m.replaceAll("\\s+", " ");
        return one.length() > 160 ? one.substring(0, 160) + "…" : one;
    }
}

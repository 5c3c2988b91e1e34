package dev.skbscope.server.http;

import dev.skbscope.server.ServerJson;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Map;

/** Writes the server's one error shape, {@code {"error": "..."}}, on a servlet response. Stateless. */
public final class JsonError {
    private JsonError() { }

    public static byte[] body(String message) {
        try {
            return ServerJson.MAPPER.writeValueAsBytes(Map.of("error", message));
        } catch (IOException e) {
            return "{\"error\":\"internal error\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    public static void write(HttpServletResponse res, int status, String message) throws IOException {
        byte[] b = body(message);
        res.setStatus(status);
        res.setContentType("application/json");
        res.setCharacterEncoding("UTF-8");
        res.setContentLength(b.length);
        res.getOutputStream().write(b);
    }
}

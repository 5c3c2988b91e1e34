package dev.skbscope.server.http;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * Jetty's error pages as {@code {"error": "..."}} for every method and {@code Accept}: requests
 * Jetty refuses before any route sees them (a {@code %00} in the path, {@code CONNECT}, bad
 * headers, a URI too long) and servlet {@code sendError}s. The message is the status reason,
 * never the URI or a stack trace. A malformed request's answer closes its connection, with
 * {@code Connection: close}. Stateless, thread-safe.
 */
public final class JsonErrorHandler extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        response.getHeaders().put(ERROR_CACHE_CONTROL);
        int code = response.getStatus();
        Throwable cause = (Throwable) request.getAttribute(ERROR_EXCEPTION);
        String message = (String) request.getAttribute(ERROR_MESSAGE);
        if (cause instanceof HttpException h) {
            code = h.getCode();
            response.setStatus(code);
            if (message == null) message = h.getReason();
            // a request Jetty refused as malformed ends its connection (for some, Jetty closes it
            // anyway, without saying so: a keep-alive client then sent its next request into a
            // closed socket); say so, as HTTP/1.1 requires of a server that closes
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        if (HttpStatus.hasNoBody(code)) {
            callback.succeeded();
            return true;
        }
        String reason = HttpStatus.getMessage(code);
        String text = message == null || message.isBlank() || message.equals(reason) ? reason : reason + ": " + message;
        if (text.length() > 200) text = text.substring(0, 200) + "…";
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(JsonError.body("http: " + text)), callback);
        return true;
    }
}

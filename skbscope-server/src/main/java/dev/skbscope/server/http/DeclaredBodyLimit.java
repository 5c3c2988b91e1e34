package dev.skbscope.server.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Refuses a request whose {@code Content-Length} is over the body limit at once, before any of the
 * body is read: 413 and {@code Connection: close} (the body is never drained). Without it the REST
 * routes waited for the whole body, or for the idle timeout when the client sent less than it
 * declared. Bodies without a length (chunked) are limited as they are read. Stateless, thread-safe.
 */
public final class DeclaredBodyLimit implements Filter {
    private final long maxBytes;

    public DeclaredBodyLimit(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (request.getContentLengthLong() > maxBytes) {
            HttpServletResponse res = (HttpServletResponse) response;
            res.setHeader("Connection", "close");
            JsonError.write(res, 413, "body: larger than " + maxBytes + " bytes");
            return;
        }
        chain.doFilter(request, response);
    }
}

package dev.skbscope.server.socketio;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.http.JsonError;
import io.socket.engineio.server.EngineIoServer;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One engine.io long-polling HTTP exchange, run on the {@link SocketIoLoop} without letting the
 * client's network speed reach that thread: the request body is read beforehand on the container
 * thread, the response is buffered in memory, and the buffer is written by a virtual thread once
 * engine.io completes the (simulated) async request. The library sees an async-capable servlet pair.
 */
final class PollingExchange {
    private PollingExchange() { }

    /**
     * Container thread: reads the body, puts the real request in async mode and queues the
     * exchange on the loop.
     */
    static void handle(HttpServletRequest req, HttpServletResponse resp, EngineIoServer engine, SocketIoLoop loop,
                       Executor writers, int maxBody) throws IOException {
        byte[] body = new byte[0];
        boolean post = "POST".equalsIgnoreCase(req.getMethod());
        if (post) {
            long len = req.getContentLengthLong();
            if (len > maxBody) {
                resp.setHeader("Connection", "close");   // the body is not drained: the connection cannot be reused
                JsonError.write(resp, 413, "socket.io: polling payload larger than " + maxBody + " bytes");
                return;
            }
            body = req.getInputStream().readNBytes(maxBody + 1);
            if (body.length > maxBody) {
                resp.setHeader("Connection", "close");
                JsonError.write(resp, 413, "socket.io: polling payload larger than " + maxBody + " bytes");
                return;
            }
        }
        if (post) {
            String bad = payloadProblem(body);
            if (bad != null) {
                JsonError.write(resp, 400, "socket.io: bad polling payload: " + bad);
                return;
            }
        }
        DeferredRequest dreq = new DeferredRequest(req, req.getMethod(), req.getQueryString(), headersOf(req),
                req.getRemoteAddr(), req.getContentType(), body, loop);
        AsyncContext real = req.startAsync();
        real.setTimeout(0);
        BufferedResponse bres = new BufferedResponse(resp, (status, type, headers, bytes) -> writers.execute(() -> {
            try {
                resp.setStatus(status);
                if (type != null) resp.setContentType(type);
                for (String[] h : headers) resp.addHeader(h[0], h[1]);
                resp.setContentLength(bytes.length);
                resp.getOutputStream().write(bytes);
            } catch (IOException | RuntimeException ignored) {
                // the client went away; engine.io notices through its ping timeout
            } finally {
                try {
                    real.complete();
                } catch (RuntimeException ignored) {
                    // already completed by the container (client abort)
                }
            }
        }));
        dreq.response = bres;
        loop.execute(() -> {
            try {
                engine.handleRequest(dreq, bres);
            } catch (IOException | RuntimeException e) {
                // engine.io's decoder throws on a payload that is not engine.io packets (a client's fault)
                if (!bres.isCommitted()) bres.fail(post ? 400 : 500, post
                        ? "socket.io: bad polling payload: not engine.io packets (a type digit 0-6 and its data, "
                          + "packets separated by \\x1e)"
                        : "socket.io: internal error");
            }
            if (!dreq.asyncStarted) bres.commit();
        });
    }

    /**
     * Why a polling POST body is not engine.io v4 packets, or null: each packet, separated by
     * 0x1e, is a type digit 0-6 with its data, or 'b' and base64. Checked here because engine.io's
     * decoder throws on anything else (and dropped nothing it had not decoded).
     */
    static String payloadProblem(byte[] body) {
        if (body.length == 0) return "empty (send engine.io packets: a type digit 0-6 and its data, separated by \\x1e)";
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i < body.length && body[i] != 0x1e) continue;
            if (i == start) return "an empty packet at byte " + start;
            byte type = body[start];
            if (type == 'b') {
                try {
                    java.util.Base64.getDecoder().decode(java.nio.ByteBuffer.wrap(body, start + 1, i - start - 1));
                } catch (IllegalArgumentException e) {
                    return "a binary packet at byte " + start + " is not base64";
                }
            } else if (type < '0' || type > '6') {
                return "a packet at byte " + start + " has no type digit 0-6";
            }
            start = i + 1;
        }
        return null;
    }

    /**
     * Loop thread: closes the engine.io session {@code sid} as if its polling client had posted a
     * close packet. engine.io has no public way to drop a polling session whose client vanished
     * between polls (its own {@code close()} waits for the next poll, which never comes); this goes
     * through the protocol instead. A session on websocket ignores it (transport mismatch).
     */
    static void deliverClose(EngineIoServer engine, String sid, SocketIoLoop loop) {
        DeferredRequest req = new DeferredRequest(INERT_REQUEST, "POST", "EIO=4&transport=polling&sid=" + sid, java.util.Map.of(),
                "127.0.0.1", "text/plain;charset=UTF-8", "1".getBytes(StandardCharsets.UTF_8), loop);
        BufferedResponse res = new BufferedResponse(INERT_RESPONSE, (status, type, headers, bytes) -> { });
        req.response = res;
        try {
            engine.handleRequest(req, res);
        } catch (IOException | RuntimeException ignored) {
            // gone already
        }
        res.commit();
    }

    private static java.util.Map<String, List<String>> headersOf(HttpServletRequest req) {
        java.util.Map<String, List<String>> h = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (var names = req.getHeaderNames(); names.hasMoreElements(); ) {
            String n = names.nextElement();
            h.put(n, java.util.Collections.list(req.getHeaders(n)));
        }
        return h;
    }

    /** Stands in for a servlet object outside a real exchange: every call is a no-op returning a default. */
    @SuppressWarnings("unchecked")
    private static <T> T inert(Class<T> type) {
        return (T) java.lang.reflect.Proxy.newProxyInstance(PollingExchange.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            Class<?> r = m.getReturnType();
            if (r == boolean.class) return false;
            if (r == int.class || r == long.class || r == short.class || r == byte.class) return r == long.class ? 0L : 0;
            if (r == java.util.Enumeration.class) return java.util.Collections.emptyEnumeration();
            if (r == java.util.Collection.class) return List.of();
            if (r == String.class && m.getName().equals("toString")) return "inert " + type.getSimpleName();
            return null;
        });
    }

    private static final HttpServletRequest INERT_REQUEST = inert(HttpServletRequest.class);
    private static final HttpServletResponse INERT_RESPONSE = inert(HttpServletResponse.class);

    /**
     * The request as engine.io sees it: a snapshot taken on the container thread (method, query,
     * headers, body, attributes), never the live request object. The library keeps the request of
     * a pending poll and reads it again when it answers, possibly long after the container
     * recycled the real one for a client that vanished; reading the recycled request made its ping
     * task fail, which left the session open for good. Async is handled by {@link FakeAsync}.
     */
    private static final class DeferredRequest extends HttpServletRequestWrapper {
        private final String method, query, remoteAddr, contentType;
        private final java.util.Map<String, List<String>> headers;
        private final java.util.Map<String, Object> attributes = new java.util.HashMap<>();
        private final byte[] body;
        private final SocketIoLoop loop;
        BufferedResponse response;
        private boolean asyncStarted;
        private FakeAsync async;

        DeferredRequest(HttpServletRequest req, String method, String query, java.util.Map<String, List<String>> headers,
                        String remoteAddr, String contentType, byte[] body, SocketIoLoop loop) {
            super(req);
            this.method = method;
            this.query = query;
            this.headers = headers;
            this.remoteAddr = remoteAddr;
            this.contentType = contentType;
            this.body = body;
            this.loop = loop;
        }

        @Override public String getMethod() { return method; }
        @Override public String getQueryString() { return query; }
        @Override public String getRemoteAddr() { return remoteAddr; }
        @Override public String getContentType() { return contentType; }
        @Override public String getCharacterEncoding() { return "UTF-8"; }
        @Override public String getHeader(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
        @Override public java.util.Enumeration<String> getHeaders(String name) {
            return java.util.Collections.enumeration(headers.getOrDefault(name, List.of()));
        }
        @Override public java.util.Enumeration<String> getHeaderNames() { return java.util.Collections.enumeration(headers.keySet()); }
        @Override public Object getAttribute(String name) { return attributes.get(name); }
        @Override public java.util.Enumeration<String> getAttributeNames() { return java.util.Collections.enumeration(attributes.keySet()); }
        @Override public void setAttribute(String name, Object o) { attributes.put(name, o); }
        @Override public void removeAttribute(String name) { attributes.remove(name); }
        @Override public int getContentLength() { return body.length; }
        @Override public long getContentLengthLong() { return body.length; }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override public boolean isFinished() { return in.available() == 0; }
                @Override public boolean isReady() { return true; }
                @Override public void setReadListener(ReadListener l) { throw new UnsupportedOperationException(); }
                @Override public int read() { return in.read(); }
                @Override public int read(byte[] b, int off, int len) { return in.read(b, off, len); }
            };
        }

        @Override public boolean isAsyncSupported() { return true; }
        @Override public boolean isAsyncStarted() { return asyncStarted; }

        @Override
        public AsyncContext startAsync() {
            asyncStarted = true;
            if (async == null) async = new FakeAsync(this, response, loop);
            return async;
        }

        @Override
        public AsyncContext startAsync(ServletRequest req, ServletResponse res) { return startAsync(); }

        @Override
        public AsyncContext getAsyncContext() {
            if (async == null) throw new IllegalStateException("not async");
            return async;
        }
    }

    /** engine.io's view of async mode: listeners and timeout run on the loop; complete() sends the buffer. */
    private static final class FakeAsync implements AsyncContext {
        private final DeferredRequest request;
        private final BufferedResponse response;
        private final SocketIoLoop loop;
        private final List<AsyncListener> listeners = new ArrayList<>();
        private ScheduledFuture<?> timeout;

        FakeAsync(DeferredRequest request, BufferedResponse response, SocketIoLoop loop) {
            this.request = request;
            this.response = response;
            this.loop = loop;
        }

        @Override public ServletRequest getRequest() { return request; }
        @Override public ServletResponse getResponse() { return response; }
        @Override public boolean hasOriginalRequestAndResponse() { return true; }
        @Override public void dispatch() { throw new UnsupportedOperationException(); }
        @Override public void dispatch(String path) { throw new UnsupportedOperationException(); }
        @Override public void dispatch(ServletContext context, String path) { throw new UnsupportedOperationException(); }

        @Override
        public void complete() {
            if (timeout != null) timeout.cancel(false);
            response.commit();
        }

        @Override public void start(Runnable run) { loop.execute(run); }

        @Override public void addListener(AsyncListener listener) { listeners.add(listener); }
        @Override public void addListener(AsyncListener listener, ServletRequest req, ServletResponse res) { listeners.add(listener); }
        @Override public <T extends AsyncListener> T createListener(Class<T> clazz) { throw new UnsupportedOperationException(); }

        @Override
        public void setTimeout(long millis) {
            if (timeout != null) timeout.cancel(false);
            if (millis <= 0) return;
            timeout = loop.schedule(() -> {
                if (response.committed.get()) return;
                AsyncEvent ev = new AsyncEvent(this, request, response);
                for (AsyncListener l : List.copyOf(listeners)) {
                    try {
                        l.onTimeout(ev);
                    } catch (IOException ignored) {
                        // the exchange is over either way
                    }
                }
                response.commit();
            }, millis);
        }

        @Override public long getTimeout() { return 0; }
    }

    /** Where a finished response goes: a virtual thread writing the real response, or nowhere. */
    private interface Delivery {
        void deliver(int status, String contentType, List<String[]> headers, byte[] body);
    }

    /**
     * Buffers status, headers and body (the real response is touched only by its delivery, so a
     * response the container already recycled is never written from the loop); {@link #commit()}
     * hands them over.
     */
    private static final class BufferedResponse extends HttpServletResponseWrapper {
        private final Delivery delivery;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        final AtomicBoolean committed = new AtomicBoolean();
        private PrintWriter writer;
        private int status = 200;
        private String contentType;
        private final List<String[]> headers = new ArrayList<>();

        BufferedResponse(HttpServletResponse resp, Delivery delivery) {
            super(resp);
            this.delivery = delivery;
        }

        @Override public void setStatus(int sc) { status = sc; }
        @Override public int getStatus() { return status; }
        @Override public void setContentType(String type) { contentType = type; }
        @Override public String getContentType() { return contentType; }
        @Override public void setCharacterEncoding(String charset) { }
        @Override public String getCharacterEncoding() { return "UTF-8"; }
        @Override public void addHeader(String name, String value) { headers.add(new String[] {name, value}); }
        @Override public void setHeader(String name, String value) {
            headers.removeIf(h -> h[0].equalsIgnoreCase(name));
            headers.add(new String[] {name, value});
        }
        @Override public boolean containsHeader(String name) { return headers.stream().anyMatch(h -> h[0].equalsIgnoreCase(name)); }
        @Override public void sendError(int sc, String msg) { fail(sc, "socket.io: " + msg); }
        @Override public void sendError(int sc) { fail(sc, "socket.io: error " + sc); }

        @Override
        public ServletOutputStream getOutputStream() {
            return new ServletOutputStream() {
                @Override public boolean isReady() { return true; }
                @Override public void setWriteListener(WriteListener l) { throw new UnsupportedOperationException(); }
                @Override public void write(int b) { buffer.write(b); }
                @Override public void write(byte[] b, int off, int len) { buffer.write(b, off, len); }
                @Override public void close() { }
            };
        }

        @Override
        public PrintWriter getWriter() {
            if (writer == null) writer = new PrintWriter(new OutputStreamWriter(buffer, StandardCharsets.UTF_8), false) {
                @Override public void close() { flush(); }
            };
            return writer;
        }

        @Override public void setContentLength(int len) { }
        @Override public void setContentLengthLong(long len) { }
        @Override public boolean isCommitted() { return committed.get(); }
        @Override public void flushBuffer() { }

        /** Replaces whatever was buffered by a JSON error. */
        void fail(int status, String message) {
            if (writer != null) writer.flush();
            buffer.reset();
            setStatus(status);
            setContentType("application/json");
            buffer.writeBytes(JsonError.body(message));
        }

        /**
         * engine.io answers protocol errors with {@code {"code": n, "message": ".."}} (400/403) or a
         * bare 500 (an overlapping poll): give them the server's {@code error} key too, and call a
         * client's protocol mistake a 400.
         */
        private byte[] errorBody(byte[] bytes) {
            int status = getStatus();
            if (status < 400) return bytes;
            String message = null;
            try {
                if (ServerJson.MAPPER.readTree(bytes) instanceof ObjectNode o) {
                    if (o.has("error")) return bytes;
                    message = o.path("message").asText(null);
                    o.put("error", "socket.io: " + (message == null ? "request refused" : message));
                    setContentType("application/json");
                    return ServerJson.MAPPER.writeValueAsBytes(o);
                }
            } catch (IOException | RuntimeException ignored) {
                // not JSON: wrapped below
            }
            if (status >= 500) setStatus(400);
            setContentType("application/json");
            return JsonError.body("socket.io: request refused by the engine.io protocol (e.g. a second concurrent poll)");
        }

        void commit() {
            if (!committed.compareAndSet(false, true)) return;
            if (writer != null) writer.flush();
            byte[] bytes = errorBody(buffer.toByteArray());
            delivery.deliver(status, contentType, headers, bytes);
        }
    }
}

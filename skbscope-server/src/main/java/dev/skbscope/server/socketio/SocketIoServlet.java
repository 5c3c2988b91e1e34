package dev.skbscope.server.socketio;

import io.socket.engineio.server.EngineIoServer;
import io.socket.engineio.server.utils.ParseQS;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServletFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Serves engine.io on {@code /socket.io/*} of the server's Jetty: websocket upgrades become
 * {@link JettyEngineIoWebSocket}s, other requests are long-polling {@link PollingExchange}s.
 * Container threads only; everything engine.io does happens on the {@link SocketIoLoop}.
 */
public final class SocketIoServlet extends JettyWebSocketServlet {
    private final EngineIoServer engine;
    private final Consumer<JettyEngineIoWebSocket> opener;
    private final SocketIoLoop loop;
    private final SocketIoMetrics metrics;
    private final Executor writers;
    private final int maxBody;
    private final Duration idleTimeout;
    private final HandshakeLimiter limiter;
    private final Predicate<String> validToken;

    /**
     * @param idleTimeout a websocket silent this long is closed (ping interval + ping timeout: engine.io
     *                    has given up on it by then)
     * @param validToken  whether a handshake's {@code ?token=} is the server's token (such handshakes are not rate-limited)
     */
    public SocketIoServlet(StatsBroadcaster broadcaster, SocketIoLoop loop, SocketIoMetrics metrics, Executor writers,
                           int maxBody, Duration idleTimeout, double handshakesPerSecond, int handshakeBurst,
                           Predicate<String> validToken) {
        this.idleTimeout = idleTimeout;
        this.limiter = new HandshakeLimiter(handshakesPerSecond, handshakeBurst, System::nanoTime);
        this.validToken = validToken;
        this.engine = broadcaster.engine();
        this.opener = broadcaster::openWebSocket;
        this.loop = loop;
        this.metrics = metrics;
        this.writers = writers;
        this.maxBody = maxBody;
    }

    @Override
    protected void configure(JettyWebSocketServletFactory factory) {
        factory.setIdleTimeout(idleTimeout);
        factory.setMaxTextMessageSize(maxBody);
        factory.setMaxBinaryMessageSize(maxBody);
        factory.setCreator((req, resp) -> {
            // no permessage-deflate: compressing every update per client would cost the emit loop more than the bytes saved
            resp.setExtensions(List.of());
            Map<String, String> query = ParseQS.decode(req.getQueryString());
            if (query.get("sid") == null && !admitHandshake(req.getHttpServletRequest().getRemoteAddr(), query)) {
                try {
                    resp.setHeader("Retry-After", Long.toString(limiter.retryAfterSeconds(req.getHttpServletRequest().getRemoteAddr())));
                    resp.sendError(429, TOO_MANY);
                } catch (IOException e) {
                    // the client is gone
                }
                return null;
            }
            Map<String, List<String>> headers = new LinkedHashMap<>(req.getHeaders());
            return new JettyEngineIoWebSocket(loop, opener, query, headers, metrics);
        });
    }

    // Host, Origin and CORS headers are handled for every route by HostOriginGuard, before this servlet

    private static final String TOO_MANY = "socket.io: too many handshakes without a token from this address; retry later";

    /** Container thread: whether a new handshake (no sid) from this address may go on. */
    private boolean admitHandshake(String address, Map<String, String> query) {
        if (validToken.test(query.get("token"))) return true;
        if (limiter.tryAcquire(address == null ? "" : address)) return true;
        metrics.rateLimitedHandshakes.increment();
        return false;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Map<String, String> query = ParseQS.decode(req.getQueryString());
        if (query.get("sid") == null && !admitHandshake(req.getRemoteAddr(), query)) {
            resp.setHeader("Retry-After", Long.toString(limiter.retryAfterSeconds(req.getRemoteAddr())));
            dev.skbscope.server.http.JsonError.write(resp, 429, TOO_MANY);
            return;
        }
        PollingExchange.handle(req, resp, engine, loop, writers, maxBody);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        PollingExchange.handle(req, resp, engine, loop, writers, maxBody);
    }

    @Override
    protected void doOptions(HttpServletRequest req, HttpServletResponse resp) {
        resp.setStatus(204);
    }
}

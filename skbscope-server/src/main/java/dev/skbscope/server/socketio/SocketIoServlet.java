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
    private final Predicate<String> corsOrigin;
    private final int maxBody;

    public SocketIoServlet(StatsBroadcaster broadcaster, SocketIoLoop loop, SocketIoMetrics metrics, Executor writers,
                           Predicate<String> corsOrigin, int maxBody) {
        this.engine = broadcaster.engine();
        this.opener = broadcaster::openWebSocket;
        this.loop = loop;
        this.metrics = metrics;
        this.writers = writers;
        this.corsOrigin = corsOrigin;
        this.maxBody = maxBody;
    }

    @Override
    protected void configure(JettyWebSocketServletFactory factory) {
        factory.setIdleTimeout(Duration.ofSeconds(90));
        factory.setMaxTextMessageSize(maxBody);
        factory.setMaxBinaryMessageSize(maxBody);
        factory.setCreator((req, resp) -> {
            // no permessage-deflate: compressing every update per client would cost the emit loop more than the bytes saved
            resp.setExtensions(List.of());
            Map<String, String> query = ParseQS.decode(req.getQueryString());
            Map<String, List<String>> headers = new LinkedHashMap<>(req.getHeaders());
            return new JettyEngineIoWebSocket(loop, opener, query, headers, metrics);
        });
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        cors(req, resp);
        PollingExchange.handle(req, resp, engine, loop, writers, maxBody);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        cors(req, resp);
        PollingExchange.handle(req, resp, engine, loop, writers, maxBody);
    }

    @Override
    protected void doOptions(HttpServletRequest req, HttpServletResponse resp) {
        cors(req, resp);
        resp.setStatus(204);
    }

    private void cors(HttpServletRequest req, HttpServletResponse resp) {
        String origin = req.getHeader("Origin");
        if (origin != null && corsOrigin.test(origin)) {
            resp.setHeader("Access-Control-Allow-Origin", origin);
            resp.setHeader("Access-Control-Allow-Credentials", "true");
            resp.setHeader("Access-Control-Allow-Methods", "GET,POST,OPTIONS");
            resp.setHeader("Access-Control-Allow-Headers", "origin, content-type, accept, authorization");
            resp.setHeader("Vary", "Origin");
        }
    }
}

package dev.skbscope.server.socketio;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A websocket client that stops reading costs the loop nothing: stale updates are dropped, a hopeless one closed. */
class JettyEngineIoWebSocketTest {
    private static final String UPDATE = "42[\"session_stats_update\",{\"session_id\":\"s\",\"stats\":{}}]";

    /** A Jetty session whose peer never reads: sends are accepted but never complete until told. */
    private static final class StuckPeer {
        final List<String> sent = new ArrayList<>();
        final List<Callback> pending = new ArrayList<>();
        boolean disconnected;
        final Session session = (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[]{Session.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "isOpen" -> !disconnected;
                    case "sendText" -> {
                        sent.add((String) args[0]);
                        pending.add((Callback) args[1]);
                        yield null;
                    }
                    case "disconnect" -> {
                        disconnected = true;
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });

        void drain() {
            pending.forEach(Callback::succeed);
            pending.clear();
        }
    }

    @Test
    void stalledClientGetsNoMoreThanTwoUnsentUpdates() {
        SocketIoMetrics metrics = new SocketIoMetrics();
        try (SocketIoLoop loop = new SocketIoLoop()) {
            JettyEngineIoWebSocket ws = new JettyEngineIoWebSocket(loop, null, Map.of(), Map.of(), metrics);
            StuckPeer peer = new StuckPeer();
            ws.onWebSocketOpenForTest(peer.session);
            for (int i = 0; i < 10; i++) ws.write(UPDATE);
            assertThat(peer.sent).hasSize(JettyEngineIoWebSocket.DROP_STATS_AT);
            assertThat(metrics.droppedUpdates.sum()).isEqualTo(10 - JettyEngineIoWebSocket.DROP_STATS_AT);
            ws.write("2"); // protocol packets (ping) are never dropped
            assertThat(peer.sent).last().isEqualTo("2");
            peer.drain();
            ws.write(UPDATE);
            assertThat(peer.sent).last().isEqualTo(UPDATE);
        }
    }

    @Test
    void hopelesslyBehindClientIsDisconnected() {
        SocketIoMetrics metrics = new SocketIoMetrics();
        try (SocketIoLoop loop = new SocketIoLoop()) {
            JettyEngineIoWebSocket ws = new JettyEngineIoWebSocket(loop, null, Map.of(), Map.of(), metrics);
            StuckPeer peer = new StuckPeer();
            ws.onWebSocketOpenForTest(peer.session);
            for (int i = 0; i < JettyEngineIoWebSocket.CLOSE_AT; i++) ws.write("3");
            assertThat(peer.disconnected).isFalse();
            ws.write("3");
            assertThat(peer.disconnected).isTrue();
            assertThat(metrics.slowClientsClosed.sum()).isEqualTo(1);
        }
    }
}

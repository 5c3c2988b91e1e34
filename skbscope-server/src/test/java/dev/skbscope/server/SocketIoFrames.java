package dev.skbscope.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw engine.io websocket for protocol-level tests: every complete text frame lands in a queue.
 * One test thread reads the queue; the HTTP client's thread fills it.
 */
final class SocketIoFrames {
    final LinkedBlockingQueue<String> in = new LinkedBlockingQueue<>();
    /** Every frame received, in order (the queue's reader takes them out of {@link #in}). */
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    final WebSocket ws;

    SocketIoFrames(HttpClient http, String base) throws Exception {
        ws = http.newWebSocketBuilder().buildAsync(
                URI.create(base.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"), new WebSocket.Listener() {
                    final StringBuilder part = new StringBuilder();
                    @Override public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        part.append(data);
                        if (last) {
                            log.add(part.toString());
                            in.add(part.toString());
                            part.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
    }

    /** The next frame starting with {@code prefix} within 10 s (frames before it are dropped). */
    String next(String prefix) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            String s = in.poll(100, TimeUnit.MILLISECONDS);
            if (s != null && s.startsWith(prefix)) return s;
        }
        throw new AssertionError("no message starting with " + prefix);
    }
}

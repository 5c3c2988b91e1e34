package dev.skbscope.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One client's bytes never reach another client. Jetty 12.1.13 can release the request buffer of a
 * request it refuses (431, 414) twice, from two threads; with pooled buffers the same buffer then
 * serves two connections at once, and a client read the tail of another client's request in front
 * of its own response, or got 505 for a valid request whose parser saw that tail (seen here in 1 of
 * about 20,000 requests from four concurrent clients; CI failed on it as a 505 in SecurityTest).
 * Runs on the test thread and four client threads; each client marks its requests with its own
 * letter and checks every response it gets.
 */
class ConnectionIsolationTest {
    @TempDir static Path dir;
    static TestServer t;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        t = new TestServer(ServerConfig.defaults(dir.resolve("data")).withPort(0).withIntervals(200, 300));
        port = Integer.parseInt(t.base.substring(t.base.lastIndexOf(':') + 1));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void requestBuffersAreNeverPooled() {
        // the fix itself: requests are read into heap buffers, and those are never pooled, so a
        // request buffer released twice is garbage, never another connection's buffer
        assertThat(t.server.readsRequestsIntoDirectBuffers()).isFalse();
        assertThat(handsBackTheReleasedBuffer(t.server.connectorBufferPool(), false)).isFalse();
        // response buffers stay direct and pooled: unpooled direct buffers cost RSS (30-churn.sh)
        assertThat(handsBackTheReleasedBuffer(t.server.connectorBufferPool(), true)).isTrue();
    }

    /** Acquires a buffer of the kind asked for, releases it and acquires another: whether the second is the first. */
    private static boolean handsBackTheReleasedBuffer(org.eclipse.jetty.io.ByteBufferPool pool, boolean direct) {
        var first = pool.acquire(8192, direct);
        assertThat(first.isDirect()).isEqualTo(direct);
        first.release();
        var second = pool.acquire(8192, direct);
        try {
            return second.getByteBuffer() == first.getByteBuffer();
        } finally {
            second.release();
        }
    }

    @Test
    void refusedRequestsLeakNothingIntoOtherConnections() throws Exception {
        long deadline = System.nanoTime() + Long.getLong("skbscope.test.isolationSeconds", 8) * 1_000_000_000L;
        String[] marks = {"q", "w", "x", "z"};
        AtomicLong requests = new AtomicLong();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(marks.length);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < marks.length; c++) {
                String mine = marks[c];
                String others = String.join("", marks).replace(mine, "");
                clients.add(pool.submit(() -> {
                    int i = 0;
                    while (System.nanoTime() < deadline && wrong.isEmpty()) {
                        String head = switch (i++ % 3) {
                            case 0 -> "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-" + mine + ": " + mine.repeat(20_000);
                            case 1 -> "GET /" + mine.repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1:" + port;
                            default -> "GET /api/health?" + mine + "=1 HTTP/1.1\r\nHost: 127.0.0.1:" + port;
                        };
                        String reply = exchange(head);
                        requests.incrementAndGet();
                        boolean foreign = isRun(reply, others);
                        if (!reply.startsWith("HTTP/1.1 ") || foreign || reply.startsWith("HTTP/1.1 5"))
                            wrong.add(reply.length() > 300 ? reply.substring(0, 300) + "…" : reply);
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(wrong).as("responses out of %d requests that carried another client's bytes or were no response of their own",
                requests.get()).isEmpty();
        assertThat(requests.get()).isGreaterThan(100);
    }

    /** Whether {@code s} holds a run of 16 of one of {@code letters}: a marker, not a letter of a word. */
    private static boolean isRun(String s, String letters) {
        for (char l : letters.toCharArray()) if (s.contains(String.valueOf(l).repeat(16))) return true;
        return false;
    }

    private static String exchange(String head) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            try {
                s.getOutputStream().write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException refusedMidway) {
                // Jetty may answer and close before a 20 KB request is all written; read what it said
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) all.write(buf, 0, n);
            } catch (IOException reset) {
                // a reset after the response (unread request bytes) ends the reply, not the test
            }
            return all.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "no connection: " + e;
        }
    }
}

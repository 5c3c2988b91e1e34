package dev.skbscope.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's shutdown tells every Socket.IO client it is disconnected. Each disconnect removed
 * its client from the map the shutdown was iterating: a ConcurrentModificationException after the
 * first, and the others were never told (seen in CI's log).
 */
class ShutdownDisconnectsClientsTest {
    @TempDir Path dir;

    @Test
    void everyConnectedClientGetsTheDisconnectPacket() throws Exception {
        List<SocketIoFrames> clients = new ArrayList<>();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (TestServer t = new TestServer(ServerConfig.defaults(dir).withPort(0))) {
            for (int i = 0; i < 3; i++) {
                SocketIoFrames c = new SocketIoFrames(http, t.base);
                c.ws.sendText("40", true).get();
                c.next("40{");
                clients.add(c);
            }
        }
        for (SocketIoFrames c : clients) assertThat(c.next("41")).isEqualTo("41");
    }
}

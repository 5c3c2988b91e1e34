package dev.skbscope.nftrace;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend.LiveRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Sessions whose ids sanitise to the same text ({@code c-d}, {@code c.d}) each get their own
 * table on the real kernel, each sees its packets, stopping one leaves the other marking, and a
 * table deleted behind a session's back fails that session instead of leaving it "running" blind.
 */
@Tag("kernel")
class NftTableNamesKernelTest {
    private static final int PORT = 7301;
    private static NftLiveBackend backend;

    /** A user ruleset on the loopback path: sessions see the verdicts of the user's rules (not of their own marking tables). */
    private static final String USER_TABLE = "sks_names_test";

    @BeforeAll
    static void setUp() throws IOException {
        KernelFixture.requireNfTrace();
        NftExec.run("table inet " + USER_TABLE + " {}\ndelete table inet " + USER_TABLE + "\ntable inet " + USER_TABLE + " {\n"
                + "  chain input {\n    type filter hook input priority 0; policy accept;\n"
                + "    udp dport { " + PORT + ", " + (PORT + 1) + " } accept\n  }\n}\n",
                "-f", "-");
        backend = new NftLiveBackend();
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (backend != null) backend.shutdown();
        NftExec.run(null, "delete", "table", "inet", USER_TABLE);
    }

    /** Takes everything already waiting in a source. */
    private static void drain(EventSource src) throws IOException {
        EventBatch batch = new EventBatch(1024);
        do {
            batch.reset();
        } while (src.poll(batch) > 0);
    }

    private static PacketFilter udpTo(int port) {
        return new PacketFilter("udp", null, null, null, null, port, null, null, null);
    }

    /** Sends {@code n} datagrams to 127.0.0.1:port and counts the events the source sees for that port, waiting up to 5 s. */
    private static int sendAndCount(EventSource src, int n) throws Exception {
        drain(src);
        try (DatagramChannel sink = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", PORT));
             DatagramChannel tx = DatagramChannel.open()) {
            for (int i = 0; i < n; i++) tx.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress("127.0.0.1", PORT));
        }
        EventBatch batch = new EventBatch(1024);
        java.util.Set<Long> traces = new java.util.HashSet<>();
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end && traces.size() < n) {
            batch.reset();
            src.poll(batch);
            for (int i = 0; i < batch.size(); i++) {
                TraceEvent e = batch.get(i);
                if (e.dport == PORT && e.traceId != TraceEvent.UNKNOWN) traces.add(e.traceId);
            }
        }
        return traces.size();
    }

    @Test
    void idsThatLookAlikeGetSeparateTables() throws Exception {
        EventSource a = backend.open(new LiveRequest("c-d", "nft", udpTo(PORT), 0));
        EventSource b = backend.open(new LiveRequest("c.d", "nft", udpTo(PORT), 0));
        String ta = NftLiveBackend.tableName(a), tb = NftLiveBackend.tableName(b);
        try {
            assertThat(ta).isNotEqualTo(tb);
            assertThat(SessionTraceTable.exists(ta)).isTrue();
            assertThat(SessionTraceTable.exists(tb)).isTrue();
            assertThat(sendAndCount(a, 50)).as("c-d sees its packets").isEqualTo(50);
            assertThat(sendAndCount(b, 20)).as("c.d sees its packets").isEqualTo(20);
            a.close();
            assertThat(SessionTraceTable.exists(ta)).isFalse();
            assertThat(SessionTraceTable.exists(tb)).as("stopping c-d leaves c.d's table").isTrue();
            assertThat(sendAndCount(b, 20)).as("c.d still sees packets after c-d stopped").isEqualTo(20);
        } finally {
            a.close();
            b.close();
        }
        assertThat(SessionTraceTable.exists(tb)).isFalse();
    }

    @Test
    void aTableDeletedBehindTheSessionsBackFailsIt() throws Exception {
        EventSource s = backend.open(new LiveRequest("gone", "nft", udpTo(PORT + 1), 0));
        try {
            NftExec.run(null, "delete", "table", "inet", NftLiveBackend.tableName(s));
            EventBatch batch = new EventBatch(64);
            assertThatThrownBy(() -> {
                long end = System.nanoTime() + 10_000_000_000L;
                while (System.nanoTime() < end) {
                    batch.reset();
                    s.poll(batch);
                }
            }).isInstanceOf(IOException.class).hasMessageContaining("deleted outside skbscope");
        } finally {
            s.close();
        }
    }
}

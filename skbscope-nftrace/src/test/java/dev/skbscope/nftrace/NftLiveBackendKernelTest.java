package dev.skbscope.nftrace;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.filter.Cidr;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * nft mode end to end on the real kernel: a user ruleset, a known mix of packets across a veth
 * into the root namespace and out of it, and the exact verdicts each session must see.
 */
@Tag("kernel")
class NftLiveBackendKernelTest {
    private static final String USER_RULESET = """
            table inet usertest {
              chain input {
                type filter hook input priority 0; policy accept;
                udp dport 7001 accept
                udp dport 7002 drop
                tcp dport 7003 reject
              }
              chain output {
                type filter hook output priority 0; policy accept;
                udp dport 7101 drop
              }
            }
            """;
    private static KernelFixture fx;

    record Seen(long traceId, String hook, String verdict, String table, String chain, long rule,
                int proto, int sport, int dport, int ifindex, int ipVersion, long src, long dst) { }

    @BeforeAll
    static void setUp() throws IOException {
        KernelFixture.requireNfTrace();
        fx = new KernelFixture();
        NftExec.run("table inet usertest {}\ndelete table inet usertest\n" + USER_RULESET, "-f", "-");
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (fx == null) return;
        try { NftExec.run(null, "delete", "table", "inet", "usertest"); } catch (IOException ignored) { }
        fx.close();
    }

    @Test
    void twoSessionsSeeExactlyTheirVerdictsPerHookAndRule() throws Exception {
        long h7001 = handle("input", "udp dport 7001 accept");
        long h7002 = handle("input", "udp dport 7002 drop");
        long h7003 = handle("input", "tcp dport 7003 reject");
        long h7101 = handle("output", "udp dport 7101 drop");

        NftLiveBackend backend = new NftLiveBackend();
        assertThat(backend.capabilities()).containsEntry("available", true).containsKey("nft_version");
        PacketFilter fromNs = filter(Cidr.parse(KernelFixture.NS_ADDR + "/32"), null);
        // udp only: the TCP resets and ICMP errors the root namespace sends back are not ours to count
        PacketFilter toNs = new PacketFilter("udp", null, Cidr.parse(KernelFixture.NS_ADDR), null, null, null, null, null, null);
        EventSource in = backend.open(new LiveRequest("KT-In!", "nft", fromNs, 0));
        EventSource out = backend.open(new LiveRequest("kt-out", "nft", toNs, 0));
        String inTable = NftLiveBackend.tableName(in), outTable = NftLiveBackend.tableName(out);
        assertThat(SessionTraceTable.exists(inTable)).isTrue();
        assertThat(SessionTraceTable.exists(outTable)).isTrue();
        try (DatagramChannel sink = DatagramChannel.open().bind(new InetSocketAddress(KernelFixture.ROOT_ADDR, 7001));
             DatagramChannel sender = DatagramChannel.open()) {
            fx.inNamespace("""
                    import socket
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    for port, n in ((7001, 5), (7002, 4), (7004, 2)):
                        for i in range(n): s.sendto(b'x', ('198.18.5.1', port))
                    for i in range(3):
                        try: socket.create_connection(('198.18.5.1', 7003), timeout=2)
                        except ConnectionRefusedError: pass
                    """);
            InetSocketAddress ns7100 = new InetSocketAddress(KernelFixture.NS_ADDR, 7100);
            InetSocketAddress ns7101 = new InetSocketAddress(KernelFixture.NS_ADDR, 7101);
            for (int i = 0; i < 3; i++) sender.send(ByteBuffer.wrap(new byte[] {1}), ns7100);
            for (int i = 0; i < 2; i++) {
                try {
                    sender.send(ByteBuffer.wrap(new byte[] {1}), ns7101);
                } catch (IOException dropped) {
                    // a drop in OUTPUT fails the send with EPERM: expected
                }
            }
            SessionStatsTracker inStats = new SessionStatsTracker(SessionConfig.defaults("kt-in", "nft"), in.counters());
            inStats.ruleTextLookup(in.ruleTextLookup());
            List<Seen> inbound = drain(in, 14, inStats);
            List<Seen> outbound = drain(out, 5, null);

            assertThat(countBy(inbound, s -> s.hook + " " + s.verdict)).isEqualTo(Map.of("INPUT ACCEPT", 7, "INPUT DROP", 7));
            assertThat(countBy(inbound, s -> s.table + "/" + s.chain + "#" + s.rule + " " + s.verdict)).isEqualTo(Map.of(
                    "usertest/input#" + h7001 + " ACCEPT", 5,
                    "usertest/input#" + h7002 + " DROP", 4,
                    "usertest/input#" + h7003 + " DROP", 3,
                    "usertest/input#-1 ACCEPT", 2));
            assertThat(inbound.stream().map(Seen::traceId).distinct()).hasSize(14);
            int veth = fx.rootIfindex();
            assertThat(inbound).allSatisfy(s -> {
                assertThat(s.ipVersion).isEqualTo(4);
                assertThat(s.src).isEqualTo(Cidr.parse(KernelFixture.NS_ADDR).lo());
                assertThat(s.dst).isEqualTo(Cidr.parse(KernelFixture.ROOT_ADDR).lo());
                assertThat(s.ifindex).isEqualTo(veth);
            });
            assertThat(countBy(inbound, s -> s.proto + ":" + s.dport)).isEqualTo(Map.of("17:7001", 5, "17:7002", 4, "6:7003", 3, "17:7004", 2));

            assertThat(countBy(outbound, s -> s.hook + " " + s.verdict)).isEqualTo(Map.of("OUTPUT ACCEPT", 3, "OUTPUT DROP", 2));
            assertThat(countBy(outbound, s -> s.chain + "#" + s.rule + " " + s.dport)).isEqualTo(Map.of(
                    "output#-1 7100", 3, "output#" + h7101 + " 7101", 2));

            // the same events through the stats engine, as the server runs them
            StatsSnapshot snap = inStats.snapshot();
            assertThat(snap.hooks().get("INPUT").count()).isEqualTo(14);
            assertThat(snap.hooks().get("INPUT").verdicts()).isEqualTo(Map.of("ACCEPT", 7L, "DROP", 7L));
            assertThat(snap.totalPackets()).isEqualTo(14);
            assertThat(snap.totalVerdicts()).isEqualTo(Map.of("ACCEPT", 7L, "DROP", 7L));
            assertThat(snap.nodes().get("nf_input").count()).isEqualTo(14);
            assertThat(snap.rules()).extracting(r -> r.table() + "/" + r.chain() + "#" + r.handle() + " " + r.hits() + " " + r.verdicts())
                    .containsExactlyInAnyOrder(
                            "usertest/input#" + h7001 + " 5 {ACCEPT=5}",
                            "usertest/input#" + h7002 + " 4 {DROP=4}",
                            "usertest/input#" + h7003 + " 3 {DROP=3}",
                            "usertest/input#null 2 {ACCEPT=2}");
            assertThat(snap.rules()).filteredOn(r -> Long.valueOf(h7002).equals(r.handle()))
                    .extracting(StatsSnapshot.RuleStats::text).containsExactly("udp dport 7002 drop");
            assertThat(snap.rules()).filteredOn(r -> r.handle() == null).extracting(StatsSnapshot.RuleStats::text).containsOnlyNulls();

            for (EventSource s : List.of(in, out)) {
                assertThat(s.counters().lostEvents.get()).as("lost").isZero();
                assertThat(s.counters().badLines.get()).as("bad").isZero();
            }
            assertThat(NftRuleCatalog.shared().text("usertest", "input", h7002)).isEqualTo("udp dport 7002 drop");
        } finally {
            in.close();
            out.close();
        }
        assertThat(SessionTraceTable.exists(inTable)).isFalse();
        assertThat(SessionTraceTable.exists(outTable)).isFalse();
        assertThat(in.poll(new EventBatch(4))).isEqualTo(-1);
        assertThat(NftTraceFeed.shared().running()).isFalse();
        backend.shutdown();
    }

    @Test
    void staleTablesOfACrashedServerAreRemovedAtStart() throws Exception {
        NftExec.run("""
                table inet skbscope_crashed {
                  chain trace_pre { type filter hook prerouting priority -350; policy accept; meta nftrace set 1; }
                }
                table ip skbscope_old { }
                table inet skbscope_999999999_gone { }
                table inet skbscope_1_running { }
                """, "-f", "-");
        assertThat(SessionTraceTable.exists("skbscope_crashed")).isTrue();
        NftLiveBackend running = new NftLiveBackend();
        EventSource live = running.open(new LiveRequest("alive", "nft", PacketFilter.ANY, 0));
        try {
            new NftLiveBackend().shutdown();
            assertThat(SessionTraceTable.exists("skbscope_crashed")).isFalse();
            assertThat(SessionTraceTable.exists("skbscope_old")).isFalse();
            assertThat(SessionTraceTable.exists("skbscope_999999999_gone")).isFalse();
            assertThat(SessionTraceTable.exists("skbscope_1_running")).as("its process (pid 1) still runs").isTrue();
            assertThat(SessionTraceTable.exists(NftLiveBackend.tableName(live))).as("a live session's table is not stale").isTrue();
            assertThat(SessionTraceTable.exists("usertest")).as("the user's table is never touched").isTrue();
        } finally {
            running.shutdown();
            NftExec.run(null, "delete", "table", "inet", "skbscope_1_running");
        }
        assertThat(SessionTraceTable.exists(NftLiveBackend.tableName(live))).as("shutdown removes the tables of open sessions").isFalse();
    }

    private static PacketFilter filter(Cidr src, Cidr dst) {
        return new PacketFilter(null, src, dst, null, null, null, null, null, null);
    }

    private static long handle(String chain, String text) throws IOException {
        NftRuleCatalog.shared().reload();
        for (long h = 1; h < 100; h++) {
            if (text.equals(NftRuleCatalog.shared().text("usertest", chain, h))) return h;
        }
        throw new AssertionError("rule not found: " + text);
    }

    /** Polls until {@code expected} events came, then a little longer to catch any extra one. */
    private static List<Seen> drain(EventSource src, int expected, SessionStatsTracker stats) throws IOException {
        List<Seen> seen = new ArrayList<>();
        EventBatch batch = new EventBatch(256);
        long deadline = System.nanoTime() + 5_000_000_000L;
        long extraUntil = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, extraUntil)) {
            batch.reset();
            int n = src.poll(batch);
            if (stats != null && n > 0) stats.ingest(batch);
            for (int i = 0; i < n; i++) {
                TraceEvent e = batch.get(i);
                assertThat(e.probeName()).isEqualTo("nft_trace");
                assertThat(e.hasSkb).isFalse();
                seen.add(new Seen(e.traceId, e.hook.name(), e.verdict.name(), SymbolTable.NFT_NAMES.name(e.table),
                        SymbolTable.NFT_NAMES.name(e.chain), e.ruleHandle, e.proto, e.sport, e.dport, e.ifindex,
                        e.ipVersion, e.srcLo, e.dstLo));
            }
            if (seen.size() >= expected && extraUntil == Long.MAX_VALUE) extraUntil = System.nanoTime() + 300_000_000L;
        }
        return seen;
    }

    private static Map<String, Integer> countBy(List<Seen> seen, java.util.function.Function<Seen, String> key) {
        Map<String, Integer> m = new TreeMap<>();
        for (Seen s : seen) m.merge(key.apply(s), 1, Integer::sum);
        return m;
    }
}

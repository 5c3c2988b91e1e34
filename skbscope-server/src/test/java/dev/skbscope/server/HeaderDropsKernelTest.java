package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.sources.live.KernelTestGate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where nothing but skbscope would run at a namespace's PREROUTING, no program is linked there and
 * the tc ingress program reports the hook; only {@code ip_rcv_core()}'s header checks lie between.
 * A packet those checks drop must still show, with the kernel's reason, at PREROUTING: IPv4
 * datagrams with a wrong header checksum, sent as raw frames over a veth pair into a namespace with
 * no ruleset, are counted as {@code IP_CSUM} drops at {@code nf_prerouting}, none of them reaching
 * INPUT, while good datagrams on the same path are delivered. Each frame is its own packet: the
 * sender's loopback TCP traffic between frames leaves stale identities on the skbs and buffers the
 * frames reuse, and none may swallow a frame.
 */
@Tag("kernel")
class HeaderDropsKernelTest {
    private static final String A = "skk-hda", B = "skk-hdb";
    private static final int BAD = 40, GOOD = 40;
    private static LiveBackends live;
    /** Frames sent so far: each frame gets its own IP id. */
    private static int sent;

    @BeforeAll
    static void setUp() throws Exception {
        KernelTestGate.requireRoot("the header drops test");
        System.setProperty("skbscope.kernel.maxEventsPerSecond", "0"); // exact counts: no sampling
        live = LiveBackends.load();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> modes = (Map<String, Map<String, Object>>) live.capabilities().get("modes");
        Map<String, Object> full = modes.get("full");
        KernelTestGate.require("full live mode", Boolean.TRUE.equals(full.get("available")) ? null : String.valueOf(full.get("reason")));
        remove();
        for (String ns : new String[]{A, B}) {
            NatTopology.sh("ip", "netns", "add", ns);
            NatTopology.sh("ip", "-n", ns, "link", "set", "lo", "up");
        }
        NatTopology.sh("ip", "link", "add", A + "0", "netns", A, "type", "veth", "peer", "name", B + "0", "netns", B);
        NatTopology.sh("ip", "-n", A, "addr", "add", "198.18.9.1/24", "dev", A + "0");
        NatTopology.sh("ip", "-n", B, "addr", "add", "198.18.9.2/24", "dev", B + "0");
        NatTopology.sh("ip", "-n", A, "link", "set", A + "0", "up");
        NatTopology.sh("ip", "-n", B, "link", "set", B + "0", "up");
    }

    @AfterAll
    static void tearDown() {
        System.clearProperty("skbscope.kernel.maxEventsPerSecond");
        if (live != null) live.shutdown();
        remove();
    }

    private static void remove() {
        for (String ns : new String[]{A, B}) {
            try { NatTopology.sh("ip", "netns", "del", ns); } catch (java.io.IOException ignored) { }
        }
    }

    @Test
    void aBadHeaderChecksumIsADropAtPreroutingWithItsReason(@TempDir Path dir) throws Exception {
        try (TestServer api = new TestServer(ServerConfig.defaults(dir).withPort(0), live)) {
            String warmup = api.createSession("""
                    {"mode":"full","source":{"kind":"live"},"filter":{"host":"198.18.9.0/24"},"record":false}""");
            // the receiving namespace has no ruleset: its PREROUTING is the tc ingress program's (the
            // plan is read at a packet, so datagrams go until capabilities say so)
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String stage = "";
            while (!stage.startsWith("seen by tcx_ingress") && System.nanoTime() < end) {
                send(1, false);
                stage = prerouting(api);
            }
            assertThat(stage).as("B's PREROUTING stage").startsWith("seen by tcx_ingress");
            // the session that counts starts now: the links are up and the plan is settled
            String id = api.createSession("""
                    {"mode":"full","source":{"kind":"live"},"filter":{"host":"198.18.9.0/24"},"record":false}""");
            String before = nstat();
            send(BAD, true);
            send(GOOD, false);
            JsonNode s;
            try {
                s = api.await("/api/sessions/" + id + "/stats",
                        // the good frames went last: once they are in, the bad ones are too
                        j -> inB(j.path("stats"), "nf_input") >= GOOD).path("stats");
            } catch (AssertionError e) {
                JsonNode last = api.get("/api/sessions/" + id + "/stats").json().path("stats");
                throw new AssertionError("the good frames never all reached B's INPUT: " + inB(last, "nf_input") + " of " + GOOD
                        + ", IP_CSUM drops " + last.path("drop_reasons").path("IP_CSUM") + " of " + BAD + ", packets "
                        + last.path("total_packets") + "; B's counters before: " + before + "after: " + nstat());
            }
            // every frame is a packet of its own (each has its own source port)
            java.util.Set<Integer> ports = new java.util.TreeSet<>();
            for (JsonNode pk : api.get("/api/sessions/" + id + "/packets?limit=1000").json().path("packets")) {
                ports.add(pk.path("sport").asInt());
            }
            java.util.List<Integer> unseen = new java.util.ArrayList<>();
            for (int k = sent - BAD - GOOD; k < sent; k++) if (!ports.contains(20000 + k)) unseen.add(20000 + k);
            assertThat(unseen).as("frames no program saw (of " + (20000 + sent - BAD - GOOD) + ".." + (20000 + sent - 1) + ")").isEmpty();
            JsonNode pre = s.path("nodes").path("nf_prerouting");
            assertThat(s.path("drop_reasons").path("IP_CSUM").asLong()).as("IP_CSUM drops").isEqualTo(BAD);
            assertThat(pre.path("drops").asLong()).as("drops at nf_prerouting: " + pre).isEqualTo(BAD);
            assertThat(pre.path("drop_reasons").path("IP_CSUM").asLong()).as("nf_prerouting's reasons: " + pre).isEqualTo(BAD);
            // B's INPUT (A's sees B's ICMP port unreachables): only the good datagrams
            assertThat(inB(s, "nf_input")).as("only the good datagrams reach B's INPUT").isEqualTo(GOOD);
            assertThat(inB(s, "nf_prerouting")).as("every datagram reaches B's PREROUTING").isEqualTo(GOOD + BAD);
            for (String sid : new String[]{warmup, id}) assertThat(api.post("/api/session/" + sid + "/stop", "{}").status()).isEqualTo(200);
        }
    }

    private static String nstat() throws Exception {
        return NatTopology.sh("ip", "netns", "exec", B, "nstat", "-az", "IpInReceives", "IpExtInCsumErrors", "IpInDelivers").replace('\n', ' ');
    }

    /**
     * Sends {@code n} IPv4/UDP frames from A to B on the veth; with {@code badChecksum}, a wrong IP
     * header checksum. Before each, a byte goes over a loopback TCP connection in A and is read: its
     * segment and ACK end with no tracepoint after INPUT, and the frame's skb, allocated next on the
     * same CPU, often reuses their skb and buffer (a stale identity must not swallow the frame).
     */
    private static void send(int n, boolean badChecksum) throws Exception {
        String mac = NatTopology.sh("ip", "netns", "exec", B, "cat", "/sys/class/net/" + B + "0/address").strip();
        Process p = NatTopology.python(A, """
                import socket, struct, time
                def csum(b):
                    s = sum(struct.unpack('!%%dH' %% (len(b) // 2), b))
                    while s >> 16: s = (s & 0xffff) + (s >> 16)
                    return ~s & 0xffff
                l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1)
                t = socket.create_connection(l.getsockname()); a, _ = l.accept()
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
                s.bind(('%s', 0))
                src = open('/sys/class/net/%s/address').read().strip()
                for i in range(%d):
                    t.send(b'x'); a.recv(1)
                    udp = struct.pack('!HHHH', 20000 + %d + i, 9, 8 + 4, 0) + b'skbs'
                    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), (%d + i) & 0xffff, 0, 64, 17, 0,
                                     socket.inet_aton('198.18.9.1'), socket.inet_aton('198.18.9.2'))
                    c = csum(ip) ^ (0x5a5a if %s else 0)
                    ip = ip[:10] + struct.pack('!H', c) + ip[12:]
                    eth = bytes.fromhex('%s'.replace(':', '')) + bytes.fromhex(src.replace(':', '')) + b'\\x08\\x00'
                    s.send(eth + ip + udp); time.sleep(0.0003)
                """.formatted(A + "0", A + "0", n, sent, sent, badChecksum ? "True" : "False", mac));
        sent += n;
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    /** Packets at {@code node} in B's namespace (the session's breakdown by netns). */
    private static long inB(JsonNode stats, String node) {
        for (JsonNode ns : stats.path("netns")) {
            if (B.equals(ns.path("name").asText())) return ns.path("nodes").path(node).path("packets").asLong();
        }
        return 0;
    }

    private static String prerouting(TestServer api) throws Exception {
        for (JsonNode ns : api.get("/api/capabilities").json().path("modes").path("full").path("namespaces")) {
            if (B.equals(ns.path("name").asText())) return ns.path("stages").path("prerouting").asText("");
        }
        return "";
    }
}

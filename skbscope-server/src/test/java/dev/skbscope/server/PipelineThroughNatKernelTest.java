package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.engine.PipelineNode;
import dev.skbscope.sources.live.KernelTestGate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The user, as a test: {@code skbscope serve} (a real server with the real live backends),
 * full live sessions created over REST, and container-to-container traffic through a NAT router
 * ({@link NatTopology}): UDP to an open port that the server reads, UDP to a closed port, a short
 * TCP transfer, IPv6 UDP. Every node of the pipeline is observable or not applicable, counts the
 * packets of its path (exactly, sampling off), conntrack/NAT/forward have latency, the socket ends
 * at the read, in-flight drains, NO_SOCKET drops show at the server, and nothing stays behind.
 */
@Tag("kernel")
class PipelineThroughNatKernelTest {
    private static final int UDP_OPEN = 200, UDP_CLOSED = 50, UDP6 = 50, TCP_BYTES = 64 * 1024;
    private static NatTopology net;
    private static LiveBackends live;

    @BeforeAll
    static void setUp() throws Exception {
        KernelTestGate.requireRoot("the three-namespace pipeline test");
        // exact counts: the kernel must not sample
        System.setProperty("skbscope.kernel.maxEventsPerSecond", "0");
        live = LiveBackends.load();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> modes = (Map<String, Map<String, Object>>) live.capabilities().get("modes");
        Map<String, Object> full = modes.get("full");
        KernelTestGate.require("full live mode", Boolean.TRUE.equals(full.get("available")) ? null : String.valueOf(full.get("reason")));
        @SuppressWarnings("unchecked") Map<String, Object> nf = (Map<String, Object>) full.get("netfilter");
        KernelTestGate.require("netfilter BPF links", Boolean.TRUE.equals(nf.get("available")) ? null : String.valueOf(nf.get("reason")));
        net = new NatTopology();
    }

    @AfterAll
    static void tearDown() {
        System.clearProperty("skbscope.kernel.maxEventsPerSecond");
        if (live != null) live.shutdown();
        if (net != null) net.close();
    }

    @Test
    void everyNodeOfThePipelineCountsTheTrafficThroughANatRouter(@TempDir Path dir) throws Exception {
        // a server that reads at once: real-time priority, so that on a loaded machine the socket node
        // measures the kernel's delivery-to-read and not the scheduler's queue (its threads inherit it)
        Process server = NatTopology.python(NatTopology.SERVER, """
                import os, socket, threading
                try: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
                except OSError: pass  # no real-time scheduling here (a container without RT runtime)
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', 7000))
                u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(('::', 7003))
                t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(('0.0.0.0', 7002)); t.listen(4)
                def read(s, n):
                    s.settimeout(30)
                    for i in range(n): s.recv(100)
                th = [threading.Thread(target=read, args=(u, %d)), threading.Thread(target=read, args=(u6, %d))]
                for x in th: x.start()
                print('ready', flush=True)
                c, _ = t.accept(); got = 0
                while True:
                    b = c.recv(65536)
                    if not b: break
                    got += len(b)
                c.sendall(b'ok'); c.close()
                for x in th: x.join()
                print('done', got, flush=True)
                """.formatted(UDP_OPEN, UDP6));
        assertThat(new String(server.getInputStream().readNBytes(6))).startsWith("ready");
        // a first packet through the router: the tracer learns that conntrack and NAT run there and brackets them
        warmUp();
        try (TestServer api = new TestServer(ServerConfig.defaults(dir).withPort(0), live)) {
            // a first session keeps the tracer (and what it learnt) while the measured ones start
            String warm = awaitBracketed(api);
            String exact = api.createSession("""
                    {"mode":"full","source":{"kind":"live"},"filter":{"protocol":"udp","dport":7000},"record":false}""");
            String v4 = api.createSession("""
                    {"mode":"full","source":{"kind":"live"},"filter":{"host":"10.231.0.0/16"},"record":false}""");
            String v6 = api.createSession("""
                    {"mode":"full","source":{"kind":"live"},"filter":{"host":"fd00:231::/32"},"record":false}""");
            assertThat(api.post("/api/session/" + warm + "/stop", "{}").status()).isEqualTo(200);
            Process client = NatTopology.python(NatTopology.CLIENT, """
                    import socket, time
                    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    for i in range(%d):
                        u.sendto(b'x' * 32, ('%s', 7000))
                        if i %% 20 == 19: time.sleep(0.002)
                    for i in range(%d):
                        u.sendto(b'y' * 32, ('%s', 7001))
                    c = socket.create_connection(('%s', 7002)); c.sendall(b'z' * %d); c.shutdown(socket.SHUT_WR)
                    c.recv(10); c.close()
                    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                    for i in range(%d):
                        u6.sendto(b'v' * 32, ('%s', 7003))
                        if i %% 20 == 19: time.sleep(0.002)
                    """.formatted(UDP_OPEN, NatTopology.SERVER_V4, UDP_CLOSED, NatTopology.SERVER_V4, NatTopology.SERVER_V4,
                    TCP_BYTES, UDP6, NatTopology.SERVER_V6));
            // the neighbour tables are flushed while the traffic runs: datagrams wait on the neighbour's
            // queue while ARP resolves, and a clone of them is freed there (neigh_probe); that split
            // their journeys at the router's and the client's transmit until the tracer told a
            // clone's end from the packet's
            Thread flusher = Thread.ofPlatform().name("neigh-flush").start(() -> flushNeighboursWhile(client));
            assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
            flusher.join();
            assertThat(client.exitValue()).as(new String(client.getInputStream().readAllBytes())).isZero();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long trafficEnd = System.nanoTime();
            String serverOut = new String(server.getInputStream().readAllBytes());
            assertThat(serverOut).contains("done " + TCP_BYTES);

            // in-flight is back to at most 1 % of the packets sent within 2 s of the traffic's end
            long sent = UDP_OPEN + UDP_CLOSED;
            JsonNode all;
            try {
                // a snapshot taken after the traffic: each session publishes on its own tick, so one
                // read during the traffic (a third of it counted, nothing in flight) passed for drained
                all = api.await("/api/sessions/" + v4 + "/stats",
                        j -> j.path("stats").path("nodes").path("socket").path("packets").asLong() >= UDP_OPEN
                                && j.path("stats").path("drop_reasons").path("NO_SOCKET").asLong() >= UDP_CLOSED
                                && j.path("stats").path("nodes").path("l4_tx").path("packets").asLong() > 0
                                && j.path("stats").path("in_flight_total").asLong() <= sent / 100);
            } catch (AssertionError e) {
                // what the kernel side saw, for the log
                System.err.println("exact: " + summary(api.get("/api/sessions/" + exact + "/stats").json().path("stats")));
                System.err.println("probe counts: " + api.get("/api/capabilities").json().path("modes").path("full").path("probe_counts"));
                throw e;
            }
            long drained = System.nanoTime() - trafficEnd;
            System.err.println("in flight back to " + all.path("stats").path("in_flight_total") + " after "
                    + drained / 1_000_000 + " ms");
            assertThat(drained).as("ns until in-flight drained").isLessThan(TimeUnit.SECONDS.toNanos(2) + TimeUnit.MILLISECONDS.toNanos(1200));

            JsonNode ex = api.await("/api/sessions/" + exact + "/stats",
                    j -> j.path("stats").path("nodes").path("socket").path("packets").asLong() >= UDP_OPEN
                            && j.path("stats").path("in_flight_total").asLong() == 0).path("stats");
            JsonNode s6 = api.await("/api/sessions/" + v6 + "/stats",
                    j -> j.path("stats").path("nodes").path("socket").path("packets").asLong() >= UDP6).path("stats");
            // applicability is learnt from the devices on a periodic refresh: wait for it, don't read once
            all = api.await("/api/sessions/" + v4 + "/stats",
                    j -> !j.path("stats").path("nodes").path("nic_rx").path("applicable").asBoolean(true)).path("stats");
            System.err.println("exact: " + summary(ex));
            System.err.println("v4: " + summary(all));
            System.err.println("v6: " + summary(s6));

            // every node of the seed's pipeline is observable, or not applicable (with the reason)
            for (PipelineNode n : PipelineNode.PIPELINE) {
                JsonNode node = all.path("nodes").path(n.id());
                boolean applicable = node.path("applicable").asBoolean(true);
                assertThat(node.path("observable").asBoolean() || !applicable).as(n.id() + ": " + node).isTrue();
                if (!applicable) assertThat(node.path("not_applicable_reason").asText()).as(n.id()).contains("veth");
            }
            assertThat(all.path("nodes").path("nic_rx").path("applicable").asBoolean(true)).isFalse();

            // the UDP datagrams to the open port, node by node, exactly: client, router, server journeys
            Map<String, Long> want = new TreeMap<>();
            for (String n : List.of("application", "routing_lookup", "nf_output", "nic", "conntrack", "nat_prerouting",
                    "nf_forward", "nf_postrouting", "nic_tx", "nf_input", "l4_rx", "socket")) want.put(n, (long) UDP_OPEN);
            for (String n : List.of("nat_postrouting", "tc_egress", "driver_tx", "driver_napi", "tc_ingress", "nf_prerouting",
                    "routing_decision")) want.put(n, 2L * UDP_OPEN);
            Map<String, Long> got = new TreeMap<>();
            for (String n : want.keySet()) got.put(n, ex.path("nodes").path(n).path("packets").asLong());
            assertThat(got).as("packets per node of the UDP datagrams to the open port").isEqualTo(want);
            assertThat(ex.path("total_packets").asLong()).as("three journeys each: client, router, server").isEqualTo(3L * UDP_OPEN);
            assertThat(ex.path("expired_packets").asLong()).isZero();
            // at most three routing events per datagram (the router's last PREROUTING program and FIB
            // lookup, the server's FIB lookup, attributed within 200 µs): no ARP solicitation's address
            // lookup taken for its routing (it was, 2 to 3 times a run, before the flush above)
            assertThat(ex.path("nodes").path("routing_decision").path("count").asLong()).isBetween(2L * UDP_OPEN, 3L * UDP_OPEN);
            assertThat(ex.path("drops").asLong()).isZero();
            assertThat(pipeline(ex, "forward").path("completed").asLong()).isEqualTo(UDP_OPEN);
            assertThat(pipeline(ex, "local_delivery").path("completed").asLong()).isEqualTo(UDP_OPEN);
            assertThat(pipeline(ex, "outbound").path("completed").asLong()).isEqualTo(UDP_OPEN);
            // every node on the path has rates and latency; where the tc ingress program reports the
            // receive too (the netif_receive_skb tracepoint is not attached), driver_napi and
            // tc_ingress are one instant: only the packet taps run between them, and its p50 is 0
            boolean receiveAtTc = api.get("/api/capabilities").json().path("modes").path("full").path("nodes")
                    .path("driver_napi").path("mechanism").asText().contains("tcx_ingress");
            // likewise nf_input and l4_rx where nothing but skbscope's program runs at the server's INPUT
            // (it reports the hand-off to L4 too: capabilities' namespaces[].stages.input says so)
            boolean inputAlone = false, clientPostAtTc = false, serverPreAtTc = false;
            for (JsonNode ns : api.get("/api/capabilities").json().path("modes").path("full").path("namespaces")) {
                if (NatTopology.SERVER.equals(ns.path("name").asText())) {
                    inputAlone = ns.path("stages").path("input").asText().startsWith("one program");
                    // and tc_ingress where nothing but skbscope would run at the server's PREROUTING (no program
                    // there: the tc ingress program reports the hook at its own instant; the router's keeps its own)
                    serverPreAtTc = ns.path("stages").path("prerouting").asText().startsWith("seen by tcx_ingress");
                }
                // and POSTROUTING and tc egress where nothing but skbscope would run at the client's POSTROUTING
                // (no program there: the tc egress program reports the hook; the router's SNAT keeps its own)
                if (NatTopology.CLIENT.equals(ns.path("name").asText()))
                    clientPostAtTc = ns.path("stages").path("postrouting").asText().startsWith("seen by tcx_egress");
            }
            // and tc_egress and driver_tx where the tc egress program reports the driver's start too (veth has
            // no queue: the driver takes the packet right after it; net_dev_start_xmit is not attached)
            boolean driverAtTc = api.get("/api/capabilities").json().path("modes").path("full").path("nodes")
                    .path("driver_tx").path("mechanism").asText().contains("tcx_egress");
            for (String n : want.keySet()) {
                JsonNode node = ex.path("nodes").path(n);
                assertThat(node.path("samples").asLong()).as(n + " latency samples").isPositive();
                if (n.equals("driver_napi") && receiveAtTc) continue;
                if (n.equals("tc_egress") && driverAtTc) continue;
                if (n.equals("nat_postrouting") && clientPostAtTc) continue;
                if (n.equals("nf_input") && inputAlone) continue;
                if (n.equals("tc_ingress") && serverPreAtTc) continue;
                assertThat(node.path("p50_us").asDouble()).as(n + " p50").isPositive();
            }
            // the server reads at once: the socket node ends at the read, not at the buffer's free
            assertThat(ex.path("nodes").path("socket").path("p50_us").asDouble()).as("socket p50, µs").isLessThan(1000.0);
            // conntrack, NAT and forwarding have latency
            for (String n : List.of("conntrack", "nat_prerouting", "nat_postrouting", "nf_forward", "routing_decision")) {
                assertThat(all.path("nodes").path(n).path("samples").asLong()).as(n).isPositive();
            }
            // TCP: its output and its application sends
            assertThat(all.path("nodes").path("l4_tx").path("packets").asLong()).as("TCP segments").isPositive();
            // the server's one TCP send ("ok", on an empty write queue: tied by its socket, not its buffer)
            assertThat(netns(all, NatTopology.SERVER).path("nodes").path("application").path("packets").asLong())
                    .as("the server's application sends").isBetween(1L, 2L);
            assertThat(all.path("nodes").path("l4_tx").path("samples").asLong()).isPositive();
            // the closed port: the server drops them, NO_SOCKET
            assertThat(all.path("drop_reasons").path("NO_SOCKET").asLong()).isEqualTo(UDP_CLOSED);
            JsonNode serverNs = netns(all, NatTopology.SERVER);
            assertThat(serverNs).as("the server's namespace in the breakdown").isNotNull();
            assertThat(serverNs.path("nodes").path("nf_input").path("packets").asLong()).isGreaterThanOrEqualTo(UDP_OPEN + UDP_CLOSED);
            assertThat(netns(all, NatTopology.ROUTER).path("nodes").path("conntrack").path("count").asLong()).isPositive();
            assertThat(netns(all, NatTopology.CLIENT).path("nodes").has("conntrack")).isFalse();
            // IPv6 takes the same path
            for (String n : List.of("application", "nf_output", "nat_postrouting", "nf_prerouting", "conntrack",
                    "nf_forward", "nf_input", "l4_rx", "socket")) {
                assertThat(s6.path("nodes").path(n).path("packets").asLong()).as("IPv6 " + n).isGreaterThanOrEqualTo(UDP6);
            }
            // the hooks' verdicts: what became of each packet
            assertThat(all.path("hooks").path("FORWARD").path("verdicts").path("ACCEPT").asLong()).isGreaterThanOrEqualTo(UDP_OPEN);

            for (String id : List.of(exact, v4, v6)) assertThat(api.post("/api/session/" + id + "/stop", "{}").status()).isEqualTo(200);
            api.await("/api/capabilities", j -> j.path("modes").path("full").path("links").asInt(-1) <= 0);
        }
        live.shutdown();
        // nothing left behind: no link of ours, no nft table of ours, in any namespace
        assertThat(NatTopology.sh("bpftool", "link", "show")).doesNotContain("netfilter").doesNotContain("tcx");
        for (String ns : List.of(NatTopology.CLIENT, NatTopology.ROUTER, NatTopology.SERVER)) {
            assertThat(NatTopology.tables(ns)).doesNotContain("skbscope");
        }
    }

    /** Flushes the client's and the router's neighbour tables every 30 ms while {@code client} runs. */
    private static void flushNeighboursWhile(Process client) {
        try {
            while (client.isAlive()) {
                // resolved entries only: deleting one still being resolved (INCOMPLETE) drops the
                // datagrams queued on it (NEIGH_FAILED), which the tracer rightly reported and the
                // exact counts below then missed (1 of 200 in a CI run)
                for (String ns : List.of(NatTopology.ROUTER, NatTopology.CLIENT))
                    NatTopology.sh("ip", "-n", ns, "neigh", "flush", "all", "nud", "reachable", "nud", "stale", "nud", "delay", "nud", "probe");
                Thread.sleep(30); // pacing, not synchronisation: each flush makes the next datagram wait for ARP
            }
        } catch (Exception e) {
            throw new IllegalStateException("neighbour flush", e);
        }
    }

    private static void warmUp() throws Exception {
        Process p = NatTopology.python(NatTopology.CLIENT, """
                import socket
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.sendto(b'w', ('%s', 9))
                u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                u6.sendto(b'w', ('%s', 9))
                """.formatted(NatTopology.SERVER_V4, NatTopology.SERVER_V6));
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Starts a live session and waits until its tracer has bracketed conntrack and NAT in the router; returns its id. */
    private static String awaitBracketed(TestServer api) throws Exception {
        String probe = api.createSession("""
                {"mode":"full","source":{"kind":"live"},"filter":{"host":"10.231.0.0/16"},"record":false}""");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            warmUp();
            JsonNode caps = api.get("/api/capabilities").json();
            for (JsonNode ns : caps.path("modes").path("full").path("namespaces")) {
                if (ns.path("name").asText().equals(NatTopology.ROUTER) && ns.path("nat_bracketed").asBoolean()) return probe;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("conntrack/NAT never bracketed in " + NatTopology.ROUTER);
    }

    private static JsonNode pipeline(JsonNode stats, String name) {
        for (JsonNode p : stats.path("pipelines")) if (p.path("name").asText().equals(name)) return p;
        return null;
    }

    private static JsonNode netns(JsonNode stats, String name) {
        for (JsonNode n : stats.path("netns")) if (n.path("name").asText().equals(name)) return n;
        return null;
    }

    private static String summary(JsonNode stats) {
        List<String> out = new ArrayList<>();
        for (PipelineNode n : PipelineNode.PIPELINE) {
            JsonNode node = stats.path("nodes").path(n.id());
            out.add(n.id() + "=" + node.path("packets").asLong() + "/" + node.path("count").asLong() + " p50 "
                    + node.path("p50_us").asDouble() + (node.path("applicable").asBoolean(true) ? "" : " n/a")
                    + (node.path("observable").asBoolean(true) ? "" : " unobs"));
        }
        return "packets " + stats.path("total_packets") + " in flight " + stats.path("in_flight_total") + " expired "
                + stats.path("expired_packets") + " drops " + stats.path("drop_reasons") + " " + out + " pipelines "
                + stats.path("pipelines");
    }
}

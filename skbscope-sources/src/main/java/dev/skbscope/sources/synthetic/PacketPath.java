package dev.skbscope.sources.synthetic;

import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;

import java.util.ArrayList;
import java.util.List;

/**
 * One journey a synthetic packet can take through the stack: its events in order, with the
 * (lognormal) time spent before the next event. Immutable, built once; the generator indexes its
 * arrays so the hot path sees only ints and doubles.
 */
final class PacketPath {
    enum Direction { INBOUND, FORWARD, OUTBOUND }

    final String name;
    final Direction direction;
    final int proto;
    final boolean drop;
    final int[] probe;
    final Hook[] hook;
    final Verdict[] verdict;
    final int[] dropReason;
    /** ln of the median gap (ns) after each step, and the lognormal sigma. */
    final double[] mu, sigma;

    private PacketPath(String name, Direction direction, int proto, List<Step> steps) {
        this.name = name;
        this.direction = direction;
        this.proto = proto;
        int n = steps.size();
        probe = new int[n];
        hook = new Hook[n];
        verdict = new Verdict[n];
        dropReason = new int[n];
        mu = new double[n];
        sigma = new double[n];
        boolean d = false;
        for (int i = 0; i < n; i++) {
            Step s = steps.get(i);
            probe[i] = SymbolTable.PROBES.intern(s.probe);
            hook[i] = s.hook;
            verdict[i] = s.verdict;
            dropReason[i] = s.dropReason == null ? TraceEvent.UNKNOWN : SymbolTable.DROP_REASONS.intern(s.dropReason);
            mu[i] = Math.log(Math.max(0.05, s.medianUs) * 1000.0);
            sigma[i] = s.sigma;
            d |= s.probe.equals("kfree_skb");
        }
        drop = d;
    }

    int length() { return probe.length; }

    private record Step(String probe, Hook hook, Verdict verdict, String dropReason, double medianUs, double sigma) { }

    /** Builds a path step by step; the median and sigma describe the gap after that step. */
    static final class Builder {
        private final String name;
        private final Direction direction;
        private final int proto;
        private final List<Step> steps = new ArrayList<>();

        Builder(String name, Direction direction, int proto) {
            this.name = name;
            this.direction = direction;
            this.proto = proto;
        }

        Builder at(String probe, double medianUs, double sigma) {
            steps.add(new Step(probe, Hook.NONE, Verdict.NONE, null, medianUs, sigma));
            return this;
        }

        Builder hook(Hook hook, Verdict verdict, double medianUs, double sigma) {
            steps.add(new Step("nf_hook_slow", hook, verdict, null, medianUs, sigma));
            return this;
        }

        PacketPath consume() {
            steps.add(new Step("consume_skb", Hook.NONE, Verdict.NONE, null, 0, 0));
            return new PacketPath(name, direction, proto, steps);
        }

        PacketPath drop(String reason) {
            steps.add(new Step("kfree_skb", Hook.NONE, Verdict.NONE, reason, 0, 0));
            return new PacketPath(name, direction, proto, steps);
        }
    }

    // ---- the model: probe names from the spec's node table, latencies of a busy 2-4 GHz host ----

    private static Builder rxPrefix(String name, Direction dir, int proto) {
        return new Builder(name, dir, proto)
                .at("netif_receive_skb", 1.5, 0.35)          // driver_napi
                .at("napi_gro_receive_entry", 2.5, 0.45)     // gro
                .at("ip_rcv", 0.8, 0.30)                     // nf_prerouting
                .hook(Hook.PREROUTING, Verdict.ACCEPT, 3.5, 0.40)
                .at("nf_conntrack_in", 5.0, 0.55)            // conntrack
                .at("ip_route_input_noref", 1.5, 0.40)       // routing_decision
                .at("ip_rcv_finish", 1.0, 0.30);
    }

    private static Builder txTail(Builder b) {
        return b.at("__ip_local_out", 0.8, 0.3)                // nf_output
                .hook(Hook.OUTPUT, Verdict.ACCEPT, 4.0, 0.45)
                .hook(Hook.POSTROUTING, Verdict.ACCEPT, 3.0, 0.40)  // nat_postrouting (outbound)
                .at("ip_finish_output2", 1.5, 0.35)
                .at("net_dev_queue", 9.0, 0.70)                // tc_egress: qdisc queueing varies
                .at("net_dev_start_xmit", 2.0, 0.40)           // driver_tx
                .at("net_dev_xmit", 8.0, 0.60);                // nic: until tx completion frees it
    }

    static final PacketPath INBOUND_TCP = rxPrefix("inbound_tcp", Direction.INBOUND, 6)
            .at("ip_local_deliver", 1.0, 0.3).hook(Hook.INPUT, Verdict.ACCEPT, 4.5, 0.45)
            .at("tcp_v4_rcv", 14.0, 0.75)                      // l4_rx: socket lookup, checks, backlog
            .at("tcp_queue_rcv", 25.0, 0.80)                   // socket: until the reader copies it
            .consume();
    static final PacketPath INBOUND_UDP = rxPrefix("inbound_udp", Direction.INBOUND, 17)
            .at("ip_local_deliver", 1.0, 0.3).hook(Hook.INPUT, Verdict.ACCEPT, 4.0, 0.45)
            .at("udp_rcv", 7.0, 0.60)
            .at("sock_queue_rcv_skb", 18.0, 0.85)
            .consume();
    static final PacketPath INBOUND_NO_SOCKET = rxPrefix("inbound_no_socket", Direction.INBOUND, 17)
            .at("ip_local_deliver", 1.0, 0.3).hook(Hook.INPUT, Verdict.ACCEPT, 4.0, 0.45)
            .at("udp_rcv", 5.0, 0.50)
            .drop("NO_SOCKET");
    static final PacketPath INBOUND_FILTERED = rxPrefix("inbound_filtered", Direction.INBOUND, 6)
            .at("ip_local_deliver", 1.0, 0.3).hook(Hook.INPUT, Verdict.DROP, 2.5, 0.40)
            .drop("NETFILTER_DROP");
    static final PacketPath FORWARD = rxPrefix("forward", Direction.FORWARD, 6)
            .at("ip_forward", 1.2, 0.3).hook(Hook.FORWARD, Verdict.ACCEPT, 5.5, 0.50)
            .at("ip_output", 0.8, 0.3).hook(Hook.POSTROUTING, Verdict.ACCEPT, 6.0, 0.50)
            .at("net_dev_xmit", 9.0, 0.60)                     // nic_tx
            .consume();
    static final PacketPath FORWARD_FILTERED = rxPrefix("forward_filtered", Direction.FORWARD, 6)
            .at("ip_forward", 1.2, 0.3).hook(Hook.FORWARD, Verdict.DROP, 2.5, 0.40)
            .drop("NETFILTER_DROP");
    static final PacketPath OUTBOUND_TCP = txTail(new Builder("outbound_tcp", Direction.OUTBOUND, 6)
            .at("tcp_sendmsg", 11.0, 0.60)                     // application: copy from user
            .at("__tcp_transmit_skb", 3.0, 0.45)               // l4_tx
            .at("ip_queue_xmit", 1.0, 0.3)
            .at("ip_route_output_flow", 2.5, 0.45))            // routing_lookup
            .consume();
    static final PacketPath OUTBOUND_UDP = txTail(new Builder("outbound_udp", Direction.OUTBOUND, 17)
            .at("udp_sendmsg", 8.0, 0.55)
            .at("ip_route_output_flow", 2.5, 0.45)
            .at("udp_send_skb", 2.0, 0.40))
            .consume();

    /** Packets that end normally, with their share of the non-dropped traffic. */
    static final PacketPath[] DELIVERED = {INBOUND_TCP, INBOUND_UDP, FORWARD, OUTBOUND_TCP, OUTBOUND_UDP};
    static final double[] DELIVERED_WEIGHTS = {0.40, 0.15, 0.15, 0.22, 0.08};
    /** Packets that are dropped, with their share of the drops. */
    static final PacketPath[] DROPPED = {INBOUND_NO_SOCKET, INBOUND_FILTERED, FORWARD_FILTERED};
    static final double[] DROPPED_WEIGHTS = {0.40, 0.40, 0.20};
}

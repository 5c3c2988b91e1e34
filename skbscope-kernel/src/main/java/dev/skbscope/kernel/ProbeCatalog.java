package dev.skbscope.kernel;

import java.util.List;

/**
 * The probes of {@code skbscope.bpf.o}, indexed like {@code enum skbscope_probe} in
 * {@code src/main/bpf/skbscope_event.h} (append only, keep both in step). Immutable.
 */
public final class ProbeCatalog {

    /** How the kernel exposes the probe point. */
    public enum Kind { TRACEPOINT, FUNCTION }

    /**
     * @param id       index in the C enum and in the per-probe counter maps
     * @param name     probe name as events carry it (the engine classifies it into a node)
     * @param node     spec node id this probe shows, or null for terminal probes
     * @param kind     tracepoint or kernel function
     * @param programs BPF program names in order of preference (tp_btf, raw_tp / fentry)
     */
    public record Probe(int id, String name, String node, Kind kind, List<String> programs) { }

    public static final List<Probe> PROBES = List.of(
            tp(0, "netif_receive_skb", "driver_napi"),
            tp(1, "netif_rx", "driver_napi"),
            tp(2, "napi_gro_receive_entry", "gro"),
            tp(3, "napi_gro_frags_entry", "nic_rx"),
            tp(4, "net_dev_queue", "tc_egress"),
            tp(5, "qdisc_enqueue", "tc_egress"),
            tp(6, "qdisc_dequeue", "tc_egress"),
            tp(7, "net_dev_start_xmit", "driver_tx"),
            tp(8, "net_dev_xmit", "nic"),
            tp(9, "tcp_probe", "l4_rx"),
            tp(10, "skb_copy_datagram_iovec", "socket"),
            tp(11, "kfree_skb", null),
            tp(12, "consume_skb", null),
            tp(13, "fib_table_lookup", "routing_decision"),
            tp(14, "sk_data_ready", "socket"),
            tp(15, "udp_fail_queue_rcv_skb", "l4_rx"),
            tp(16, "sock_rcvqueue_full", "socket"),
            tp(17, "icmp_send", "l4_rx"),
            tp(18, "tcp_send_reset", "l4_rx"),
            tp(19, "tcp_retransmit_skb", "l4_tx"),
            fn(20, "ip_rcv", "nf_prerouting"),
            new Probe(21, "nf_hook_slow", "nf_prerouting", Kind.FUNCTION, List.of("fx_nf_hook_slow")),
            fn(22, "nf_conntrack_in", "conntrack"),
            fn(23, "ip_route_input_noref", "routing_decision"),
            fn(24, "ip_local_deliver", "nf_input"),
            fn(25, "ip_forward", "nf_forward"),
            fn(26, "ip_output", "nf_postrouting"),
            fn(27, "tcp_v4_rcv", "l4_rx"),
            fn(28, "udp_rcv", "l4_rx"),
            fn(29, "__ip_local_out", "nf_output"),
            fn(30, "ip_finish_output2", "nat_postrouting"));

    /** Size of the per-probe counter maps ({@code P_MAX}). */
    public static final int MAX = 32;

    /** Every node of the spec's node table, in pipeline order. */
    public static final List<String> NODES = List.of("nic_rx", "driver_napi", "gro", "tc_ingress", "nf_prerouting",
            "conntrack", "nat_prerouting", "routing_decision", "nf_input", "l4_rx", "socket", "nf_forward",
            "nf_postrouting", "nic_tx", "application", "l4_tx", "nf_output", "routing_lookup", "nat_postrouting",
            "tc_egress", "driver_tx", "nic");

    private ProbeCatalog() { }

    private static Probe tp(int id, String name, String node) {
        return new Probe(id, name, node, Kind.TRACEPOINT, List.of("tpb_" + name, "rtp_" + name));
    }

    private static Probe fn(int id, String name, String node) {
        return new Probe(id, name, node, Kind.FUNCTION, List.of("fe_" + name));
    }

    public static Probe byId(int id) { return id >= 0 && id < PROBES.size() ? PROBES.get(id) : null; }
}

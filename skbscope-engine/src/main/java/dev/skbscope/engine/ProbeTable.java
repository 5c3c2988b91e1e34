package dev.skbscope.engine;

import dev.skbscope.engine.event.Hook;

import java.util.HashMap;
import java.util.Map;

/**
 * The probe → node table of spec section 2; stateless and thread-safe. A probe name maps once to
 * a <em>code</em> (a kind plus a node); {@link #resolve} then turns the code, the event's hook and
 * the packet's current path into a node without touching strings, so the engine can cache codes
 * in an array indexed by probe id.
 */
public final class ProbeTable {
    /** Resolves to the code's fixed node. */
    static final int FIXED = 0;
    /** Netfilter probe: node by hook; POSTROUTING by path. */
    static final int NETFILTER = 1;
    /** NAT probe: PREROUTING is {@code nat_prerouting}, otherwise like {@link #NETFILTER}. */
    static final int NAT = 2;
    /** tc classifier: by hook INGRESS/EGRESS, else by path. */
    static final int TC = 3;
    /** {@code fib_table_lookup}: routing_decision on the inbound side, else routing_lookup. */
    static final int FIB = 4;
    /** {@code net_dev_xmit}: nic_tx on the inbound side (forward), else nic. */
    static final int XMIT = 5;
    /** {@code ip_output}: nf_postrouting except on the outbound path (nat_postrouting). */
    static final int IP_OUTPUT = 6;
    /** {@code consume_skb}: the packet ends normally. */
    static final int CONSUME = 7;
    /** {@code kfree_skb}: the packet is dropped. */
    static final int FREE = 8;
    /**
     * A hook's last program ({@code nf_hook_last}): the packet leaves the hook for the next stage,
     * PREROUTING for the routing decision and INPUT for L4; other hooks as {@link #NETFILTER}.
     */
    static final int NF_LAST = 9;
    /**
     * Opens a stage nested in the netfilter hook the packet is in (conntrack, NAT): the stage's
     * node is the code's node; when the stage ends the packet is back in its hook's node.
     */
    static final int STAGE = 10;
    /** Closes the stage of the code's node (its time ends here). */
    static final int STAGE_END = 11;
    /** The application read the packet ({@code sock_recv_length}): it ends, completed, at {@code socket}. */
    static final int READ = 12;
    /** About the packet where it is (an ICMP error or a TCP reset sent in reply): counted at its current node. */
    static final int CURRENT = 13;

    /** Packet path as the engine tracks it (finer than {@link PipelineNode.Path}: "not yet known"). */
    static final int PATH_NONE = 0, PATH_INBOUND = 1, PATH_LOCAL = 2, PATH_FORWARD = 3, PATH_OUTBOUND = 4;

    private static final Map<String, Integer> CODES = new HashMap<>();

    private static void put(int kind, PipelineNode node, String... probes) {
        for (String p : probes) CODES.put(p, code(kind, node));
    }

    static {
        put(FIXED, PipelineNode.NIC_RX, "xdp", "napi_gro_frags_entry", "xdp_do_redirect", "bpf_prog_run_xdp");
        put(FIXED, PipelineNode.DRIVER_NAPI, "napi_poll", "netif_receive_skb", "netif_receive_skb_entry", "netif_rx",
                "netif_rx_entry", "__netif_receive_skb_core", "__netif_receive_skb", "netif_receive_skb_list_entry",
                "netif_receive_skb_internal", "__netif_receive_skb_one_core", "process_backlog");
        put(FIXED, PipelineNode.GRO, "napi_gro_receive_entry", "napi_gro_receive", "dev_gro_receive",
                "napi_gro_complete", "gro_receive_skb", "napi_gro_frags");
        put(FIXED, PipelineNode.TC_INGRESS, "sch_handle_ingress", "tc_ingress", "tcx_ingress");
        put(TC, PipelineNode.TC_INGRESS, "tcf_classify", "tcx_run", "tc_run");
        put(FIXED, PipelineNode.NF_PREROUTING, "ip_rcv", "ipv6_rcv", "ip_rcv_core", "ip6_rcv_core");
        put(NETFILTER, PipelineNode.OTHER, "nf_hook_slow", "nft_do_chain", "nft_trace", "nf_hook_slow_list", "nf_hook_first",
                "ipt_do_table", "ip6t_do_table", "nft_do_chain_ipv4", "nft_do_chain_ipv6", "nft_do_chain_inet",
                "nft_do_chain_netdev");
        put(FIXED, PipelineNode.CONNTRACK, "nf_conntrack_in", "ipv4_conntrack_in", "ipv6_conntrack_in",
                "ipv4_conntrack_local", "ipv6_conntrack_local");
        put(NF_LAST, PipelineNode.OTHER, "nf_hook_last");
        put(STAGE, PipelineNode.CONNTRACK, "nf_conntrack_begin");
        put(STAGE_END, PipelineNode.CONNTRACK, "nf_conntrack_end");
        put(STAGE, PipelineNode.NAT_PREROUTING, "nf_dnat_begin");
        put(STAGE_END, PipelineNode.NAT_PREROUTING, "nf_dnat_end");
        put(STAGE, PipelineNode.NAT_POSTROUTING, "nf_snat_begin");
        put(STAGE_END, PipelineNode.NAT_POSTROUTING, "nf_snat_end");
        put(READ, PipelineNode.SOCKET, "sock_recv_length");
        put(CURRENT, PipelineNode.OTHER, "icmp_send", "tcp_send_reset");
        put(FIXED, PipelineNode.NAT_PREROUTING, "nf_nat_ipv4_pre_routing", "nf_nat_ipv6_in", "nf_nat_ipv4_in");
        put(NAT, PipelineNode.OTHER, "nf_nat_inet_fn");
        put(FIXED, PipelineNode.ROUTING_DECISION, "ip_route_input_noref", "ip_rcv_finish", "ip_route_input_slow",
                "ip6_route_input", "ip6_rcv_finish");
        put(FIB, PipelineNode.OTHER, "fib_table_lookup", "fib6_table_lookup");
        put(FIXED, PipelineNode.NF_INPUT, "ip_local_deliver", "ip_local_deliver_finish", "ip6_input");
        put(FIXED, PipelineNode.L4_RX, "tcp_v4_rcv", "tcp_v6_rcv", "udp_rcv", "udpv6_rcv", "tcp_probe",
                "udp_queue_rcv_skb", "tcp_v4_do_rcv", "tcp_rcv_established", "udp_unicast_rcv_skb", "icmp_rcv",
                "icmpv6_rcv");
        put(FIXED, PipelineNode.SOCKET, "skb_copy_datagram_iovec", "sock_queue_rcv_skb", "tcp_queue_rcv",
                "sk_data_ready", "sock_def_readable", "__sock_queue_rcv_skb", "skb_copy_datagram_iter",
                "__skb_recv_udp", "tcp_recvmsg", "udp_recvmsg",
                // tracepoints fired when the socket cannot take the packet (a drop follows)
                "udp_fail_queue_rcv_skb", "sock_rcvqueue_full");
        put(FIXED, PipelineNode.NF_FORWARD, "ip_forward", "ip6_forward", "ip_forward_finish");
        put(IP_OUTPUT, PipelineNode.NF_POSTROUTING, "ip_output", "ip6_output");
        put(XMIT, PipelineNode.OTHER, "net_dev_xmit");
        put(FIXED, PipelineNode.APPLICATION, "tcp_sendmsg", "udp_sendmsg", "tcp_sendmsg_locked", "sock_sendmsg",
                "udpv6_sendmsg", "raw_sendmsg", "ping_v4_sendmsg", "sys_enter_sendto", "sys_enter_sendmsg",
                "sys_enter_sendmmsg");
        put(FIXED, PipelineNode.L4_TX, "tcp_transmit_skb", "__tcp_transmit_skb", "udp_send_skb", "ip_queue_xmit",
                "__ip_queue_xmit", "udp_v6_send_skb", "inet6_csk_xmit", "ip_send_skb",
                "tcp_retransmit_skb", "tcp_skb_mstamp");
        put(FIXED, PipelineNode.NF_OUTPUT, "ip_local_out", "__ip_local_out", "ip6_local_out", "__ip6_local_out");
        put(FIXED, PipelineNode.ROUTING_LOOKUP, "ip_route_output_key_hash", "ip_route_output_flow",
                "ip_route_output_key_hash_rcu", "ip6_route_output_flags");
        put(FIXED, PipelineNode.NAT_POSTROUTING, "ip_finish_output", "ip_finish_output2", "__ip_finish_output",
                "ip6_finish_output", "ip6_finish_output2", "nf_nat_ipv4_out");
        put(FIXED, PipelineNode.TC_EGRESS, "net_dev_queue", "__dev_queue_xmit", "dev_queue_xmit", "qdisc_enqueue",
                "qdisc_dequeue", "sch_handle_egress", "tcx_egress");
        put(FIXED, PipelineNode.DRIVER_TX, "net_dev_start_xmit", "dev_hard_start_xmit", "xmit_one");
        put(CONSUME, PipelineNode.OTHER, "consume_skb", "napi_consume_skb");
        put(FREE, PipelineNode.OTHER, "kfree_skb", "kfree_skb_reason", "sk_skb_reason_drop", "kfree_skb_list_reason");
    }

    private ProbeTable() { }

    static int code(int kind, PipelineNode node) { return kind << 8 | node.ordinal(); }
    static int kind(int code) { return code >>> 8; }

    /**
     * The code of a probe name. Compiler suffixes ({@code .isra.0}, {@code .constprop.0}) are
     * ignored; an unknown probe is the fixed node {@link PipelineNode#OTHER}.
     */
    static int codeOf(String probe) {
        if (probe == null) return code(FIXED, PipelineNode.OTHER);
        Integer c = CODES.get(probe);
        if (c == null) {
            int dot = probe.indexOf('.');
            if (dot > 0) c = CODES.get(probe.substring(0, dot));
        }
        return c == null ? code(FIXED, PipelineNode.OTHER) : c;
    }

    /** True if the code is an end-of-life probe ({@code consume_skb}, {@code kfree_skb}...). */
    static boolean isTerminal(int code) {
        int k = kind(code);
        return k == CONSUME || k == FREE;
    }

    /** The node of a code that names one (fixed, stage, stage end, read). */
    static int node(int code) { return code & 0xff; }

    /** Whether an event of this code counts for its hook's {@code count} (a hook's last program and stage brackets do not: one packet, one count). */
    static boolean countsHook(int code) {
        int k = kind(code);
        return k != NF_LAST && k != STAGE && k != STAGE_END;
    }

    private static boolean inboundSide(int path) {
        return path == PATH_INBOUND || path == PATH_LOCAL || path == PATH_FORWARD;
    }

    /** The node ordinal for a non-terminal code given the event's hook and the packet's path. */
    static int resolve(int code, Hook hook, int path) {
        int node = code & 0xff;
        switch (kind(code)) {
            case FIXED: return node;
            case NETFILTER: return byHook(hook, path);
            case NF_LAST:
                if (hook == Hook.PREROUTING) return PipelineNode.ROUTING_DECISION.ordinal();
                if (hook == Hook.INPUT) return PipelineNode.L4_RX.ordinal();
                return byHook(hook, path);
            case STAGE, STAGE_END, READ: return node;
            case NAT:
                return hook == Hook.PREROUTING ? PipelineNode.NAT_PREROUTING.ordinal() : byHook(hook, path);
            case TC:
                if (hook == Hook.INGRESS) return PipelineNode.TC_INGRESS.ordinal();
                if (hook == Hook.EGRESS) return PipelineNode.TC_EGRESS.ordinal();
                return path == PATH_OUTBOUND ? PipelineNode.TC_EGRESS.ordinal() : PipelineNode.TC_INGRESS.ordinal();
            case FIB:
                return inboundSide(path) ? PipelineNode.ROUTING_DECISION.ordinal() : PipelineNode.ROUTING_LOOKUP.ordinal();
            case XMIT:
                return inboundSide(path) ? PipelineNode.NIC_TX.ordinal() : PipelineNode.NIC.ordinal();
            case IP_OUTPUT:
                return path == PATH_OUTBOUND ? PipelineNode.NAT_POSTROUTING.ordinal() : PipelineNode.NF_POSTROUTING.ordinal();
            default: return PipelineNode.OTHER.ordinal();
        }
    }

    private static int byHook(Hook hook, int path) {
        return switch (hook) {
            case PREROUTING -> PipelineNode.NF_PREROUTING.ordinal();
            case INPUT -> PipelineNode.NF_INPUT.ordinal();
            case FORWARD -> PipelineNode.NF_FORWARD.ordinal();
            case OUTPUT -> PipelineNode.NF_OUTPUT.ordinal();
            case POSTROUTING -> inboundSide(path) ? PipelineNode.NF_POSTROUTING.ordinal() : PipelineNode.NAT_POSTROUTING.ordinal();
            case INGRESS -> PipelineNode.TC_INGRESS.ordinal();
            case EGRESS -> PipelineNode.TC_EGRESS.ordinal();
            case NONE -> PipelineNode.OTHER.ordinal();
        };
    }

    /**
     * The node an event of {@code probe} with {@code hook} is counted at for a packet currently on
     * {@code packetPath} ({@code null} = not yet known), or {@code null} for end-of-life probes.
     * For tests, docs and tools; the engine uses the cached codes.
     */
    public static PipelineNode classify(String probe, Hook hook, PipelineNode.Path packetPath) {
        int code = codeOf(probe);
        if (isTerminal(code)) return null;
        int path = packetPath == null ? PATH_NONE : switch (packetPath) {
            case INBOUND -> PATH_INBOUND;
            case LOCAL -> PATH_LOCAL;
            case FORWARD -> PATH_FORWARD;
            case OUTBOUND -> PATH_OUTBOUND;
        };
        return PipelineNode.of(resolve(code, hook == null ? Hook.NONE : hook, path));
    }

    /** True if {@code probe} ends a packet's life ({@code consume_skb}, {@code kfree_skb} and variants). */
    public static boolean isTerminal(String probe) { return isTerminal(codeOf(probe)); }
}

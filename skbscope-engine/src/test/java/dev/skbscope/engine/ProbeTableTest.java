package dev.skbscope.engine;

import dev.skbscope.engine.PipelineNode.Path;
import dev.skbscope.engine.event.Hook;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.skbscope.engine.ProbeTable.classify;
import static org.assertj.core.api.Assertions.assertThat;

class ProbeTableTest {

    @Test
    void nodeTableHasTheSpecIdsInPipelineOrder() {
        assertThat(Arrays.stream(PipelineNode.values()).map(PipelineNode::id)).containsExactly(
                "nic_rx", "driver_napi", "gro", "tc_ingress", "nf_prerouting", "conntrack", "nat_prerouting",
                "routing_decision", "nf_input", "l4_rx", "socket", "nf_forward", "nf_postrouting", "nic_tx",
                "application", "l4_tx", "nf_output", "routing_lookup", "nat_postrouting", "tc_egress", "driver_tx",
                "nic", "other");
        assertThat(PipelineNode.PIPELINE).hasSize(22).doesNotContain(PipelineNode.OTHER);
        assertThat(PipelineNode.byId("nf_prerouting")).isEqualTo(PipelineNode.NF_PREROUTING);
        assertThat(PipelineNode.byId("bogus")).isNull();
        assertThat(PipelineNode.NF_PREROUTING.label()).isEqualTo("Netfilter PREROUTING");
        assertThat(PipelineNode.SOCKET.layer()).isEqualTo(PipelineNode.Layer.SOCKET);
    }

    @Test
    void fixedProbesFromTheSpecTable() {
        assertThat(classify("xdp", Hook.NONE, null)).isEqualTo(PipelineNode.NIC_RX);
        assertThat(classify("__netif_receive_skb_core", Hook.NONE, null)).isEqualTo(PipelineNode.DRIVER_NAPI);
        assertThat(classify("dev_gro_receive", Hook.NONE, null)).isEqualTo(PipelineNode.GRO);
        assertThat(classify("sch_handle_ingress", Hook.NONE, null)).isEqualTo(PipelineNode.TC_INGRESS);
        assertThat(classify("ipv6_rcv", Hook.NONE, null)).isEqualTo(PipelineNode.NF_PREROUTING);
        assertThat(classify("ipv4_conntrack_in", Hook.NONE, null)).isEqualTo(PipelineNode.CONNTRACK);
        assertThat(classify("nf_nat_ipv4_pre_routing", Hook.NONE, null)).isEqualTo(PipelineNode.NAT_PREROUTING);
        assertThat(classify("ip_rcv_finish", Hook.NONE, null)).isEqualTo(PipelineNode.ROUTING_DECISION);
        assertThat(classify("ip_local_deliver", Hook.NONE, null)).isEqualTo(PipelineNode.NF_INPUT);
        assertThat(classify("udp_queue_rcv_skb", Hook.NONE, null)).isEqualTo(PipelineNode.L4_RX);
        assertThat(classify("sk_data_ready", Hook.NONE, null)).isEqualTo(PipelineNode.SOCKET);
        assertThat(classify("udp_fail_queue_rcv_skb", Hook.NONE, null)).isEqualTo(PipelineNode.SOCKET);
        assertThat(classify("sock_rcvqueue_full", Hook.NONE, null)).isEqualTo(PipelineNode.SOCKET);
        assertThat(classify("tcp_retransmit_skb", Hook.NONE, null)).isEqualTo(PipelineNode.L4_TX);
        assertThat(classify("ip_forward", Hook.NONE, null)).isEqualTo(PipelineNode.NF_FORWARD);
        assertThat(classify("ip_output", Hook.NONE, Path.FORWARD)).isEqualTo(PipelineNode.NF_POSTROUTING);
        assertThat(classify("sock_sendmsg", Hook.NONE, null)).isEqualTo(PipelineNode.APPLICATION);
        assertThat(classify("ip_queue_xmit", Hook.NONE, null)).isEqualTo(PipelineNode.L4_TX);
        assertThat(classify("__ip_local_out", Hook.NONE, null)).isEqualTo(PipelineNode.NF_OUTPUT);
        assertThat(classify("ip_route_output_key_hash", Hook.NONE, null)).isEqualTo(PipelineNode.ROUTING_LOOKUP);
        assertThat(classify("ip_finish_output2", Hook.NONE, null)).isEqualTo(PipelineNode.NAT_POSTROUTING);
        assertThat(classify("qdisc_dequeue", Hook.NONE, null)).isEqualTo(PipelineNode.TC_EGRESS);
        assertThat(classify("dev_hard_start_xmit", Hook.NONE, null)).isEqualTo(PipelineNode.DRIVER_TX);
    }

    @Test
    void netfilterProbesGoByHookAndPostroutingByPath() {
        for (String p : new String[]{"nf_hook_slow", "nft_do_chain", "nft_trace"}) {
            assertThat(classify(p, Hook.PREROUTING, null)).isEqualTo(PipelineNode.NF_PREROUTING);
            assertThat(classify(p, Hook.INPUT, Path.LOCAL)).isEqualTo(PipelineNode.NF_INPUT);
            assertThat(classify(p, Hook.FORWARD, Path.INBOUND)).isEqualTo(PipelineNode.NF_FORWARD);
            assertThat(classify(p, Hook.OUTPUT, Path.OUTBOUND)).isEqualTo(PipelineNode.NF_OUTPUT);
            assertThat(classify(p, Hook.POSTROUTING, Path.FORWARD)).isEqualTo(PipelineNode.NF_POSTROUTING);
            assertThat(classify(p, Hook.POSTROUTING, Path.OUTBOUND)).isEqualTo(PipelineNode.NAT_POSTROUTING);
            assertThat(classify(p, Hook.NONE, null)).isEqualTo(PipelineNode.OTHER);
        }
        assertThat(classify("tcf_classify", Hook.INGRESS, null)).isEqualTo(PipelineNode.TC_INGRESS);
        assertThat(classify("tcf_classify", Hook.EGRESS, null)).isEqualTo(PipelineNode.TC_EGRESS);
        assertThat(classify("nf_nat_inet_fn", Hook.PREROUTING, Path.INBOUND)).isEqualTo(PipelineNode.NAT_PREROUTING);
        assertThat(classify("nf_nat_inet_fn", Hook.POSTROUTING, Path.OUTBOUND)).isEqualTo(PipelineNode.NAT_POSTROUTING);
    }

    @Test
    void pathDependentProbes() {
        assertThat(classify("fib_table_lookup", Hook.NONE, Path.INBOUND)).isEqualTo(PipelineNode.ROUTING_DECISION);
        assertThat(classify("fib_table_lookup", Hook.NONE, Path.OUTBOUND)).isEqualTo(PipelineNode.ROUTING_LOOKUP);
        assertThat(classify("net_dev_xmit", Hook.NONE, Path.FORWARD)).isEqualTo(PipelineNode.NIC_TX);
        assertThat(classify("net_dev_xmit", Hook.NONE, Path.INBOUND)).isEqualTo(PipelineNode.NIC_TX);
        assertThat(classify("net_dev_xmit", Hook.NONE, Path.OUTBOUND)).isEqualTo(PipelineNode.NIC);
        assertThat(classify("net_dev_xmit", Hook.NONE, null)).isEqualTo(PipelineNode.NIC);
    }

    @Test
    void terminalsUnknownsAndCompilerSuffixes() {
        assertThat(ProbeTable.isTerminal("consume_skb")).isTrue();
        assertThat(ProbeTable.isTerminal("kfree_skb")).isTrue();
        assertThat(ProbeTable.isTerminal("kfree_skb_reason")).isTrue();
        assertThat(ProbeTable.isTerminal("sk_skb_reason_drop")).isTrue();
        assertThat(ProbeTable.isTerminal("ip_rcv")).isFalse();
        assertThat(classify("consume_skb", Hook.NONE, null)).isNull();
        assertThat(classify("some_function_nobody_knows", Hook.INPUT, null)).isEqualTo(PipelineNode.OTHER);
        assertThat(classify("ip_rcv_core.isra.0", Hook.NONE, null)).isEqualTo(PipelineNode.NF_PREROUTING);
        assertThat(classify(null, Hook.NONE, null)).isEqualTo(PipelineNode.OTHER);
    }
}

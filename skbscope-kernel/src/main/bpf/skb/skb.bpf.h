/* SPDX-License-Identifier: GPL-2.0 */
/* The skb tracepoints: tp_btf (typed, direct reads, cheapest), raw_tp as the fallback ("?": not autoloaded). */
#ifndef SKBSCOPE_SKB_BPF_H
#define SKBSCOPE_SKB_BPF_H

#define TP_SKB(tp, argi, kind, where)                                                                  \
	SEC("tp_btf/" #tp)                                                                             \
	int tpb_##tp(__u64 *ctx)                                                                       \
	{                                                                                              \
		const struct probe_ctx px = {};                                                        \
		return on_skb((struct sk_buff *)ctx[argi], P_##tp, kind, where, &px, true);             \
	}                                                                                              \
	SEC("?raw_tp/" #tp)                                                                            \
	int rtp_##tp(struct bpf_raw_tracepoint_args *ctx)                                              \
	{                                                                                              \
		const struct probe_ctx px = {};                                                        \
		return on_skb((struct sk_buff *)ctx->args[argi], P_##tp, kind, where, &px, false);      \
	}

TP_SKB(netif_receive_skb, 0, K_BIRTH, AT_DATA)
TP_SKB(netif_rx, 0, K_BIRTH, AT_DATA)
TP_SKB(napi_gro_receive_entry, 0, K_BIRTH, AT_DATA)
TP_SKB(napi_gro_frags_entry, 0, K_BIRTH, AT_DATA)
TP_SKB(net_dev_queue, 0, K_BIRTH, AT_NETWORK)
TP_SKB(qdisc_enqueue, 2, K_MID, AT_NETWORK)
TP_SKB(qdisc_dequeue, 3, K_MID, AT_NETWORK)
TP_SKB(net_dev_start_xmit, 0, K_MID, AT_NETWORK)
TP_SKB(tcp_probe, 1, K_DELIVER, AT_NETWORK)
TP_SKB(skb_copy_datagram_iovec, 0, K_DELIVER, AT_NETWORK)
TP_SKB(consume_skb, 0, K_END, AT_NETWORK)
TP_SKB(udp_fail_queue_rcv_skb, 2, K_MID, AT_NETWORK)
TP_SKB(sock_rcvqueue_full, 1, K_MID, AT_NETWORK)
TP_SKB(icmp_send, 0, K_MID, AT_NETWORK)
TP_SKB(tcp_send_reset, 1, K_MID, AT_NETWORK)
TP_SKB(tcp_retransmit_skb, 1, K_MID, AT_NETWORK)

/*
 * net_dev_xmit(skb, rc, dev, len): the driver is done. Where tc programs run net_dev_start_xmit is
 * not attached, so this reports driver_tx first when the tc egress program did not (ROLE_TX_DONE).
 */
SEC("tp_btf/net_dev_xmit")
int tpb_net_dev_xmit(__u64 *ctx)
{
	const struct probe_ctx px = { .role = ROLE_TX_DONE };
	return on_skb((struct sk_buff *)ctx[0], P_net_dev_xmit, K_MID, AT_NETWORK, &px, true);
}
SEC("?raw_tp/net_dev_xmit")
int rtp_net_dev_xmit(struct bpf_raw_tracepoint_args *ctx)
{
	const struct probe_ctx px = { .role = ROLE_TX_DONE };
	return on_skb((struct sk_buff *)ctx->args[0], P_net_dev_xmit, K_MID, AT_NETWORK, &px, false);
}

/* kfree_skb(skb, location, reason, sk): the drop reason is the third argument since 5.17. */
SEC("tp_btf/kfree_skb")
int tpb_kfree_skb(__u64 *ctx)
{
	const struct probe_ctx px = { .reason = (__u32)ctx[2] };
	return on_skb((struct sk_buff *)ctx[0], P_kfree_skb, K_END, AT_NETWORK, &px, true);
}
SEC("?raw_tp/kfree_skb")
int rtp_kfree_skb(struct bpf_raw_tracepoint_args *ctx)
{
	const struct probe_ctx px = { .reason = (__u32)ctx->args[2] };
	return on_skb((struct sk_buff *)ctx->args[0], P_kfree_skb, K_END, AT_NETWORK, &px, false);
}

#endif


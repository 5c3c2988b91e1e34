/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TC ingress and egress: tcx links (kernel 6.6+) on every interface in scope, or, where tcx is
 * missing, classic cls_bpf filters on a clsact qdisc (which the loader removes itself). They
 * only watch: -1 is TCX_NEXT (and TC_ACT_UNSPEC for a classic filter: the next filter runs).
 * tcx_egress runs before net_dev_queue, at the same node, and replaces it as the transmit birth; on a
 * device without a queue (veth, loopback) the driver takes the packet right after it, so it reports
 * driver_tx too, at the same time, and net_dev_start_xmit is not attached. Where nothing but ours
 * would run at POSTROUTING no program is linked there and tcx_egress reports the hook (packet.h).
 * tcx_ingress runs right after netif_receive_skb (only the packet taps between) and replaces it as
 * the receive birth: it reports driver_napi and tc_ingress, at the same time (skb->data is the MAC
 * header while a tc ingress program runs, so L3 is read at network_header).
 * Where nothing but ours would run at PREROUTING no program is linked there either, and tcx_ingress
 * reports the hook too, at its own instant (netns_seen.h: prerouting_unhooked).
 */
#ifndef SKBSCOPE_TCX_BPF_H
#define SKBSCOPE_TCX_BPF_H

#define TCX_NEXT -1

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

SEC("tc")
int tcx_ingress(struct __sk_buff *ctx)
{
	const struct probe_ctx px = { .role = ROLE_RX_BIRTH };
	on_skb(bpf_cast_to_kern_ctx(ctx), P_tcx_ingress, K_BIRTH, AT_NETWORK_RX, &px, true);
	return TCX_NEXT;
}

SEC("tc")
int tcx_egress(struct __sk_buff *ctx)
{
	const struct probe_ctx px = { .role = ROLE_TC_EGRESS };
	on_skb(bpf_cast_to_kern_ctx(ctx), P_tcx_egress, K_BIRTH, AT_NETWORK, &px, true);
	return TCX_NEXT;
}

#endif

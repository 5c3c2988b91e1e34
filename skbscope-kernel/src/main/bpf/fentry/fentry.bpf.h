/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel functions (fentry/fexit), all "?" (not autoloaded): the loader tries each one and, where
 * the kernel accepts them and has no netfilter links (before 6.4), attaches them; otherwise it
 * reports the kernel's refusal per node.
 */
#ifndef SKBSCOPE_FENTRY_BPF_H
#define SKBSCOPE_FENTRY_BPF_H

#define FE_SKB(fn, kind, ...)                                                                          \
	SEC("?fentry/" #fn)                                                                            \
	int BPF_PROG(fe_##fn, __VA_ARGS__)                                                              \
	{                                                                                              \
		const struct probe_ctx px = {};                                                        \
		return on_skb(skb, P_##fn, kind, AT_NETWORK, &px, true);                                \
	}

FE_SKB(ip_rcv, K_MID, struct sk_buff *skb)
FE_SKB(nf_conntrack_in, K_MID, struct sk_buff *skb)
FE_SKB(ip_route_input_noref, K_MID, struct sk_buff *skb)
FE_SKB(ip_local_deliver, K_MID, struct sk_buff *skb)
FE_SKB(ip_forward, K_MID, struct sk_buff *skb)
FE_SKB(ip_output, K_MID, struct net *net, struct sock *sk, struct sk_buff *skb)
FE_SKB(tcp_v4_rcv, K_MID, struct sk_buff *skb)
FE_SKB(udp_rcv, K_MID, struct sk_buff *skb)
FE_SKB(__ip_local_out, K_BIRTH, struct net *net, struct sock *sk, struct sk_buff *skb)
FE_SKB(ip_finish_output2, K_MID, struct net *net, struct sock *sk, struct sk_buff *skb)

/* nf_hook_slow returns 1 to continue (NF_ACCEPT), -EPERM on a drop, 0 when stolen or queued. */
SEC("?fexit/nf_hook_slow")
int BPF_PROG(fx_nf_hook_slow, struct sk_buff *skb, struct nf_hook_state *state, const struct nf_hook_entries *e,
	     unsigned int s, int ret)
{
	struct probe_ctx px = { .hook = state->hook, .pf = state->pf, .evflags = EV_F_HOOK | EV_F_VERDICT };
	px.verdict = ret == 1 ? 1 /* NF_ACCEPT */ : ret < 0 ? 0 /* NF_DROP */ : 2 /* NF_STOLEN */;
	return on_skb(skb, P_nf_hook_slow, K_MID, AT_NETWORK, &px, true);
}

#endif

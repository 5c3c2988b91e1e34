/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether conntrack and NAT run in a network namespace, learnt from the packets themselves: past
 * PREROUTING (or OUTPUT), a tracked packet carries its connection in skb->_nfct, and a connection
 * the NAT hooks have seen has IPS_SRC_NAT_DONE/IPS_DST_NAT_DONE set (a null binding at least).
 * The loader reads map netns_seen and brackets those stages only where they run. Without the
 * kernel's nfnetlink_hook (often not built) there is no other way to list a hook's entries.
 */
#ifndef SKBSCOPE_NETNS_SEEN_H
#define SKBSCOPE_NETNS_SEEN_H

#define IPS_SRC_NAT_DONE_BIT 7
#define IPS_DST_NAT_DONE_BIT 8

static __always_inline void netns_seen_check(struct sk_buff *skb, __u32 netns)
{
	unsigned long nfct = skb->_nfct;
	if (!nfct || !netns)
		return;
	__u32 seen = NS_SEEN_CONNTRACK;
	/* a probe read: the kernel's BTF has struct nf_conn twice (nf_conn___init), which a cast can't choose between */
	const struct nf_conn *ct = (void *)(nfct & ~7UL);
	unsigned long status = BPF_CORE_READ(ct, status);
	if (status & ((1UL << IPS_SRC_NAT_DONE_BIT) | (1UL << IPS_DST_NAT_DONE_BIT)))
		seen |= NS_SEEN_NAT;
	__u32 *old = bpf_map_lookup_elem(&netns_seen, &netns);
	if (old && (*old & seen) == seen)
		return;
	__u32 v = seen | (old ? *old : 0);
	bpf_map_update_elem(&netns_seen, &netns, &v, BPF_ANY);
}

#endif

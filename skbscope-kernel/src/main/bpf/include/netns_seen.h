/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether conntrack and NAT run in a network namespace, read from the kernel's own table of the
 * hooks registered there (net->nf.hooks_ipv4/ipv6[hook], the table nfnetlink_hook would list, which
 * kernels often leave out): conntrack registers at priority -200 of PREROUTING only in namespaces
 * where something needs connection tracking, and NAT at -100 of PREROUTING and +100 of POSTROUTING
 * only where a NAT rule exists (nftables' nat chains and iptables' nat table run from those hooks).
 * The INPUT tables say whether anything but our own programs runs at INPUT: where nothing does,
 * INPUT's first program is also its last (it hands the packet to L4) and the loader links no other.
 * The POSTROUTING tables say the same of POSTROUTING: where nothing but ours runs there, the loader
 * links no program at all and the tc egress program reports the hook (nothing can change or drop the
 * packet between; tcx/tcx.bpf.h).
 * The PREROUTING tables say the same of PREROUTING: where nothing but ours runs there, the loader
 * links no program and the tc ingress program reports the hook (tcx/tcx.bpf.h).
 * The kernel replaces a hook's table whenever a hook is registered or unregistered there. The tables
 * are read off the packet path: the loader runs ns_hooks_scan (netfilter/netfilter.bpf.h) with
 * BPF_PROG_TEST_RUN in each traced namespace at every scan (its thread is inside the namespace then,
 * to list its interfaces), and reads map netns_seen right after to link or unlink what the stages
 * need. No packet pays for it (a per-packet comparison of the six tables' addresses cost the tc
 * ingress and OUTPUT programs ~20 ns a run, working or empty), and a namespace is read before its
 * first packet. What a packet decides by itself it still reads per packet, exactly: whether
 * PREROUTING's table is empty (prerouting_unhooked below) and whether INPUT runs only our program.
 */
#ifndef SKBSCOPE_NETNS_SEEN_H
#define SKBSCOPE_NETNS_SEEN_H

#define NF_PRI_CONNTRACK (-200)
#define NF_PRI_NAT_DST (-100)
#define NF_PRI_NAT_SRC 100
#define NF_PRI_OURS_FIRST (-2147483647) /* INT_MIN + 1: nf_hook_first (attach/HookSlot.java) */
#define NF_PRI_OURS_LAST 2147483646     /* INT_MAX - 1: nf_hook_last */
#define HOOK_SCAN_MAX 32
#ifndef PACKET_OTHERHOST
#define PACKET_OTHERHOST 3
#endif

struct hook_scan {
	__u64 ops;  /* the table's orig_ops[] trailer */
	__u32 n;
	int nat_priority; /* NAT's priority on this hook; 0 on INPUT, where no stage is decided */
	__u32 other_bit;  /* set when a hook besides ours is registered here (INPUT, POSTROUTING) */
	__u32 seen;
};

/* bpf_loop callback: the stages entry i of a hook table stands for. */
static long hook_scan_one(__u32 i, void *data)
{
	struct hook_scan *s = data;
	if (i >= s->n)
		return 1;
	__u64 ops = 0;
	int prio = 0;
	if (bpf_probe_read_kernel(&ops, sizeof(ops), (void *)(s->ops + i * sizeof(__u64))) || !ops)
		return 1;
	if (bpf_probe_read_kernel(&prio, sizeof(prio), (void *)(ops + bpf_core_field_offset(struct nf_hook_ops, priority))))
		return 1;
	/*
	 * A hook besides ours: INPUT then needs its last program (a filter chain, conntrack's
	 * confirmation), POSTROUTING and PREROUTING their own program (the tc programs report them elsewhere).
	 * Our stage brackets (99/101 at POSTROUTING) sit only beside NAT's own hook, which counts anyway.
	 */
	if (prio != NF_PRI_OURS_FIRST && prio != NF_PRI_OURS_LAST)
		s->seen |= s->other_bit;
	if (!s->nat_priority)
		return 0; /* INPUT: no stage of ours is decided there (conntrack's confirmation sits at INT_MAX) */
	if (prio == NF_PRI_CONNTRACK)
		s->seen |= NS_SEEN_CONNTRACK;
	else if (prio == s->nat_priority)
		s->seen |= NS_SEEN_NAT;
	return 0;
}

/* The stages one hook table holds: struct nf_hook_entries, then its orig_ops[] pointers. */
static __always_inline __u32 hook_table_stages(__u64 table, int nat_priority, __u32 other_bit)
{
	if (!table)
		return 0;
	__u16 n = 0;
	if (bpf_probe_read_kernel(&n, sizeof(n), (void *)(table + bpf_core_field_offset(struct nf_hook_entries, num_hook_entries))))
		return 0;
	struct hook_scan s = {
		.ops = table + bpf_core_field_offset(struct nf_hook_entries, hooks) + (__u64)n * bpf_core_type_size(struct nf_hook_entry),
		.n = n,
		.nat_priority = nat_priority,
		.other_bit = other_bit,
	};
	bpf_loop(HOOK_SCAN_MAX, hook_scan_one, &s, 0);
	return s.seen;
}

/*
 * A namespace's stages, from its six hook tables (IPv4/IPv6 PREROUTING, POSTROUTING, INPUT), into map
 * netns_seen. The table pointers are read as plain numbers (the verifier allows no arithmetic on
 * kernel pointers, and the scan walks each table's trailer by address).
 */
static __always_inline void netns_hooks_read(const struct net *net)
{
	__u32 netns = net->ns.inum;
	__u64 t4[NF_INET_NUMHOOKS] = {}, t6[NF_INET_NUMHOOKS] = {};
	if (!netns || bpf_probe_read_kernel(t4, sizeof(t4), &net->nf.hooks_ipv4) ||
	    bpf_probe_read_kernel(t6, sizeof(t6), &net->nf.hooks_ipv6))
		return;
	__u32 seen = NS_SEEN_CHECKED | hook_table_stages(t4[NF_INET_PRE_ROUTING], NF_PRI_NAT_DST, NS_SEEN_PRE) |
		     hook_table_stages(t4[NF_INET_POST_ROUTING], NF_PRI_NAT_SRC, NS_SEEN_POST) |
		     hook_table_stages(t6[NF_INET_PRE_ROUTING], NF_PRI_NAT_DST, NS_SEEN_PRE) |
		     hook_table_stages(t6[NF_INET_POST_ROUTING], NF_PRI_NAT_SRC, NS_SEEN_POST) |
		     hook_table_stages(t4[NF_INET_LOCAL_IN], 0, NS_SEEN_INPUT) | hook_table_stages(t6[NF_INET_LOCAL_IN], 0, NS_SEEN_INPUT);
	__u32 *old = bpf_map_lookup_elem(&netns_seen, &netns);
	if (old && *old == seen)
		return;
	bpf_map_update_elem(&netns_seen, &netns, &seen, BPF_ANY);
}

/*
 * Whether a packet at tc ingress goes next to an IP receive whose PREROUTING hook runs nothing at all
 * (the hook's table is empty: no program of ours is linked there, and no chain, conntrack or NAT):
 * then only ip_rcv_core()'s header checks lie between, whose drops carry their own reasons, and the
 * tc ingress program reports the hook at its own instant. Not for a packet another device's handler
 * may take (a bridge or bond port), a VLAN-tagged one (its VLAN device receives it next), one for
 * another host (ip_rcv drops it before the hook) or a non-IP one.
 */
static __always_inline int prerouting_unhooked(struct sk_buff *skb)
{
	if (skb->pkt_type == PACKET_OTHERHOST || skb->vlan_all)
		return 0;
	const struct net_device *dev = skb->dev;
	if (!dev || dev->rx_handler)
		return 0;
	const struct net *net = dev->nd_net.net;
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return !net->nf.hooks_ipv4[NF_INET_PRE_ROUTING];
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return !net->nf.hooks_ipv6[NF_INET_PRE_ROUTING];
	return 0;
}

#endif

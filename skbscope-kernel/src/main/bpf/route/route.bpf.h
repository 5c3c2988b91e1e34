/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Route lookups (fib:fib_table_lookup, fib6:fib6_table_lookup carry the flow, not the skb):
 *  - on the way in, attributed to the packet this CPU's receive path is processing when one of
 *    its addresses agrees (NAT may have rewritten the other): the routing decision (kernels or namespaces without the PREROUTING-last
 *    netfilter program, and namespaces where early demux does not skip the lookup);
 *  - on the way out, recorded for the send syscall in progress on this CPU by this process, and
 *    tied to its packet at the first OUTPUT sight (socket/send_ties.h).
 */
#ifndef SKBSCOPE_ROUTE_BPF_H
#define SKBSCOPE_ROUTE_BPF_H

static __always_inline int on_fib(__u16 probe, __u8 ver, const __u8 *saddr, const __u8 *daddr, const bool direct)
{
	struct skbscope_config *cfg = counted_run(probe);
	if (!cfg)
		return 0;
	__u64 now = 0;
	struct sks_track *t = attributed(probe, cfg, &now);
	if (t && !t->delivered && t->ip_version == ver) {
		__u64 s0 = 0, s1 = 0, d0 = 0, d1 = 0, a0 = 0, a1 = 0, b0 = 0, b1 = 0;
		if (ver == 4) {
			__builtin_memcpy(&s0, saddr, 4);
			__builtin_memcpy(&d0, daddr, 4);
			__builtin_memcpy(&a0, t->src, 4);
			__builtin_memcpy(&b0, t->dst, 4);
		} else {
			__builtin_memcpy(&s0, saddr, 8);
			__builtin_memcpy(&s1, saddr + 8, 8);
			__builtin_memcpy(&d0, daddr, 8);
			__builtin_memcpy(&d1, daddr + 8, 8);
			__builtin_memcpy(&a0, t->src, 8);
			__builtin_memcpy(&a1, t->src + 8, 8);
			__builtin_memcpy(&b0, t->dst, 8);
			__builtin_memcpy(&b1, t->dst + 8, 8);
		}
		/*
		 * One address agreeing is enough: the packet is the one this CPU is receiving right now,
		 * and NAT on an earlier hop rewrote the other (a masqueraded packet reaches the server
		 * with the router's source address; its tuple was read where it was born).
		 */
		if ((s0 == a0 && s1 == a1) || (d0 == b0 && d1 == b1)) {
			emit_attributed(probe, t, cfg, now, current_tgid(direct));
			return 0;
		}
	}
	struct send_pending *p = pending_here();
	if (!p || !p->ts || p->fib_ts)
		return 0;
	if (!now)
		now = bpf_ktime_get_ns();
	if (p->tgid == current_tgid(direct) && now - p->ts < SEND_WINDOW_NS) {
		p->fib_ts = now;
		p->fib_ver = ver;
		__builtin_memset(p->fib_dst, 0, 16);
		if (ver == 4)
			__builtin_memcpy(p->fib_dst, daddr, 4);
		else
			__builtin_memcpy(p->fib_dst, daddr, 16);
	}
	return 0;
}

/* fib_table_lookup(tb_id, flp, nhc, err) */
SEC("tp_btf/fib_table_lookup")
int tpb_fib_table_lookup(__u64 *ctx)
{
	const struct flowi4 *flp = (void *)ctx[1];
	__u32 s = flp->saddr, d = flp->daddr;
	return on_fib(P_fib_table_lookup, 4, (const __u8 *)&s, (const __u8 *)&d, true);
}
SEC("?raw_tp/fib_table_lookup")
int rtp_fib_table_lookup(struct bpf_raw_tracepoint_args *ctx)
{
	const struct flowi4 *flp = (void *)ctx->args[1];
	__u32 s = BPF_CORE_READ(flp, saddr), d = BPF_CORE_READ(flp, daddr);
	return on_fib(P_fib_table_lookup, 4, (const __u8 *)&s, (const __u8 *)&d, false);
}

/* fib6_table_lookup(net, res, table, flp) */
SEC("tp_btf/fib6_table_lookup")
int tpb_fib6_table_lookup(__u64 *ctx)
{
	const struct flowi6 *flp = (void *)ctx[3];
	struct in6_addr s = flp->saddr, d = flp->daddr;
	return on_fib(P_fib6_table_lookup, 6, (const __u8 *)&s, (const __u8 *)&d, true);
}
SEC("?raw_tp/fib6_table_lookup")
int rtp_fib6_table_lookup(struct bpf_raw_tracepoint_args *ctx)
{
	const struct flowi6 *flp = (void *)ctx->args[3];
	struct in6_addr s = BPF_CORE_READ(flp, saddr), d = BPF_CORE_READ(flp, daddr);
	return on_fib(P_fib6_table_lookup, 6, (const __u8 *)&s, (const __u8 *)&d, false);
}

#endif

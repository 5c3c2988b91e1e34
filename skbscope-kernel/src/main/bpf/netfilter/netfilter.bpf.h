/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netfilter hook programs (BPF_PROG_TYPE_NETFILTER, kernel 6.4+, CONFIG_NETFILTER_BPF_LINK): the
 * loader links them to hooks at chosen priorities, IPv4 and IPv6, in every traced namespace. The
 * kernel refuses attach cookies and bpf_skb_load_bytes here, so each priority slot is a program
 * of its own; the hook comes from ctx->state. Every one returns NF_ACCEPT: they only watch.
 *
 *   nf_hook_first       first priority of a hook: the packet enters the hook's node
 *                       (at OUTPUT: a locally made packet is born here, after its tied send events)
 *   nf_hook_last        last priority: PREROUTING -> the routing decision starts; INPUT -> L4
 *   nf_<stage>_begin    just before conntrack (-200), DNAT (-100), SNAT/masquerade (100):
 *                       stamped as it finishes, so the stage's time excludes this program's work
 *   nf_<stage>_end      just after; stamped as it starts, less the measured cost of two adjacent
 *                       programs (nf_calib_a / nf_calib_b, linked side by side at start)
 */
#ifndef SKBSCOPE_NETFILTER_BPF_H
#define SKBSCOPE_NETFILTER_BPF_H

#define NF_ACCEPT 1
#define HOOK_PRE_ROUTING 0
#define HOOK_LOCAL_IN 1
#define HOOK_FORWARD 2
#define HOOK_LOCAL_OUT 3
#define HOOK_POST_ROUTING 4

static __always_inline void hook_ctx(const struct nf_hook_state *st, struct probe_ctx *px)
{
	const struct net_device *dev = st->hook == HOOK_PRE_ROUTING || st->hook == HOOK_LOCAL_IN ? st->in : st->out;
	px->hook = st->hook;
	px->pf = st->pf;
	px->evflags = EV_F_HOOK;
	px->netns = st->net->ns.inum;
	px->ifindex = dev ? dev->ifindex : 0;
}

/*
 * One netfilter program's run: the sampling decision first, so that a left-out packet costs no
 * read of the hook state's namespace and devices and no look at the namespace's hook tables.
 */
static __always_inline void on_nf(struct bpf_nf_ctx *ctx, __u16 probe, int kind, struct probe_ctx *px)
{
	bump(&hits, probe);
#ifdef SKBSCOPE_EMPTY_PROGRAMS
	return; /* the overhead bench's "empty" condition: what attaching alone costs */
#endif
	/* a stage's closing bracket is stamped first thing, as the calibration pair measured it */
	const __u64 entry_ts = px->stamp == STAMP_CORRECTED ? bpf_ktime_get_ns() : 0;
	__u64 key = 0;
	struct skbscope_config *cfg = packet_wanted(ctx->skb, kind, AT_NETWORK, px->role, true, &key);
	if (!cfg)
		return;
	const struct nf_hook_state *st = ctx->state;
	hook_ctx(st, px);
	if (px->role & ROLE_INPUT_FIRST) {
		/* the INPUT hook runs nothing but this program: it is also the last (see netns_seen.h) */
		const struct nf_hook_entries *in = st->pf == NFPROTO_IPV6 ? st->net->nf.hooks_ipv6[NF_INET_LOCAL_IN]
									  : st->net->nf.hooks_ipv4[NF_INET_LOCAL_IN];
		const struct nf_hook_entries *e = bpf_rdonly_cast(in, bpf_core_type_id_kernel(struct nf_hook_entries));
		if (e && e->num_hook_entries == 1)
			px->role |= ROLE_RX_HANDOFF | ROLE_ALSO_LAST;
	}
	on_packet(ctx->skb, probe, kind, AT_NETWORK, px, true, cfg, key, entry_ts);
}

SEC("netfilter")
int nf_hook_first(struct bpf_nf_ctx *ctx)
{
	const __u8 hook = ctx->state->hook;
	struct probe_ctx px = {};
	if (hook == HOOK_LOCAL_OUT) {
		px.role = ROLE_OUTPUT_FIRST;
		on_nf(ctx, P_nf_hook_first, K_BIRTH, &px);
	} else {
		if (hook == HOOK_POST_ROUTING)
			px.role = ROLE_RX_DONE;
		else if (hook == HOOK_LOCAL_IN)
			px.role = ROLE_INPUT_FIRST;
		on_nf(ctx, P_nf_hook_first, K_MID, &px);
	}
	return NF_ACCEPT;
}

SEC("netfilter")
int nf_hook_last(struct bpf_nf_ctx *ctx)
{
	struct probe_ctx px = {};
	if (ctx->state->hook == HOOK_LOCAL_IN)
		px.role = ROLE_RX_HANDOFF;
	on_nf(ctx, P_nf_hook_last, K_MID, &px);
	return NF_ACCEPT;
}

#define NF_STAGE(stage)                                                                                \
	SEC("netfilter")                                                                               \
	int nf_##stage##_begin(struct bpf_nf_ctx *ctx)                                                 \
	{                                                                                              \
		struct probe_ctx px = { .stamp = STAMP_EXIT };                                         \
		on_nf(ctx, P_nf_##stage##_begin, K_MID, &px);                                          \
		return NF_ACCEPT;                                                                      \
	}                                                                                              \
	SEC("netfilter")                                                                               \
	int nf_##stage##_end(struct bpf_nf_ctx *ctx)                                                   \
	{                                                                                              \
		struct probe_ctx px = { .stamp = STAMP_CORRECTED };                                    \
		on_nf(ctx, P_nf_##stage##_end, K_MID, &px);                                            \
		return NF_ACCEPT;                                                                      \
	}

NF_STAGE(conntrack)
NF_STAGE(dnat)
NF_STAGE(snat)

/*
 * Not a hook program: the loader runs it with BPF_PROG_TEST_RUN from its thread while that thread is
 * inside a traced namespace (setns), at every scan, and then reads map netns_seen: which stages the
 * namespace's registered hooks hold (include/netns_seen.h). Never attached.
 */
SEC("raw_tp")
int ns_hooks_scan(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct nsproxy *nsp = task->nsproxy;
	if (nsp && nsp->net_ns)
		netns_hooks_read(nsp->net_ns);
	return 0;
}

/* ---- calibration: what two adjacent netfilter programs cost with nothing between them ---- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} calib_t SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct skbscope_calib);
} calib SEC(".maps");

/* Stamps as it finishes, like a stage's opening bracket. */
SEC("netfilter")
int nf_calib_a(struct bpf_nf_ctx *ctx)
{
	__u32 zero = 0;
	__u64 *t = bpf_map_lookup_elem(&calib_t, &zero);
	if (t)
		*t = bpf_ktime_get_ns();
	return NF_ACCEPT;
}

/* Stamps as it starts, like a stage's closing bracket. */
SEC("netfilter")
int nf_calib_b(struct bpf_nf_ctx *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	__u64 *t = bpf_map_lookup_elem(&calib_t, &zero);
	if (!t || !*t || now < *t)
		return NF_ACCEPT;
	struct skbscope_calib *c = bpf_map_lookup_elem(&calib, &zero);
	if (c) {
		__u64 i = __sync_fetch_and_add(&c->count, 1) & (CALIB_SAMPLES - 1);
		c->gap_ns[i] = now - *t;
	}
	*t = 0;
	return NF_ACCEPT;
}

#endif

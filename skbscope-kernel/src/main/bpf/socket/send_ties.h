/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The send side before the packet exists: the application's send, TCP's transmit and the output
 * route lookup happen before any program sees the skb. Each is recorded where it happens and tied
 * to the skb at its first netfilter OUTPUT sight (the send path runs on one CPU, in the sender's
 * context), where the tied events are written, in time order, before the OUTPUT event:
 *
 *   application     TCP: tcp:tcp_sendmsg_locked, the first copy of data into the write-queue skb
 *                   whose buffer (skb->head) the transmitted clone shares; when the write queue was
 *                   empty (a request, a reply: the usual case) the tracepoint fires before the call
 *                   allocates the skb, with none, and the call is tied by its socket to the first
 *                   data segment that socket sends;
 *                   UDP and others: the send/sendto/sendmsg/sendmmsg syscall's entry on this CPU by
 *                   this process (the first packet of the call)
 *   l4_tx           TCP: the stack's own transmit time of the segment (skb->skb_mstamp_ns, taken by
 *                   tcp_write_xmit/__tcp_transmit_skb); no tracepoint marks UDP's output
 *   routing_lookup  fib:fib_table_lookup / fib6_table_lookup during that syscall. A connected
 *                   socket (TCP, connected UDP) looked its route up once, at connect(): its packets
 *                   have no per-packet lookup and none is made up.
 */
#ifndef SKBSCOPE_SEND_TIES_H
#define SKBSCOPE_SEND_TIES_H

#define SEND_WINDOW_NS 1000000ULL /* a send syscall reaches OUTPUT within this, or it is not tied */
#define TCP_STATE_TIME_WAIT 6
#define TCP_STATE_NEW_SYN_RECV 12

struct send_pending {
	__u64 ts;     /* syscall entry, 0 = none pending */
	__u64 fib_ts; /* output route lookup during that syscall, 0 = none */
	__u32 tgid;
	__u16 probe;  /* the syscall */
	__u8 fib_ver;
	__u8 pad;
	__u8 fib_dst[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct send_pending);
} send_pending SEC(".maps");

static __always_inline struct send_pending *pending_here(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&send_pending, &zero);
}

/* TCP write-queue buffers with data copied in and not yet transmitted: direct-mapped by skb->head. */
struct tcp_app {
	__u64 head;
	__u64 ts;
	__u32 tgid;
	__u32 pad;
};

#define TCP_APP_SLOTS 4096
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCP_APP_SLOTS);
	__type(key, __u32);
	__type(value, struct tcp_app);
} tcp_app SEC(".maps");

static __always_inline struct tcp_app *tcp_app_slot(__u64 head)
{
	__u64 idx = head_slot_index(head, 12) & (TCP_APP_SLOTS - 1);
	return bpf_map_lookup_elem(&tcp_app, &idx);
}

/*
 * TCP send calls that found the write queue empty, not yet tied to a data segment: direct-mapped by
 * the socket. The first data segment the socket sends carries the call's data (the call allocates
 * it right after the tracepoint); a later call on the same socket keeps the earlier one's time.
 */
struct tcp_app_sk {
	__u64 sk;
	__u64 ts;
	__u32 tgid;
	__u32 pad;
};

#define TCP_APP_SK_WINDOW_NS 1000000000ULL /* pending longer than this (the data never left): not tied */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCP_APP_SLOTS);
	__type(key, __u32);
	__type(value, struct tcp_app_sk);
} tcp_app_sk SEC(".maps");

/*
 * The socket's address as a plain number, copied from where it is stored: the verifier keeps a
 * pointer to a struct typed (PTR_TO_BTF_ID) and refuses arithmetic on it, hashing included (the
 * whole object failed to load: every netfilter program and this tracepoint refused with EINVAL).
 */
static __always_inline __u64 sk_number(const void *where)
{
	__u64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), where);
	return v;
}

static __always_inline struct tcp_app_sk *tcp_app_sk_slot(__u64 sk)
{
	__u64 idx = head_slot_index(sk, 12) & (TCP_APP_SLOTS - 1);
	return bpf_map_lookup_elem(&tcp_app_sk, &idx);
}

/* Whether a TCP skb at OUTPUT carries data (a pure ACK does not): its length past the TCP header. */
static __always_inline int tcp_has_payload(struct sk_buff *skb)
{
	__u16 nh = skb->network_header, th_off = skb->transport_header;
	if (th_off == (__u16)~0U || nh == (__u16)~0U || th_off < nh)
		return 0;
	const struct tcphdr *th = bpf_rdonly_cast(skb->head + th_off, bpf_core_type_id_kernel(struct tcphdr));
	return skb->len > (__u32)(th_off - nh) + th->doff * 4;
}

/* The pending send call (tcp_app_sk) of the socket of a TCP data segment, or NULL (an ACK, none pending). */
static __always_inline struct tcp_app_sk *tcp_app_sk_pending(struct sk_buff *skb)
{
	if (!tcp_has_payload(skb))
		return NULL;
	__u64 skn = sk_number(&skb->sk);
	struct tcp_app_sk *q = tcp_app_sk_slot(skn);
	return q && q->sk == skn ? q : NULL;
}

/* The skb's socket, if it is a full TCP socket (not a request or time-wait mini socket): 1; another full socket: 2; none: 0. */
static __always_inline int socket_kind(struct sk_buff *skb, struct sock **out)
{
	struct sock *sk = skb->sk;
	if (!sk)
		return 0;
	__u8 state = sk->__sk_common.skc_state;
	if (state == TCP_STATE_TIME_WAIT || state == TCP_STATE_NEW_SYN_RECV)
		return 0;
	*out = sk;
	return sk->sk_protocol == IPPROTO_TCP ? 1 : 2;
}

/* A left-out packet at its first OUTPUT sight: what was recorded for it must not go to a later one. */
static __always_inline void send_ties_drop(struct sk_buff *skb, __u64 key)
{
	struct sock *sk = NULL;
	int kind = socket_kind(skb, &sk);
	if (kind == 1) {
		struct tcp_app *a = tcp_app_slot(key);
		if (a && a->head == key) {
			a->head = 0;
		} else {
			struct tcp_app_sk *q = tcp_app_sk_pending(skb);
			if (q)
				q->sk = 0;
		}
	} else if (kind == 2) {
		struct send_pending *p = pending_here();
		if (p)
			p->ts = 0;
	}
}

static __always_inline void emit_tied(__u16 probe, const struct sks_track *t, const struct skb_fields *s, __u64 mask,
				      __u64 ts, __u32 sample_mask, __u32 pid)
{
	struct probe_ctx px = {};
	emit(probe, t, s, mask, &px, ts, sample_mask, pid);
}

static __always_inline void send_ties_emit(struct sk_buff *skb, __u64 key, const struct sks_track *t,
					   const struct skb_fields *s, __u64 mask, const struct skbscope_config *cfg,
					   __u64 now, __u32 pid, int is_new)
{
	struct sock *sk = NULL;
	int kind = socket_kind(skb, &sk);
	if (!kind)
		return;
	__u64 app_ts = 0, l4_ts = 0, fib_ts = 0;
	__u32 app_pid = pid;
	__u16 app_probe = P_tcp_sendmsg_locked, fib_probe = P_fib_table_lookup;
	if (kind == 1) {
		struct tcp_app *a = tcp_app_slot(key);
		if (a && a->head == key) {
			app_ts = a->ts;
			app_pid = a->tgid;
			a->head = 0;
		} else {
			struct tcp_app_sk *q = tcp_app_sk_pending(skb);
			if (q) {
				if (now - q->ts < TCP_APP_SK_WINDOW_NS) {
					app_ts = q->ts;
					app_pid = q->tgid;
				}
				q->sk = 0;
			}
		}
		__u64 mstamp = skb->skb_mstamp_ns;
		if (mstamp && mstamp <= now && now - mstamp < 1000000000ULL && mstamp >= app_ts)
			l4_ts = mstamp;
	} else {
		struct send_pending *p = pending_here();
		if (p && p->ts && p->tgid == pid && now - p->ts < SEND_WINDOW_NS) {
			app_ts = p->ts;
			app_probe = p->probe;
			if (p->fib_ts && p->fib_ver == t->ip_version) {
				__u64 d0, d1, f0, f1;
				__builtin_memcpy(&d0, t->dst, 8);
				__builtin_memcpy(&d1, t->dst + 8, 8);
				__builtin_memcpy(&f0, p->fib_dst, 8);
				__builtin_memcpy(&f1, p->fib_dst + 8, 8);
				if (d0 == f0 && d1 == f1) {
					fib_ts = p->fib_ts;
					fib_probe = t->ip_version == 6 ? P_fib6_table_lookup : P_fib_table_lookup;
				}
			}
			p->ts = 0;
		}
	}
	if (!is_new || !mask)
		return;
	if (app_ts)
		emit_tied(app_probe, t, s, mask, app_ts, cfg->sample_mask, app_pid);
	if (fib_ts)
		emit_tied(fib_probe, t, s, mask, fib_ts, cfg->sample_mask, pid);
	if (l4_ts)
		emit_tied(P_tcp_skb_mstamp, t, s, mask, l4_ts, cfg->sample_mask, pid);
}

#endif

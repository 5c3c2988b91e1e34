/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The socket node: from the packet's delivery to the socket (sock:sk_data_ready, attributed to
 * the packet this CPU just handed to L4) to the application's read of it (sock:sock_recv_length,
 * which carries only the socket). A delivered packet waits in a small per-socket ring until a
 * read passes it:
 *   TCP  when the socket's copied_seq has passed the segment's end sequence number (partial
 *        reads, coalesced segments and sampling all come out right);
 *   UDP  datagrams are read in order: at delivery the packet's read number is the reads so far
 *        plus the datagrams queued (itself included), so reads of left-out packets count too.
 * The read ends the packet (completed); the buffer's later free is not its latency, and the
 * packet's slot is forgotten so that free reports nothing. A packet never read stays in flight
 * at the socket, as it is.
 */
#ifndef SKBSCOPE_RECV_BPF_H
#define SKBSCOPE_RECV_BPF_H

#define SK_READ_SLOTS 64
#define MSG_PEEK 2

struct sk_read_entry {
	__u64 key; /* the packet's skb->head */
	__u64 id;
	__u64 mask; /* its sessions: the read is reported even when its slot was reused meanwhile */
	__u32 target; /* TCP: end sequence number; UDP: the read number that reads it */
	__u32 netns;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct sk_reads {
	__u64 reads; /* UDP: reads since this entry was made */
	__u32 head;  /* ring of delivered, unread traced packets: [head, tail) */
	__u32 tail;
	struct sk_read_entry e[SK_READ_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct sk_reads);
} sk_reads SEC(".maps");

/* Deliveries not remembered because their socket had SK_READ_SLOTS traced packets unread: they wait for the socket timeout. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sk_reads_full SEC(".maps");

/* An empty ring, in global data: too big for the BPF stack. */
static const struct sk_reads sk_reads_zero;

static __always_inline void remember_delivery(struct sock *sk, struct sks_track *t)
{
	__u64 key = (__u64)sk;
	__u32 target;
	__u8 proto = sk->sk_protocol;
	struct sk_reads *r = bpf_map_lookup_elem(&sk_reads, &key);
	if (!r) {
		bpf_map_update_elem(&sk_reads, &key, &sk_reads_zero, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&sk_reads, &key);
		if (!r)
			return;
	}
	if (proto == IPPROTO_TCP) {
		target = t->tcp_end_seq;
		if (!target)
			return;
	} else if (proto == IPPROTO_UDP) {
		const struct udp_sock *up = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct udp_sock));
		target = (__u32)r->reads + sk->sk_receive_queue.qlen + up->reader_queue.qlen;
	} else {
		return;
	}
	__u32 tail = r->tail;
	if (tail - r->head >= SK_READ_SLOTS) {
		bump(&sk_reads_full, 0); /* more unread traced packets than the ring holds: those wait for the socket timeout */
		return;
	}
	struct sk_read_entry *e = &r->e[tail & (SK_READ_SLOTS - 1)];
	e->key = t->head;
	e->id = t->id;
	e->mask = t->mask;
	e->target = target;
	e->netns = t->netns;
	e->proto = t->proto;
	e->sport = t->sport;
	e->dport = t->dport;
	r->tail = tail + 1;
}

/* Reports the read of a packet whose slot is gone (reused by a new skb with the same head). */
static __always_inline void emit_read_of_entry(const struct sk_read_entry *e, __u64 mask, const struct skbscope_config *cfg,
					       __u64 now, __u32 pid)
{
	struct sks_track t = {};
	struct skb_fields s = {};
	struct probe_ctx px = {};
	t.head = e->key;
	t.id = e->id;
	t.netns = e->netns;
	/*
	 * No addresses are kept: ip_version 0 says "unknown address", which session filters let
	 * through (the packet is known by its id; its proto and ports stay).
	 */
	t.ip_version = 0;
	t.proto = e->proto;
	t.sport = e->sport;
	t.dport = e->dport;
	emit(P_sock_recv_length, &t, &s, mask, &px, now, cfg->sample_mask, pid);
}

/* sk_data_ready(sk): the socket was told about the packet being received on this CPU. */
static __always_inline int on_data_ready(struct sock *sk, const bool direct)
{
	struct skbscope_config *cfg = counted_run(P_sk_data_ready);
	if (!cfg)
		return 0;
	__u64 now = 0;
	struct sks_track *t = attributed(P_sk_data_ready, cfg, &now);
	if (!t || !(t->flags & EV_F_PORTS))
		return 0;
	if (t->dport != (direct ? sk->__sk_common.skc_num : BPF_CORE_READ(sk, __sk_common.skc_num)))
		return 0;
	t->delivered = 1;
	if (!(t->mask & cfg->active_sessions))
		return 0;
	emit_attributed(P_sk_data_ready, t, cfg, now, current_tgid(direct));
	if (!direct)
		return 0;
	if (sk->__sk_common.skc_state == TCP_LISTEN) {
		/*
		 * A listening socket is told that a connection is ready to accept (the handshake's last
		 * ACK): there is nothing to read, so the packet ends here, delivered.
		 */
		struct skb_fields s = {};
		struct probe_ctx px = {};
		emit(P_sock_recv_length, t, &s, t->mask & cfg->active_sessions, &px, now, cfg->sample_mask, current_tgid(direct));
		forget(t, t->head);
		return 0;
	}
	remember_delivery(sk, t);
	return 0;
}

SEC("tp_btf/sk_data_ready")
int tpb_sk_data_ready(__u64 *ctx) { return on_data_ready((struct sock *)ctx[0], true); }

/* raw_tp fallback: the delivery only (the reads need the typed socket). */
SEC("?raw_tp/sk_data_ready")
int rtp_sk_data_ready(struct bpf_raw_tracepoint_args *ctx) { return on_data_ready((struct sock *)ctx->args[0], false); }

struct read_ctx {
	struct sk_reads *r;
	struct skbscope_config *cfg;
	__u32 passed; /* TCP: copied_seq; UDP: reads */
	__u32 pid;
	__u64 now;
};

/* bpf_loop callback: pops the ring's oldest entry if the read passed it. */
static long read_one(__u32 i, void *data)
{
	struct read_ctx *c = data;
	struct sk_reads *r = c->r;
	__u32 head = r->head;
	if (head == r->tail)
		return 1;
	struct sk_read_entry *e = &r->e[head & (SK_READ_SLOTS - 1)];
	if ((__s32)(e->target - c->passed) > 0)
		return 1;
	r->head = head + 1;
	__u64 key = e->key;
	struct sks_track *slot = track_slot(key);
	if (!slot || slot->head != key || slot->id != e->id) {
		/*
		 * Its slot was reused: TCP frees a segment coalesced into the one before it with no
		 * tracepoint, and the freed head soon carries a new skb. The read still passed it, so it
		 * is reported (for a packet that ended otherwise the engine counts an untracked end).
		 */
		__u64 gone = e->mask & c->cfg->active_sessions;
		if (gone)
			emit_read_of_entry(e, gone, c->cfg, c->now, c->pid);
		return 0;
	}
	__u64 mask = slot->mask & c->cfg->active_sessions;
	if (mask) {
		struct skb_fields s = {};
		struct probe_ctx px = {};
		emit(P_sock_recv_length, slot, &s, mask, &px, c->now, c->cfg->sample_mask, c->pid);
	}
	forget(slot, key);
	return 0;
}

/* sock_recv_length(sk, ret, flags): the application's recvmsg on sk returned. */
SEC("tp_btf/sock_recv_length")
int tpb_sock_recv_length(__u64 *ctx)
{
	struct skbscope_config *cfg = counted_run(P_sock_recv_length);
	int ret = (int)ctx[1];
	int flags = (int)ctx[2];
	if (!cfg || ret < 0 || (flags & MSG_PEEK))
		return 0;
	struct sock *sk = (void *)ctx[0];
	__u64 key = (__u64)sk;
	struct sk_reads *r = bpf_map_lookup_elem(&sk_reads, &key);
	if (!r)
		return 0;
	struct read_ctx c = { .r = r, .cfg = cfg };
	if (sk->sk_protocol == IPPROTO_TCP) {
		const struct tcp_sock *tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
		c.passed = tp->copied_seq;
	} else {
		r->reads++;
		c.passed = (__u32)r->reads;
	}
	/* nothing traced waits unread (a read of left-out packets): no clock read, no loop */
	__u32 head = r->head;
	if (head == r->tail)
		return 0;
	/*
	 * Nor when the read did not pass the oldest traced packet waiting (most reads of a sampled TCP
	 * stream: the next traced segment is further on): the loop below would stop at it at once.
	 */
	if ((__s32)(r->e[head & (SK_READ_SLOTS - 1)].target - c.passed) > 0)
		return 0;
	c.now = bpf_ktime_get_ns();
	c.pid = bpf_get_current_task_btf()->tgid;
	bpf_loop(SK_READ_SLOTS, read_one, &c, 0);
	return 0;
}

#endif

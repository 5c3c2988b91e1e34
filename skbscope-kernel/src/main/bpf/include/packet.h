/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packets: identity (a direct-mapped table keyed by skb->head, as Retis keys by head), the 5-tuple
 * read once at first sight, the per-session mask, sampling, and the one function every skb-carrying
 * program calls, on_skb(), which emits at most one event per (program run, packet).
 */
#ifndef SKBSCOPE_PACKET_H
#define SKBSCOPE_PACKET_H

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/* Where the L3 header is on first sight. */
#define AT_DATA 0    /* receive path: eth_type_trans() has pulled the MAC header */
#define AT_NETWORK 1 /* everywhere else: skb->head + skb->network_header */
#define AT_NETWORK_RX 2 /* a receive birth where skb->data is the MAC header (tc ingress): L3 at
			   network_header, with the receive path's identity window and CPU attribution */

/* What the probe means for the packet's identity (probes.def role). */
#define K_MID 0
#define K_BIRTH 1   /* a new journey may start here: a different skb on a known head is a new packet */
#define K_END 2     /* the skb is freed: forget its head unless a clone still holds it */
#define K_DELIVER 3 /* handed to a socket; UDP has no tracepoint at its free, so a later birth on this
		       head is a new packet even when slab reuse gave it the same skb address */

/* When an event is stamped. */
#define STAMP_ENTRY 0     /* when the program starts (the default) */
#define STAMP_EXIT 1      /* just before the record is submitted: a stage's opening bracket */
#define STAMP_CORRECTED 2 /* at entry, less the measured cost of two adjacent programs: a stage's closing bracket */

/* Work a program does besides its event. */
#define ROLE_NONE 0
#define ROLE_OUTPUT_FIRST 1 /* first netfilter OUTPUT sight: emit the tied send-side events first */
#define ROLE_RX_HANDOFF 2   /* hands the packet to L4 (INPUT last): remember it for sk-only tracepoints */
#define ROLE_TC_EGRESS 4    /* the tc egress program: reports POSTROUTING where no program of ours ran there (nothing
			       but ours is registered on the hook, so none is linked), and, on a device without a
			       queue, driver_tx too (net_dev_start_xmit is not attached) */
#define ROLE_RX_DONE 8      /* POSTROUTING: routing is behind the packet; sk-only tracepoints are not its */
#define ROLE_RX_BIRTH 16    /* tc ingress where netif_receive_skb is not attached: report driver_napi first; where
			       PREROUTING runs nothing, report the hook after its own event (netns_seen.h) */
#define ROLE_INPUT_FIRST 32 /* INPUT's first program: where it is the hook's only one, it is also the last */
#define ROLE_ALSO_LAST 64   /* ... and reports nf_hook_last (the hand-off to L4) after its own event */
#define ROLE_TX_DONE 128    /* net_dev_xmit: report driver_tx first where nothing did (a device with a queue: the
			       driver took the packet after the qdisc, unseen) */

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* Whether a probe's programs are netfilter hook programs: one bit per probe, from the catalog. */
#define PROBE_NETFILTER_TRACEPOINT 0
#define PROBE_NETFILTER_TP_BTF 0
#define PROBE_NETFILTER_SYSCALL 0
#define PROBE_NETFILTER_NETFILTER 1
#define PROBE_NETFILTER_TCX 0
#define PROBE_NETFILTER_FENTRY 0
#define PROBE_NETFILTER_FEXIT 0
#define PROBE_NETFILTER_TIED 0
#define PROBE_NETFILTER_DERIVED 0
static __always_inline int probe_is_netfilter(__u16 probe)
{
	const __u64 bits = 0
#define PROBE(id, name, mechanism, node, role) | ((__u64)PROBE_NETFILTER_##mechanism << id)
#include "probes.def"
#undef PROBE
		;
	return probe < 64 && ((bits >> probe) & 1);
}

struct sks_track {
	__u64 head; /* the slot's owner: skb->head, 0 = empty */
	__u64 id;
	__u64 skb;
	__u64 mask;
	__u8 ip_version;
	__u8 proto;
	__u16 sport;
	__u16 dport;
	__u8 tcp_flags;
	__u8 flags;
	__u8 src[16];
	__u8 dst[16];
	__u8 delivered; /* reached a socket: its buffer comes back only as a new packet */
	__u8 counted;   /* traced while sampling: holds a count in sampled_heads */
	__u16 last_probe;
	__u32 tcp_end_seq; /* TCP: sequence number after this segment (set when handed to L4) */
	__u64 last_ts;
	__u32 netns;       /* where the packet was last seen: for events that carry no skb of their own */
	__u32 ifindex;
	__u8 last_hook;    /* NF_INET_* + 1 of its last netfilter event, 0 = none */
	__u8 pad2[7];
};

/* The packet this CPU is processing on its way in, to attribute sk-only tracepoints. */
struct sks_last_rx {
	__u64 head;
	__u64 ts;
};

/* Extra fields of one event. */
struct probe_ctx {
	__u32 reason;
	__u32 netns;   /* 0: from skb->dev */
	__u32 ifindex; /* 0: from skb->dev */
	__u8 hook;
	__u8 pf;
	__u8 verdict;
	__u8 evflags;  /* EV_F_HOOK, EV_F_VERDICT */
	__u8 stamp;    /* STAMP_* */
	__u8 role;     /* ROLE_* bits */
};

/* The netfilter hook of an event, as sks_track.last_hook keeps it: NF_INET_* + 1, 0 for none. */
static __always_inline __u8 hook_mark(const struct probe_ctx *px)
{
	return (px->evflags & EV_F_HOOK) ? px->hook + 1 : 0;
}

/*
 * Packet identities, direct-mapped by a hash of skb->head and overwritten on collision: an array
 * lookup is inlined by the verifier and inserting or forgetting is a plain store, where an LRU
 * hash cost a helper call per lookup, an eviction per insert once full (stale entries of packets
 * freed without a tracepoint fill it under a flood) and a delete per free. A collision loses the
 * older packet's identity, as an LRU eviction did; two CPUs racing on one slot can tear an entry,
 * which at worst misattributes one event.
 */
/*
 * How long a packet may wait between POSTROUTING and its device's queue and stay the same packet:
 * the neighbour layer holds it while ARP/ND resolves (one retransmission: 1 s by default).
 */
#define NEIGH_WAIT_NS 1500000000ULL
#define TRACK_SLOTS (1 << 16) /* the hash below yields 16 bits */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRACK_SLOTS);
	__type(key, __u32);
	__type(value, struct sks_track);
} tracks SEC(".maps");

static __always_inline struct sks_track *track_slot(__u64 head)
{
	/*
	 * A u64 key whose low half (little-endian) is the 16-bit slot: the verifier types a hash of
	 * the BTF-typed head pointer as a pointer, which may be spilled as 8 bytes but not as the
	 * array's 4-byte key.
	 */
	__u64 idx = head_slot_index(head, 16) & (TRACK_SLOTS - 1);
	return bpf_map_lookup_elem(&tracks, &idx);
}

/*
 * While sampling, how many traced packets own a buffer whose address hashes to each counter. A
 * packet's end (consume_skb, kfree_skb) usually runs on the receiving CPU, where its headers are
 * no longer in cache: deciding "left out" from them cost ~200 ns per packet. A zero here says
 * the same from 16 KiB that stay cached, with no header read and no identity lookup.
 */
#define SAMPLED_COUNTERS 4096
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SAMPLED_COUNTERS);
	__type(key, __u32);
	__type(value, __u32);
} sampled_heads SEC(".maps");

static __always_inline __u32 *sampled_count(__u64 head)
{
	/* a u64 key, as in track_slot(): a hash of the head pointer is still a pointer to the verifier */
	__u64 idx = ((head * 0xC2B2AE3D27D4EB4FULL) >> 52) & (SAMPLED_COUNTERS - 1);
	return bpf_map_lookup_elem(&sampled_heads, &idx);
}

static __always_inline void sampled_add(__u64 head, int delta)
{
	__u32 *c = sampled_count(head);
	if (c)
		__sync_fetch_and_add(c, delta);
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sks_last_rx);
} rx_current SEC(".maps");

static __always_inline void rx_set(__u64 head, __u64 now)
{
	__u32 zero = 0;
	struct sks_last_rx *rx = bpf_map_lookup_elem(&rx_current, &zero);
	if (rx) {
		rx->head = head;
		rx->ts = now;
	}
}

/*
 * The packet this CPU received reaches POSTROUTING: the lookups that follow (the neighbour's
 * ARP/ND solicitation checks its source address with a FIB lookup) are not its routing.
 */
static __always_inline void rx_done(__u64 head)
{
	__u32 zero = 0;
	struct sks_last_rx *rx = bpf_map_lookup_elem(&rx_current, &zero);
	if (rx && rx->head == head)
		rx->head = 0;
}

static __always_inline int prefix_ok(__u8 want_ver, const __u64 *net, const __u64 *mask, __u8 ver, const __u8 *addr)
{
	__u64 a0, a1;
	if (want_ver != ver)
		return 0;
	__builtin_memcpy(&a0, addr, 8);
	__builtin_memcpy(&a1, addr + 8, 8);
	return (a0 & mask[0]) == net[0] && (a1 & mask[1]) == net[1];
}

struct mask_ctx {
	const struct sks_track *t;
	__u64 mask;   /* in: candidate sessions; out: matching sessions */
	__u32 ifindex;
	__u32 netns;
};

/* bpf_loop callback: clears session i from ctx->mask unless its packet fields match. */
static long packet_match_one(__u32 i, void *data)
{
	struct mask_ctx *c = data;
	const struct sks_track *t = c->t;
	if (i >= SKBSCOPE_MAX_SESSIONS || !(c->mask & (1ULL << i)))
		return 0;
	__u32 k = i;
	struct skbscope_filter *f = bpf_map_lookup_elem(&sessions, &k);
	if (!f)
		goto miss;
	__u32 fl = f->flags;
	if (!(fl & (F_PROTO | F_SRC | F_DST | F_HOST | F_SPORT | F_DPORT | F_PORT)))
		return 0;
	if (!t->ip_version)
		goto miss;
	if ((fl & F_PROTO) && t->proto != f->proto)
		goto miss;
	if ((fl & F_SRC) && !prefix_ok(f->src_ver, f->src_net, f->src_mask, t->ip_version, t->src))
		goto miss;
	if ((fl & F_DST) && !prefix_ok(f->dst_ver, f->dst_net, f->dst_mask, t->ip_version, t->dst))
		goto miss;
	if ((fl & F_HOST) && !prefix_ok(f->host_ver, f->host_net, f->host_mask, t->ip_version, t->src) &&
	    !prefix_ok(f->host_ver, f->host_net, f->host_mask, t->ip_version, t->dst))
		goto miss;
	if (fl & (F_SPORT | F_DPORT | F_PORT)) {
		if (!(t->flags & EV_F_PORTS))
			goto miss;
		if ((fl & F_SPORT) && t->sport != f->sport)
			goto miss;
		if ((fl & F_DPORT) && t->dport != f->dport)
			goto miss;
		if ((fl & F_PORT) && t->sport != f->port && t->dport != f->port)
			goto miss;
	}
	return 0;
miss:
	c->mask &= ~(1ULL << i);
	return 0;
}

/* Sessions whose packet fields (proto, addresses, ports) match; evaluated once per packet. */
static __always_inline __u64 packet_mask(const struct sks_track *t, __u64 active, __u32 nr_slots)
{
	struct mask_ctx c = { .t = t, .mask = active };
	if (active)
		bpf_loop(nr_slots, packet_match_one, &c, 0);
	return c.mask;
}

/* bpf_loop callback: clears session i if its ifindex/netns filter contradicts this event. */
static long device_match_one(__u32 i, void *data)
{
	struct mask_ctx *c = data;
	if (i >= SKBSCOPE_MAX_SESSIONS || !(c->mask & (1ULL << i)))
		return 0;
	__u32 k = i;
	struct skbscope_filter *f = bpf_map_lookup_elem(&sessions, &k);
	if (!f)
		return 0;
	if (((f->flags & F_IFINDEX) && c->ifindex && c->ifindex != f->ifindex) ||
	    ((f->flags & F_NETNS) && c->netns && c->netns != f->netns))
		c->mask &= ~(1ULL << i);
	return 0;
}

static __always_inline __u64 device_mask(__u64 mask, __u32 ifindex, __u32 netns, __u32 nr_slots)
{
	struct mask_ctx c = { .mask = mask, .ifindex = ifindex, .netns = netns };
	if (mask)
		bpf_loop(nr_slots, device_match_one, &c, 0);
	return c.mask;
}

/* The sessions an event of packet t at (ifindex, netns) goes to. */
static __always_inline __u64 event_mask(const struct sks_track *t, const struct skbscope_config *cfg, __u32 ifindex,
					__u32 netns)
{
	__u64 mask = t->mask & cfg->active_sessions;
	if (mask & cfg->device_sessions)
		mask = device_mask(mask, ifindex, netns, cfg->nr_slots);
	return mask;
}

/*
 * Reads the 5-tuple of a packet seen for the first time, with one probe read of the first 64
 * bytes from L3 (past a short packet's end is still inside the head buffer: skb_shared_info).
 */
static __always_inline void parse(struct sks_track *t, unsigned char *head, unsigned char *data, __u16 nh,
				  __u16 protocol, int where)
{
	unsigned char *l3 = (where == AT_DATA || nh == (__u16)~0U) ? data : head + nh;
	__u8 h[64];
	if (bpf_probe_read_kernel(h, sizeof(h), l3))
		return;
	__u8 l4proto;
	__u8 l4[14];
	if ((h[0] >> 4) == 4 && protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)h;
		t->ip_version = 4;
		t->proto = ip->protocol;
		__builtin_memcpy(t->src, &ip->saddr, 4);
		__builtin_memcpy(t->dst, &ip->daddr, 4);
		if (ip->frag_off & bpf_htons(0x1fff))
			return;
		l4proto = ip->protocol;
		__u32 ihl = (h[0] & 0xf) * 4;
		if (ihl == 20)
			__builtin_memcpy(l4, h + 20, sizeof(l4));
		else if (ihl < 20 || bpf_probe_read_kernel(l4, sizeof(l4), l3 + ihl))
			return;
	} else if ((h[0] >> 4) == 6 && protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)h;
		t->ip_version = 6;
		t->proto = ip6->nexthdr;
		__builtin_memcpy(t->src, &ip6->saddr, 16);
		__builtin_memcpy(t->dst, &ip6->daddr, 16);
		l4proto = ip6->nexthdr;
		__builtin_memcpy(l4, h + 40, sizeof(l4));
	} else {
		return;
	}
	if (l4proto != IPPROTO_TCP && l4proto != IPPROTO_UDP)
		return;
	t->sport = (l4[0] << 8) | l4[1];
	t->dport = (l4[2] << 8) | l4[3];
	t->flags |= EV_F_PORTS;
	if (l4proto == IPPROTO_TCP) {
		t->tcp_flags = l4[13];
		t->flags |= EV_F_TCP_FLAGS;
	}
}

struct skb_fields {
	unsigned char *head;
	unsigned char *data;
	__u16 nh;
	__u16 protocol;
	__u32 len;
	__u32 ifindex;
	__u32 netns;
};

/* Direct (BTF-typed) reads: tp_btf, fentry, netfilter and tcx programs. */
static __always_inline void read_direct(struct sk_buff *skb, struct skb_fields *s, const bool with_dev)
{
	s->head = skb->head;
	s->data = skb->data;
	s->nh = skb->network_header;
	s->protocol = skb->protocol;
	s->len = skb->len;
	if (!with_dev)
		return;
	struct net_device *dev = skb->dev;
	if (dev) {
		s->ifindex = dev->ifindex;
		s->netns = dev->nd_net.net->ns.inum;
	}
}

/* Probe reads: raw_tp. */
static __always_inline void read_core(struct sk_buff *skb, struct skb_fields *s, const bool with_dev)
{
	s->head = BPF_CORE_READ(skb, head);
	s->data = BPF_CORE_READ(skb, data);
	s->nh = BPF_CORE_READ(skb, network_header);
	s->protocol = BPF_CORE_READ(skb, protocol);
	s->len = BPF_CORE_READ(skb, len);
	if (!with_dev)
		return;
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		s->ifindex = BPF_CORE_READ(dev, ifindex);
		s->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	}
}

/*
 * Whether a packet is left out while one in (mask + 1) is traced. The choice must be the same at
 * every probe of the packet's journey and must cost a left-out packet no clock read, no identity
 * lookup and no record, so it is a hash of header fields that differ from packet to packet and
 * that nothing on the path rewrites: the IPv4 id, or the IPv6 flow label with the TCP sequence
 * number / UDP checksum. Buffer addresses won't do: slab reuse hands the same few buffers out
 * again and again, and the choice would follow the buffers, not the packets. The headers are
 * read with plain loads (bpf_rdonly_cast: fault-safe, inlined), not a helper call per probe.
 */
static __always_inline int sampled_out(struct sk_buff *skb, unsigned char *head, int where, __u32 mask,
				       const bool direct)
{
	if (!mask)
		return 0;
	unsigned char *data;
	__u16 nh;
	if (direct) {
		data = skb->data;
		nh = skb->network_header;
	} else {
		data = BPF_CORE_READ(skb, data);
		nh = BPF_CORE_READ(skb, network_header);
	}
	unsigned char *l3 = (where == AT_DATA || nh == (__u16)~0U) ? data : head + nh;
	__u32 x;
	if (direct) {
		const struct iphdr *ip = bpf_rdonly_cast(l3, bpf_core_type_id_kernel(struct iphdr));
		__u8 ver = ip->version;
		if (ver == 4) {
			x = ip->id | (__u32)ip->protocol << 16;
		} else if (ver == 6) {
			const struct ipv6hdr *ip6 = bpf_rdonly_cast(l3, bpf_core_type_id_kernel(struct ipv6hdr));
			const struct tcphdr *th = bpf_rdonly_cast(l3 + 40, bpf_core_type_id_kernel(struct tcphdr));
			x = *(const __u32 *)ip6 ^ (ip6->nexthdr == IPPROTO_TCP ? th->seq : th->source ^ th->dest);
			if (ip6->nexthdr == IPPROTO_UDP)
				x ^= ((const struct udphdr *)bpf_rdonly_cast(l3 + 40, bpf_core_type_id_kernel(struct udphdr)))->check;
		} else {
			return 0; /* not IP: rare enough to trace every one */
		}
	} else {
		__u8 h[8];
		if (bpf_probe_read_kernel(h, sizeof(h), l3))
			return 0;
		__u32 a, b;
		__builtin_memcpy(&a, h, 4);
		__builtin_memcpy(&b, h + 4, 4);
		x = (h[0] >> 4) == 4 ? b : a ^ b;
	}
	return (((__u64)x * 0x9E3779B97F4A7C15ULL) >> 40) & mask;
}

static __always_inline __u32 current_tgid(const bool direct)
{
	if (direct)
		return bpf_get_current_task_btf()->tgid;
	return bpf_get_current_pid_tgid() >> 32;
}

/*
 * Writes one event. STAMP_EXIT events take their time last, after the record is filled, so that
 * a bracket measures what runs between two programs and not the programs' own work.
 * @return the event's timestamp, 0 when the ring was full
 */
static __always_inline __u64 emit(__u16 probe, const struct sks_track *t, const struct skb_fields *s, __u64 mask,
				  const struct probe_ctx *px, __u64 ts, __u32 sample_mask, __u32 pid)
{
	bump(&matched, probe);
	struct skbscope_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		bump(&lost, 0);
		return 0;
	}
	e->skb_id = t->id;
	e->session_mask = mask;
	e->netns = s->netns ? s->netns : t->netns;
	e->ifindex = s->netns ? s->ifindex : t->ifindex;
	e->len = s->len;
	e->drop_reason = px->reason;
	e->pid = pid;
	e->probe = probe;
	e->cpu = bpf_get_smp_processor_id();
	e->hook = px->hook;
	e->verdict = px->verdict;
	e->pf = px->pf;
	e->ip_version = t->ip_version;
	e->proto = t->proto;
	e->sport = t->sport;
	e->dport = t->dport;
	__builtin_memcpy(e->src, t->src, 16);
	__builtin_memcpy(e->dst, t->dst, 16);
	e->tcp_flags = t->tcp_flags;
	e->flags = t->flags | px->evflags;
	e->weight = sample_mask + 1;
	if (px->stamp == STAMP_EXIT)
		ts = bpf_ktime_get_ns();
	e->ts_ns = ts;
	/*
	 * Never wake the reader: it looks every 5 ms, and 5 ms of even a saturated ring's input fits
	 * in its 32 MiB; a wake-up decision cost a helper call (and a read of the consumer's cache
	 * line) per event.
	 */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return ts;
}

/*
 * The hook's first event where no program of ours is linked at the hook (nothing else runs there) and
 * a tc program, which runs next to it with nothing between, reports it at its own instant.
 */
static __always_inline void emit_hook_stand_in(__u8 hook, const struct sks_track *t, const struct skb_fields *s,
					       __u64 mask, __u64 ts, __u32 sample_mask, __u32 pid)
{
	const struct probe_ctx pp = {
		.hook = hook,
		.pf = t->ip_version == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4,
		.evflags = EV_F_HOOK,
	};
	emit(P_nf_hook_first, t, s, mask, &pp, ts, sample_mask, pid);
}

/* Forgets the packet in slot (its end, or its read, was reported). */
static __always_inline void forget(struct sks_track *slot, __u64 key)
{
	if (slot->head != key)
		return;
	if (slot->counted)
		sampled_add(key, -1);
	slot->head = 0;
}

/*
 * Whether the device transmits without a queue (veth, loopback, tunnels, any device given the noqueue
 * qdisc): __dev_queue_xmit() then goes from the tc egress program straight to the driver (only
 * validate_xmit_skb() between), and the tc egress program's instant is driver_tx's too. Read from
 * the first transmit queue's qdisc, not dev->qdisc: a multiqueue device's root (mq) has no enqueue
 * of its own while its queues' qdiscs do.
 */
static __always_inline int dev_noqueue(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	if (!dev)
		return 0;
	struct netdev_queue *txq = dev->_tx;
	if (!txq)
		return 0;
	struct Qdisc *q = txq->qdisc;
	return q && !q->enqueue;
}

#include "l4.h"
#include "netns_seen.h"
#include "../socket/send_ties.h"

/*
 * The second half: a packet some session traces. Identity, the session mask, one event.
 * The constant arguments (probe, kind, where, px, direct) fold away per program.
 */
static __always_inline int on_packet(struct sk_buff *skb, __u16 probe, int kind, int where, const struct probe_ctx *px,
				     const bool direct, const struct skbscope_config *cfg, __u64 key, __u64 entry_ts)
{
	/*
	 * Once a socket owns the skb, skb->dev shares its storage with dev_scratch (UDP keeps its
	 * own data there): following it would fault, at microseconds a time. L2/L3 probes only.
	 */
	const bool with_dev = kind != K_END && kind != K_DELIVER && probe != P_sock_rcvqueue_full &&
			      probe != P_udp_fail_queue_rcv_skb && !px->netns;
	const __u32 sample_mask = cfg->sample_mask;
	struct skb_fields s = {};
	if (direct)
		read_direct(skb, &s, with_dev);
	else
		read_core(skb, &s, with_dev);
	if (px->netns) {
		s.netns = px->netns;
		s.ifindex = px->ifindex;
	}
	struct sks_track *slot = track_slot(key);
	if (!slot)
		return 0;
	/* a flag, not a maybe-NULL pointer: the verifier can't refine a comparison with the head pointer */
	const int found = slot->head == key;
	/*
	 * The engine ignores the end of a packet it never saw: don't parse what is being freed, and don't
	 * read the clock for it (most frees are of buffers no session traces, or of packets whose read
	 * already ended them: TCP's received segments).
	 */
	if (!found && kind == K_END)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	struct sks_track cur;
	int known = 0;
	if (found) {
		__builtin_memcpy(&cur, slot, sizeof(cur));
		/*
		 * Another skb on the packet's buffer is freed: a clone ends, not the packet. The
		 * neighbour layer frees such a clone of a packet it holds while ARP/ND resolves
		 * (neigh_probe), a tap frees its copy: taken for the packet's end, they split its
		 * journey and the packet's own transmit then looked like a new outbound packet.
		 */
		if (kind == K_END && cur.skb != (__u64)skb)
			return 0;
		/*
		 * The entry may be stale: its packet was freed where no tracepoint fires (TCP ACKs,
		 * skbs eaten by recvmsg) and slab reuse brought back the same buffer, even the same skb.
		 * A delivered packet never goes back down the stack; a journey continues at a birth
		 * point only as the same skb, soon after its last event (forwarding, veth crossing), or
		 * as the clone TCP retransmits.
		 */
		if (cur.delivered)
			known = kind == K_DELIVER || kind == K_END;
		else if (kind == K_BIRTH && cur.last_hook == NF_INET_LOCAL_IN + 1) {
			/*
			 * Handed to local delivery: the packet never comes back down the stack as itself. A TCP
			 * ACK ends in tcp_ack() with no tracepoint, and the sender's next skb, on the same
			 * buffer and the same skb, was taken for it and inherited its identity and its session
			 * mask (HeaderDropsKernelTest: one datagram of 40 seen by no program, hidden behind a
			 * loopback ACK of the test's own HTTP polling). A tunnel's decapsulated inner packet is
			 * a new packet too: its addresses are not the outer one's.
			 */
			known = 0;
		} else if (kind == K_BIRTH) {
			__u64 window = where == AT_NETWORK ? 50000ULL : 100000000ULL;
			/* the same skb from OUTPUT, FORWARD or POSTROUTING to its device, held while ARP/ND resolves */
			if ((probe == P_tcx_egress || probe == P_net_dev_queue) && probe_is_netfilter(cur.last_probe) &&
			    cur.last_hook != NF_INET_PRE_ROUTING + 1)
				window = NEIGH_WAIT_NS;
			known = (cur.skb == (__u64)skb || cur.last_probe == P_tcp_retransmit_skb) && now - cur.last_ts < window;
		}
		else
			known = 1;
	}
	/*
	 * veth (and other software devices) hand the skb to the peer with netif_rx() from inside
	 * ndo_start_xmit, before net_dev_xmit fires: reported, it would put the peer's receive
	 * queue between driver_tx and nic. The peer's netif_receive_skb shows the receive.
	 */
	if (known && probe == P_netif_rx && cur.last_probe == P_net_dev_start_xmit)
		return 0;
	if (known) {
		if (kind == K_DELIVER)
			slot->delivered = 1;
		if (kind == K_MID || kind == K_BIRTH)
			slot->skb = (__u64)skb; /* the skb that carries the packet now (TCP sends a clone) */
		slot->last_probe = probe;
		slot->last_ts = now;
		if (px->evflags & EV_F_HOOK)
			slot->last_hook = hook_mark(px);
		if (s.netns) {
			slot->netns = s.netns;
			slot->ifindex = s.ifindex;
		}
	} else {
		__builtin_memset(&cur, 0, sizeof(cur));
		/* Retis-like identity: the data buffer plus when we first saw it */
		cur.head = key;
		cur.id = (key ^ (now * 0x9E3779B97F4A7C15ULL)) | 1;
		cur.skb = (__u64)skb;
		cur.last_probe = probe;
		cur.last_ts = now;
		cur.netns = s.netns;
		cur.ifindex = s.ifindex;
		cur.last_hook = hook_mark(px);
		parse(&cur, s.head, s.data, s.nh, s.protocol, where);
		cur.mask = packet_mask(&cur, cfg->active_sessions, cfg->nr_slots);
		if (kind != K_END) {
			if (slot->head && slot->counted)
				sampled_add(slot->head, -1);
			/*
			 * Counted only for some session: a packet no session wants emits nothing, its end
			 * included, and the counts of such packets that end with no tracepoint (TCP's bare ACKs
			 * and coalesced segments of every other flow in scope) kept counters set and sent frees
			 * of left-out packets to the identity lookup for nothing.
			 */
			cur.counted = sample_mask != 0 && cur.mask != 0;
			if (cur.counted)
				sampled_add(key, 1);
			__builtin_memcpy(slot, &cur, sizeof(cur));
		}
	}
	struct sks_track *t = &cur;
	if (kind == K_BIRTH && where != AT_NETWORK)
		rx_set(key, now);
	if (px->role & ROLE_RX_HANDOFF) {
		rx_set(key, now);
		if (t->proto == IPPROTO_TCP && slot->head == key)
			slot->tcp_end_seq = tcp_end_seq(skb, s.head, s.nh, t->ip_version);
	}
	if (px->role & ROLE_RX_DONE)
		rx_done(key);
	/*
	 * The tc egress program after OUTPUT or FORWARD with no POSTROUTING event between: no program of
	 * ours is linked at POSTROUTING in this namespace because nothing else runs there (netns_seen.h),
	 * so nothing changed or could drop the packet on the way here and this is POSTROUTING's instant
	 * too (reported below). On a device without a queue the driver's start is this instant as well.
	 */
	const int post_here = (px->role & ROLE_TC_EGRESS) && known &&
			      (cur.last_hook == NF_INET_LOCAL_OUT + 1 || cur.last_hook == NF_INET_FORWARD + 1);
	const int tx_noqueue = direct && (px->role & ROLE_TC_EGRESS) && dev_noqueue(skb);
	/* the tc ingress program, where PREROUTING runs nothing: it reports the hook too (netns_seen.h) */
	const int pre_here = direct && (px->role & ROLE_RX_BIRTH) && prerouting_unhooked(skb);
	if (slot->head == key) {
		if (post_here)
			slot->last_hook = NF_INET_POST_ROUTING + 1;
		if (tx_noqueue)
			slot->last_probe = P_net_dev_start_xmit;
		if (pre_here)
			slot->last_hook = NF_INET_PRE_ROUTING + 1;
	}
	if (post_here)
		rx_done(key);
	const __u32 pid = current_tgid(direct);
	__u64 mask = event_mask(t, cfg, s.ifindex, s.netns);
	if (px->role & ROLE_OUTPUT_FIRST)
		send_ties_emit(skb, key, t, &s, mask, cfg, now, pid, !known);
	__u64 ts = now;
	if (px->stamp == STAMP_CORRECTED && known) {
		/* a stage's closing bracket: what two adjacent programs cost is not the stage's time */
		__u64 corrected = entry_ts - cfg->bracket_ns;
		ts = corrected > cur.last_ts && corrected <= entry_ts ? corrected : cur.last_ts;
	}
	if (mask) {
		/*
		 * netif_receive_skb fires in __netif_receive_skb_core just before tc ingress, with only
		 * the packet taps between: where every interface in scope has the tc program, it reports
		 * the receive too, at the same time, and the tracepoint is not attached (a run saved).
		 */
		if (px->role & ROLE_RX_BIRTH)
			emit(P_netif_receive_skb, t, &s, mask, px, ts, sample_mask, pid);
		/*
		 * net_dev_start_xmit is not attached where tc programs run: on a device without a queue the
		 * tc egress program reports driver_tx (below); on one with a queue the driver's start is
		 * unseen, and its end reports driver_tx first, at the same time (the qdisc's wait and the
		 * driver's work are then tc_egress's time).
		 */
		if ((px->role & ROLE_TX_DONE) && !(known && cur.last_probe == P_net_dev_start_xmit))
			emit(P_net_dev_start_xmit, t, &s, mask, px, ts, sample_mask, pid);
		if (post_here)
			emit_hook_stand_in(NF_INET_POST_ROUTING, t, &s, mask, ts, sample_mask, pid);
		__u64 at = emit(probe, t, &s, mask, px, ts, sample_mask, pid);
		if (tx_noqueue)
			emit(P_net_dev_start_xmit, t, &s, mask, px, ts, sample_mask, pid);
		if (pre_here)
			emit_hook_stand_in(NF_INET_PRE_ROUTING, t, &s, mask, ts, sample_mask, pid);
		if (px->stamp == STAMP_EXIT && at && slot->head == key)
			slot->last_ts = at; /* the closing bracket measures from here */
		/*
		 * INPUT's first program where nothing else runs at INPUT: the packet goes to L4 right
		 * after it, so it reports the hand-off too, at the same time (the last program is not linked).
		 */
		if (px->role & ROLE_ALSO_LAST)
			emit(P_nf_hook_last, t, &s, mask, px, ts, sample_mask, pid);
	}
	if (kind == K_END && known) {
		__u8 cloned = 0;
		if (direct)
			cloned = skb->cloned;
		else
			cloned = BPF_CORE_READ_BITFIELD_PROBED(skb, cloned);
		if (!cloned)
			forget(slot, key);
	}
	return 0;
}

/*
 * The sampling decision of the packet this CPU's programs last looked at, keyed by its skb and
 * buffer. A packet runs from its first program to its last on one CPU in one go (the send path in
 * the sender's context and its softirq, the receive path from NAPI to the socket), so the programs
 * after the first find its answer here: a percpu-array lookup (inlined) and two compares, with no
 * header read. Births decide afresh (a new packet may come on a recycled skb and buffer); a packet
 * that moves to another CPU between two programs (a qdisc dequeued elsewhere, a socket's reader)
 * misses and decides from its headers, as before, to the same answer.
 */
struct sks_verdict {
	__u64 skb;
	__u64 head;
	__u32 out; /* 1: left out by sampling */
	__u32 sample_mask; /* the mask it was decided under: a new mask decides afresh */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sks_verdict);
} verdict_cache SEC(".maps");

/*
 * The first half of every skb-carrying program: count the run, then whether the packet is traced.
 * A packet left out by sampling costs no more than this: the config, the skb's head, the verdict
 * cache (or, at its first sight on this CPU, its IP header's id), and no clock read, identity
 * lookup, map write shared between CPUs or atomic. Returns the config for a traced packet, NULL
 * otherwise; *keyp is its skb->head.
 */
static __always_inline struct skbscope_config *packet_wanted(struct sk_buff *skb, int kind, int where, __u8 role,
								const bool direct, __u64 *keyp)
{
	if (!skb)
		return NULL;
	__u32 zero = 0;
	struct skbscope_config *cfg = bpf_map_lookup_elem(&sks_config, &zero);
	if (!cfg || !cfg->active_sessions)
		return NULL;
	__u64 key = direct ? (__u64)skb->head : (__u64)BPF_CORE_READ(skb, head);
	if (!key)
		return NULL;
	*keyp = key;
	const __u32 sample_mask = cfg->sample_mask;
	if (!sample_mask)
		return cfg;
	if (kind == K_END) {
		/* only the ends of traced packets matter, and the counters say whether this can be one */
		__u32 *c = sampled_count(key);
		return c && *c ? cfg : NULL;
	}
	struct sks_verdict *v = bpf_map_lookup_elem(&verdict_cache, &zero);
	int out;
	if (v && kind != K_BIRTH && v->skb == (__u64)skb && v->head == key && v->sample_mask == sample_mask) {
		out = v->out;
	} else {
		out = sampled_out(skb, (unsigned char *)key, where, sample_mask, direct);
		if (v) {
			v->skb = (__u64)skb;
			v->head = key;
			v->out = out;
			v->sample_mask = sample_mask;
		}
	}
	if (!out)
		return cfg;
	if (kind == K_BIRTH && where != AT_NETWORK)
		rx_set(0, 0); /* sk-only tracepoints that follow belong to this left-out packet */
	if (role & ROLE_OUTPUT_FIRST)
		send_ties_drop(skb, key);
	return NULL;
}

/*
 * The work of every skb-carrying program: sampling, identity, the session mask, one event.
 * The constant arguments (probe, kind, where, px, direct) fold away per program.
 */
static __always_inline int on_skb(struct sk_buff *skb, __u16 probe, int kind, int where, const struct probe_ctx *px,
				  const bool direct)
{
	bump(&hits, probe);
#ifdef SKBSCOPE_EMPTY_PROGRAMS
	return 0; /* the overhead bench's "empty" condition: what attaching alone costs */
#endif
	/* a stage's closing bracket is stamped first thing, as the calibration pair measured it */
	const __u64 entry_ts = px->stamp == STAMP_CORRECTED ? bpf_ktime_get_ns() : 0;
	__u64 key = 0;
	struct skbscope_config *cfg = packet_wanted(skb, kind, where, px->role, direct, &key);
	if (!cfg)
		return 0;
	return on_packet(skb, probe, kind, where, px, direct, cfg, key, entry_ts);
}

/*
 * An sk-only tracepoint (fib lookup, sk_data_ready) attributed to the packet this CPU's receive
 * path is processing, if it is recent and its addresses/ports agree. Returns the packet's slot
 * (NULL if none) so the caller can do more with it; *now is the clock (read here if 0).
 */
static __always_inline struct sks_track *attributed(__u16 probe, const struct skbscope_config *cfg, __u64 *now)
{
	__u32 zero = 0;
	struct sks_last_rx *cur = bpf_map_lookup_elem(&rx_current, &zero);
	/* no packet, or a left-out one: no clock read */
	if (!cur || !cur->head)
		return NULL;
	if (!*now)
		*now = bpf_ktime_get_ns();
	if (*now - cur->ts > 200000)
		return NULL;
	__u64 key = cur->head;
	struct sks_track *t = track_slot(key);
	if (!t || t->head != key)
		return NULL;
	return t;
}

static __always_inline void emit_attributed(__u16 probe, struct sks_track *t, const struct skbscope_config *cfg,
					    __u64 now, __u32 pid)
{
	__u64 mask = t->mask & cfg->active_sessions;
	if (!mask)
		return;
	struct skb_fields s = {};
	struct probe_ctx px = {};
	t->last_probe = probe;
	t->last_ts = now;
	emit(probe, t, &s, mask, &px, now, cfg->sample_mask, pid);
}

#endif

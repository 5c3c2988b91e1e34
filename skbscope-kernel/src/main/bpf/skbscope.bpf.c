// SPDX-License-Identifier: GPL-2.0
/*
 * skbscope live tracing: one event per (probe, packet) for packets some live session wants.
 *
 * Build: scripts/build-bpf.sh (generates vmlinux.h from this machine's BTF, compiles CO-RE,
 * writes skbscope-kernel/src/main/resources/bpf/skbscope.bpf.o, which is committed).
 *
 * Programs come in variants, the loader picks the first that loads and attaches:
 *   tp_btf/<tp>  (typed, direct reads, cheapest)  ->  raw_tp/<tp> ("?": not autoloaded)
 * Kernel functions (fentry/fexit) are all "?": the loader probes each one and reports the
 * kernel's refusal per node instead of failing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "skbscope_event.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/* Where the L3 header is on first sight. */
#define AT_DATA 0    /* receive path: eth_type_trans() has pulled the MAC header */
#define AT_NETWORK 1 /* everywhere else: skb->head + skb->network_header */

/* What the probe means for the packet's identity. */
#define K_MID 0
#define K_BIRTH 1 /* a new journey may start here: a different skb on a known head is a new packet */
#define K_END 2   /* the skb is freed: forget its head unless a clone still holds it */
#define K_DELIVER 3 /* handed to a socket; UDP has no tracepoint at its free, so a later birth on this
		       head is a new packet even when slab reuse gave it the same skb address */

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
	__u64 last_ts;
};

struct sks_last_rx {
	__u64 head;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

/*
 * Packet identities, direct-mapped by a hash of skb->head and overwritten on collision: an array
 * lookup is inlined by the verifier and inserting or forgetting is a plain store, where the LRU
 * hash cost a helper call per lookup, an eviction per insert once full (stale entries of packets
 * freed without a tracepoint fill it under a flood) and a delete per free. A collision loses the
 * older packet's identity, as an LRU eviction did; two CPUs racing on one slot can tear an entry,
 * which at worst misattributes one event.
 */
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
	__u64 idx = ((head * 0x9E3779B97F4A7C15ULL) >> 48) & (TRACK_SLOTS - 1);
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
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SKBSCOPE_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct skbscope_filter);
} sessions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct skbscope_config);
} sks_config SEC(".maps");

/* Per probe, every invocation (multifunction counts) and every event some session wanted. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, P_MAX);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, P_MAX);
	__type(key, __u32);
	__type(value, __u64);
} matched SEC(".maps");

/* Events the ring buffer had no room for. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* The packet this CPU's receive softirq is working on, to attribute sk-only tracepoints. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sks_last_rx);
} rx_current SEC(".maps");

static __always_inline void bump(void *map, __u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(map, &idx);
	if (v)
		*v += 1;
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
	__u8 cloned;
};

/* Direct (BTF-typed) reads: tp_btf and fentry. */
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

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

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

static __always_inline int emit(__u16 probe, const struct sks_track *t, struct skb_fields *s, __u64 mask, __u32 reason,
				__u8 hook, __u8 verdict, __u64 now, __u32 sample_mask)
{
	bump(&matched, probe);
	struct skbscope_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		bump(&lost, 0);
		return 0;
	}
	e->ts_ns = now;
	e->skb_id = t->id;
	e->session_mask = mask;
	e->netns = s->netns;
	e->ifindex = s->ifindex;
	e->len = s->len;
	e->drop_reason = reason;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->probe = probe;
	e->cpu = bpf_get_smp_processor_id();
	e->hook = hook;
	e->verdict = verdict;
	e->ip_version = t->ip_version;
	e->proto = t->proto;
	e->sport = t->sport;
	e->dport = t->dport;
	__builtin_memcpy(e->src, t->src, 16);
	__builtin_memcpy(e->dst, t->dst, 16);
	e->tcp_flags = t->tcp_flags;
	e->flags = t->flags;
	e->weight = sample_mask + 1;
	/*
	 * Never wake the reader: it looks every 5 ms, and 5 ms of even a saturated ring's input fits
	 * in its 32 MiB; a wake-up decision cost a helper call (and a read of the consumer's cache
	 * line) per event.
	 */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

static __always_inline int on_skb(struct sk_buff *skb, __u16 probe, int kind, int where, __u32 reason, __u8 hook,
				  __u8 verdict, const bool direct)
{
	bump(&hits, probe);
#ifdef SKBSCOPE_EMPTY_PROGRAMS
	return 0; /* the overhead bench's "empty" condition: what attaching alone costs */
#endif
	if (!skb)
		return 0;
	__u32 zero = 0;
	struct skbscope_config *cfg = bpf_map_lookup_elem(&sks_config, &zero);
	if (!cfg || !cfg->active_sessions)
		return 0;
	/*
	 * Once a socket owns the skb, skb->dev shares its storage with dev_scratch (UDP keeps its
	 * own data there): following it would fault, at microseconds a time. L2/L3 probes only.
	 */
	const bool with_dev = kind != K_END && kind != K_DELIVER && probe != P_SOCK_RCVQUEUE_FULL &&
			      probe != P_UDP_FAIL_QUEUE_RCV_SKB;
	__u64 key = direct ? (__u64)skb->head : (__u64)BPF_CORE_READ(skb, head);
	if (!key)
		return 0;
	const __u32 sample_mask = cfg->sample_mask;
	if (kind == K_END && sample_mask) {
		/* only the ends of traced packets matter, and the counters say whether this can be one */
		__u32 *c = sampled_count(key);
		if (!c || !*c)
			return 0;
	} else if (sampled_out(skb, (unsigned char *)key, where, sample_mask, direct)) {
		if (kind == K_BIRTH && where == AT_DATA) {
			/* sk-only tracepoints that follow belong to this left-out packet, not to an older one */
			struct sks_last_rx *rx = bpf_map_lookup_elem(&rx_current, &zero);
			if (rx)
				rx->head = 0;
		}
		return 0;
	}
	struct skb_fields s = {};
	if (direct)
		read_direct(skb, &s, with_dev);
	else
		read_core(skb, &s, with_dev);
	__u64 now = bpf_ktime_get_ns();
	struct sks_track *slot = track_slot(key);
	if (!slot)
		return 0;
	/* a flag, not a maybe-NULL pointer: the verifier can't refine a comparison with the head pointer */
	const int found = slot->head == key;
	/* the engine ignores the end of a packet it never saw: don't parse what is being freed */
	if (!found && kind == K_END)
		return 0;
	struct sks_track cur;
	int known = 0;
	if (found) {
		__builtin_memcpy(&cur, slot, sizeof(cur));
		/*
		 * The entry may be stale: its packet was freed where no tracepoint fires (TCP ACKs,
		 * skbs eaten by recvmsg) and slab reuse brought back the same buffer, even the same skb.
		 * A delivered packet never goes back down the stack; a journey continues at a birth
		 * point only as the same skb, soon after its last event (forwarding, veth crossing).
		 */
		if (cur.delivered)
			known = kind == K_DELIVER || kind == K_END;
		else if (kind == K_BIRTH)
			known = cur.skb == (__u64)skb &&
				now - cur.last_ts < (where == AT_NETWORK ? 50000ULL : 100000000ULL);
		else
			known = 1;
		if (known) {
			if (kind == K_DELIVER)
				slot->delivered = 1;
			slot->last_probe = probe;
			slot->last_ts = now;
		}
	}
	/*
	 * veth (and other software devices) hand the skb to the peer with netif_rx() from inside
	 * ndo_start_xmit, before net_dev_xmit fires: reported, it would put the peer's receive
	 * queue between driver_tx and nic. The peer's netif_receive_skb shows the receive.
	 */
	if (known && probe == P_NETIF_RX && cur.last_probe == P_NET_DEV_START_XMIT)
		return 0;
	if (!known) {
		__builtin_memset(&cur, 0, sizeof(cur));
		/* Retis-like identity: the data buffer plus when we first saw it */
		cur.head = key;
		cur.id = (key ^ (now * 0x9E3779B97F4A7C15ULL)) | 1;
		cur.skb = (__u64)skb;
		cur.last_probe = probe;
		cur.last_ts = now;
		parse(&cur, s.head, s.data, s.nh, s.protocol, where);
		cur.mask = packet_mask(&cur, cfg->active_sessions, cfg->nr_slots);
		if (kind != K_END) {
			if (slot->head && slot->counted)
				sampled_add(slot->head, -1);
			cur.counted = sample_mask != 0;
			if (cur.counted)
				sampled_add(key, 1);
			__builtin_memcpy(slot, &cur, sizeof(cur));
		}
	}
	struct sks_track *t = &cur;
	if (kind == K_BIRTH && where == AT_DATA) {
		struct sks_last_rx *cur = bpf_map_lookup_elem(&rx_current, &zero);
		if (cur) {
			cur->head = key;
			cur->ts = now;
		}
	}
	__u64 mask = t->mask & cfg->active_sessions;
	if (mask & cfg->device_sessions)
		mask = device_mask(mask, s.ifindex, s.netns, cfg->nr_slots);
	if (mask)
		emit(probe, t, &s, mask, reason, hook, verdict, now, sample_mask);
	if (kind == K_END && known) {
		__u8 cloned = 0;
		if (direct)
			cloned = skb->cloned;
		else
			cloned = BPF_CORE_READ_BITFIELD_PROBED(skb, cloned);
		if (!cloned && slot->head == key) {
			if (slot->counted)
				sampled_add(key, -1);
			slot->head = 0;
		}
	}
	return 0;
}

/*
 * An sk-only tracepoint (fib lookup, sk_data_ready) attributed to the packet this CPU's receive
 * softirq is processing, if it is recent and its addresses/ports agree.
 */
static __always_inline int on_current(__u16 probe, __u32 saddr, __u32 daddr, int check_addr, __u16 lport,
				      int check_port)
{
	bump(&hits, probe);
#ifdef SKBSCOPE_EMPTY_PROGRAMS
	return 0;
#endif
	__u32 zero = 0;
	struct skbscope_config *cfg = bpf_map_lookup_elem(&sks_config, &zero);
	if (!cfg || !cfg->active_sessions)
		return 0;
	struct sks_last_rx *cur = bpf_map_lookup_elem(&rx_current, &zero);
	if (!cur || !cur->head)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (now - cur->ts > 200000)
		return 0;
	__u64 key = cur->head;
	struct sks_track *t = track_slot(key);
	if (!t || t->head != key)
		return 0;
	if (check_addr) {
		__u32 s, d;
		__builtin_memcpy(&s, t->src, 4);
		__builtin_memcpy(&d, t->dst, 4);
		if (t->ip_version != 4 || s != saddr || d != daddr)
			return 0;
	}
	if (check_port && (!(t->flags & EV_F_PORTS) || t->dport != lport))
		return 0;
	if (probe == P_FIB_TABLE_LOOKUP && t->delivered)
		return 0; /* routing happens before delivery: this lookup is for another packet */
	if (probe == P_SK_DATA_READY)
		t->delivered = 1;
	__u64 mask = t->mask & cfg->active_sessions;
	if (!mask)
		return 0;
	struct skb_fields s = {};
	return emit(probe, t, &s, mask, 0, 0, 0, now, cfg->sample_mask);
}

/* ---- tracepoints: tp_btf and raw_tp variants ---- */

#define TP_SKB(tp, probe, argi, kind, where)                                                           \
	SEC("tp_btf/" #tp)                                                                             \
	int tpb_##tp(__u64 *ctx)                                                                       \
	{                                                                                              \
		return on_skb((struct sk_buff *)ctx[argi], probe, kind, where, 0, 0, 0, true);          \
	}                                                                                              \
	SEC("?raw_tp/" #tp)                                                                            \
	int rtp_##tp(struct bpf_raw_tracepoint_args *ctx)                                              \
	{                                                                                              \
		return on_skb((struct sk_buff *)ctx->args[argi], probe, kind, where, 0, 0, 0, false);   \
	}

TP_SKB(netif_receive_skb, P_NETIF_RECEIVE_SKB, 0, K_BIRTH, AT_DATA)
TP_SKB(netif_rx, P_NETIF_RX, 0, K_BIRTH, AT_DATA)
TP_SKB(napi_gro_receive_entry, P_NAPI_GRO_RECEIVE_ENTRY, 0, K_BIRTH, AT_DATA)
TP_SKB(napi_gro_frags_entry, P_NAPI_GRO_FRAGS_ENTRY, 0, K_BIRTH, AT_DATA)
TP_SKB(net_dev_queue, P_NET_DEV_QUEUE, 0, K_BIRTH, AT_NETWORK)
TP_SKB(qdisc_enqueue, P_QDISC_ENQUEUE, 2, K_MID, AT_NETWORK)
TP_SKB(qdisc_dequeue, P_QDISC_DEQUEUE, 3, K_MID, AT_NETWORK)
TP_SKB(net_dev_start_xmit, P_NET_DEV_START_XMIT, 0, K_MID, AT_NETWORK)
TP_SKB(net_dev_xmit, P_NET_DEV_XMIT, 0, K_MID, AT_NETWORK)
TP_SKB(tcp_probe, P_TCP_PROBE, 1, K_DELIVER, AT_NETWORK)
TP_SKB(skb_copy_datagram_iovec, P_SKB_COPY_DATAGRAM_IOVEC, 0, K_DELIVER, AT_NETWORK)
TP_SKB(consume_skb, P_CONSUME_SKB, 0, K_END, AT_NETWORK)
TP_SKB(udp_fail_queue_rcv_skb, P_UDP_FAIL_QUEUE_RCV_SKB, 2, K_MID, AT_NETWORK)
TP_SKB(sock_rcvqueue_full, P_SOCK_RCVQUEUE_FULL, 1, K_MID, AT_NETWORK)
TP_SKB(icmp_send, P_ICMP_SEND, 0, K_MID, AT_NETWORK)
TP_SKB(tcp_send_reset, P_TCP_SEND_RESET, 1, K_MID, AT_NETWORK)
TP_SKB(tcp_retransmit_skb, P_TCP_RETRANSMIT_SKB, 1, K_MID, AT_NETWORK)

/* kfree_skb(skb, location, reason, sk): the drop reason is the third argument since 5.17. */
SEC("tp_btf/kfree_skb")
int tpb_kfree_skb(__u64 *ctx)
{
	return on_skb((struct sk_buff *)ctx[0], P_KFREE_SKB, K_END, AT_NETWORK, (__u32)ctx[2], 0, 0, true);
}
SEC("?raw_tp/kfree_skb")
int rtp_kfree_skb(struct bpf_raw_tracepoint_args *ctx)
{
	return on_skb((struct sk_buff *)ctx->args[0], P_KFREE_SKB, K_END, AT_NETWORK, (__u32)ctx->args[2], 0, 0,
		      false);
}

/* fib_table_lookup(tb_id, flp, nhc, err): routing of the packet being received on this CPU. */
SEC("tp_btf/fib_table_lookup")
int tpb_fib_table_lookup(__u64 *ctx)
{
	const struct flowi4 *flp = (void *)ctx[1];
	return on_current(P_FIB_TABLE_LOOKUP, flp->saddr, flp->daddr, 1, 0, 0);
}
SEC("?raw_tp/fib_table_lookup")
int rtp_fib_table_lookup(struct bpf_raw_tracepoint_args *ctx)
{
	const struct flowi4 *flp = (void *)ctx->args[1];
	return on_current(P_FIB_TABLE_LOOKUP, BPF_CORE_READ(flp, saddr), BPF_CORE_READ(flp, daddr), 1, 0, 0);
}

/* sk_data_ready(sk): the socket was told about the packet being received on this CPU. */
SEC("tp_btf/sk_data_ready")
int tpb_sk_data_ready(__u64 *ctx)
{
	const struct sock *sk = (void *)ctx[0];
	return on_current(P_SK_DATA_READY, 0, 0, 0, sk->__sk_common.skc_num, 1);
}
SEC("?raw_tp/sk_data_ready")
int rtp_sk_data_ready(struct bpf_raw_tracepoint_args *ctx)
{
	const struct sock *sk = (void *)ctx->args[0];
	return on_current(P_SK_DATA_READY, 0, 0, 0, BPF_CORE_READ(sk, __sk_common.skc_num), 1);
}

/* ---- kernel functions: fentry/fexit, probed one by one by the loader ---- */

#define FE_SKB(fn, probe, kind, where, ...)                                                            \
	SEC("?fentry/" #fn)                                                                            \
	int BPF_PROG(fe_##fn, __VA_ARGS__)                                                              \
	{                                                                                              \
		return on_skb(skb, probe, kind, where, 0, 0, 0, true);                                  \
	}

FE_SKB(ip_rcv, P_IP_RCV, K_MID, AT_NETWORK, struct sk_buff *skb)
FE_SKB(nf_conntrack_in, P_NF_CONNTRACK_IN, K_MID, AT_NETWORK, struct sk_buff *skb)
FE_SKB(ip_route_input_noref, P_IP_ROUTE_INPUT_NOREF, K_MID, AT_NETWORK, struct sk_buff *skb)
FE_SKB(ip_local_deliver, P_IP_LOCAL_DELIVER, K_MID, AT_NETWORK, struct sk_buff *skb)
FE_SKB(ip_forward, P_IP_FORWARD, K_MID, AT_NETWORK, struct sk_buff *skb)
FE_SKB(ip_output, P_IP_OUTPUT, K_MID, AT_NETWORK, struct net *net, struct sock *sk, struct sk_buff *skb)
FE_SKB(tcp_v4_rcv, P_TCP_V4_RCV, K_MID, AT_NETWORK, struct sk_buff *skb)
FE_SKB(udp_rcv, P_UDP_RCV, K_MID, AT_NETWORK, struct sk_buff *skb)
FE_SKB(__ip_local_out, P___IP_LOCAL_OUT, K_MID, AT_NETWORK, struct net *net, struct sock *sk, struct sk_buff *skb)
FE_SKB(ip_finish_output2, P_IP_FINISH_OUTPUT2, K_MID, AT_NETWORK, struct net *net, struct sock *sk,
       struct sk_buff *skb)

/* nf_hook_slow returns 1 to continue (ACCEPT), -EPERM on DROP, 0 when stolen or queued. */
SEC("?fexit/nf_hook_slow")
int BPF_PROG(fx_nf_hook_slow, struct sk_buff *skb, struct nf_hook_state *state, const struct nf_hook_entries *e,
	     unsigned int s, int ret)
{
	__u8 verdict = ret == 1 ? 1 : ret < 0 ? 2 : 3;
	__u8 hook = state->pf == 5 /* NFPROTO_NETDEV */ ? 6 + state->hook : state->hook + 1;
	return on_skb(skb, P_NF_HOOK_SLOW, K_MID, AT_NETWORK, 0, hook, verdict, true);
}

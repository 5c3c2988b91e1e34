/* SPDX-License-Identifier: GPL-2.0 */
/*
 * THE kernel/user ABI of skbscope: what the BPF programs share with Java. Java mirrors it in
 * dev.skbscope.kernel.abi (EventDescriptor, FilterDescriptor, ConfigDescriptor); a test reads this
 * object's BTF and fails if an offset drifts. Probe ids come from resources/bpf/probes.def, which
 * Java reads too. Hooks and verdicts are the kernel's own values (NF_INET_*, NF_*), never Java
 * ordinals: Java maps them in one place (dev.skbscope.kernel.abi.KernelValues).
 */
#ifndef SKBSCOPE_ABI_H
#define SKBSCOPE_ABI_H

#define SKBSCOPE_MAX_SESSIONS 64

enum skbscope_probe {
#define PROBE(id, name, mechanism, node, role) P_##name = id,
#include "probes.def"
#undef PROBE
	P_MAX = 64,
};

/*
 * One event, 96 bytes, in the ring buffer "events".
 *
 *   0 ts_ns        u64   bpf_ktime_get_ns() (CLOCK_MONOTONIC)
 *   8 skb_id       u64   packet identity: hash(skb->head at first sight, first-seen ts)
 *  16 session_mask u64   bit i = session slot i wants this event
 *  24 netns        u32   inode of the namespace, 0 = unknown
 *  28 ifindex      u32   0 = unknown
 *  32 len          u32   skb->len
 *  36 drop_reason  u32   enum skb_drop_reason value (kfree_skb), else 0
 *  40 pid          u32   tgid of current (or of the sender, for tied events)
 *  44 probe        u16   enum skbscope_probe
 *  46 cpu          u16
 *  48 hook         u8    NF_INET_* (pf IPv4/IPv6) when EV_F_HOOK
 *  49 verdict      u8    NF_DROP .. NF_STOP when EV_F_VERDICT
 *  50 ip_version   u8    4, 6 or 0 (no addresses)
 *  51 proto        u8    IP protocol
 *  52 sport        u16   host order
 *  54 dport        u16   host order
 *  56 src[16]      network order; IPv4 in the first 4 bytes
 *  72 dst[16]
 *  88 tcp_flags    u8
 *  89 flags        u8    EV_F_* bits
 *  90 weight       u16   packets this event stands for: 1, or N when one packet in N is traced
 *  92 pf           u8    NFPROTO_* of the hook when EV_F_HOOK
 *  93 pad[3]
 */
struct skbscope_event {
	__u64 ts_ns;
	__u64 skb_id;
	__u64 session_mask;
	__u32 netns;
	__u32 ifindex;
	__u32 len;
	__u32 drop_reason;
	__u32 pid;
	__u16 probe;
	__u16 cpu;
	__u8 hook;
	__u8 verdict;
	__u8 ip_version;
	__u8 proto;
	__u16 sport;
	__u16 dport;
	__u8 src[16];
	__u8 dst[16];
	__u8 tcp_flags;
	__u8 flags;
	__u16 weight;
	__u8 pf;
	__u8 pad[3];
};

#define EV_F_PORTS 1
#define EV_F_TCP_FLAGS 2
#define EV_F_HOOK 4
#define EV_F_VERDICT 8

/* Filter flags: which fields of struct skbscope_filter are set. */
#define F_PROTO (1 << 0)
#define F_SRC (1 << 1)
#define F_DST (1 << 2)
#define F_HOST (1 << 3)
#define F_SPORT (1 << 4)
#define F_DPORT (1 << 5)
#define F_PORT (1 << 6)
#define F_IFINDEX (1 << 7)
#define F_NETNS (1 << 8)

/*
 * One session's filter, slot i of the array map "sessions" (120 bytes).
 *
 *   0 flags     u32  F_* bits
 *   4 proto     u8
 *   5 src_ver   u8   4 or 6
 *   6 dst_ver   u8
 *   7 host_ver  u8
 *   8 sport     u16  host order
 *  10 dport     u16
 *  12 port      u16
 *  14 pad       u16
 *  16 ifindex   u32
 *  20 netns     u32
 *  24 src_net[16]  src_mask[16]  dst_net[16]  dst_mask[16]  host_net[16]  host_mask[16]  (network order)
 */
struct skbscope_filter {
	__u32 flags;
	__u8 proto;
	__u8 src_ver;
	__u8 dst_ver;
	__u8 host_ver;
	__u16 sport;
	__u16 dport;
	__u16 port;
	__u16 pad;
	__u32 ifindex;
	__u32 netns;
	__u64 src_net[2];
	__u64 src_mask[2];
	__u64 dst_net[2];
	__u64 dst_mask[2];
	__u64 host_net[2];
	__u64 host_mask[2];
};

/* Array map "sks_config", one entry, written by Java (32 bytes). */
struct skbscope_config {
	__u64 active_sessions; /* bit i = slot i holds a live session */
	__u64 device_sessions; /* sessions filtering on ifindex/netns: checked per event */
	__u32 nr_slots;        /* highest active slot + 1: bounds the per-session loops */
	__u32 sample_mask;     /* 0: trace every packet; 2^k - 1: trace one packet in 2^k (set by the reader under load) */
	__u32 bracket_ns;      /* measured cost of two adjacent netfilter programs: taken off a stage's closing time */
	__u32 pad;
};

/* Per network namespace (map "netns_seen"), the stages its registered hooks hold (netns_seen.h). */
#define NS_SEEN_CONNTRACK 1 /* conntrack's hook (-200) is registered on PREROUTING */
#define NS_SEEN_NAT 2       /* NAT's hooks (-100 PREROUTING, +100 POSTROUTING) are registered */
#define NS_SEEN_CHECKED 4   /* the hook tables were read (ns_hooks_scan, at the loader's scan) */
#define NS_SEEN_INPUT 8     /* a hook besides ours is registered on INPUT (a filter chain, conntrack's confirmation) */
#define NS_SEEN_POST 16     /* a hook besides ours is registered on POSTROUTING (a chain, NAT, conntrack's confirmation) */
#define NS_SEEN_PRE 32      /* a hook besides ours is registered on PREROUTING (a chain, conntrack, defrag, NAT) */

/* Calibration ("calib"): the inter-program gaps the pair nf_calib_a/nf_calib_b measured. */
#define CALIB_SAMPLES 1024
struct skbscope_calib {
	__u64 count;
	__u64 gap_ns[CALIB_SAMPLES];
};

#endif

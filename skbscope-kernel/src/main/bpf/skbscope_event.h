/* SPDX-License-Identifier: GPL-2.0 */
/*
 * THE kernel/user ABI of skbscope. Everything the BPF programs share with Java lives here and is
 * mirrored field for field, offset for offset, by
 *   skbscope-kernel/src/main/java/dev/skbscope/kernel/EventDescriptor.java   (struct skbscope_event)
 *   skbscope-kernel/src/main/java/dev/skbscope/kernel/FilterDescriptor.java  (struct skbscope_filter)
 *   skbscope-kernel/src/main/java/dev/skbscope/kernel/ProbeCatalog.java      (enum skbscope_probe)
 * Change one side, change the other, then run scripts/build-bpf.sh and commit the new object.
 */
#ifndef SKBSCOPE_EVENT_H
#define SKBSCOPE_EVENT_H

#define SKBSCOPE_MAX_SESSIONS 64

/* Index of a probe in the loader's table (ProbeCatalog). Append only. */
enum skbscope_probe {
	P_NETIF_RECEIVE_SKB = 0,
	P_NETIF_RX = 1,
	P_NAPI_GRO_RECEIVE_ENTRY = 2,
	P_NAPI_GRO_FRAGS_ENTRY = 3,
	P_NET_DEV_QUEUE = 4,
	P_QDISC_ENQUEUE = 5,
	P_QDISC_DEQUEUE = 6,
	P_NET_DEV_START_XMIT = 7,
	P_NET_DEV_XMIT = 8,
	P_TCP_PROBE = 9,
	P_SKB_COPY_DATAGRAM_IOVEC = 10,
	P_KFREE_SKB = 11,
	P_CONSUME_SKB = 12,
	P_FIB_TABLE_LOOKUP = 13,
	P_SK_DATA_READY = 14,
	P_UDP_FAIL_QUEUE_RCV_SKB = 15,
	P_SOCK_RCVQUEUE_FULL = 16,
	P_ICMP_SEND = 17,
	P_TCP_SEND_RESET = 18,
	P_TCP_RETRANSMIT_SKB = 19,
	P_IP_RCV = 20,
	P_NF_HOOK_SLOW = 21,
	P_NF_CONNTRACK_IN = 22,
	P_IP_ROUTE_INPUT_NOREF = 23,
	P_IP_LOCAL_DELIVER = 24,
	P_IP_FORWARD = 25,
	P_IP_OUTPUT = 26,
	P_TCP_V4_RCV = 27,
	P_UDP_RCV = 28,
	P___IP_LOCAL_OUT = 29,
	P_IP_FINISH_OUTPUT2 = 30,
	P_MAX = 32,
};

/*
 * One event, 96 bytes, written into the ring buffer "events".
 *
 *   0 ts_ns        u64   bpf_ktime_get_ns()
 *   8 skb_id       u64   packet identity: hash(skb->head at first sight, first-seen ts)
 *  16 session_mask u64   bit i = session slot i wants this event
 *  24 netns        u32   inode of the device's netns, 0 = unknown
 *  28 ifindex      u32   0 = unknown
 *  32 len          u32   skb->len
 *  36 drop_reason  u32   enum skb_drop_reason value (kfree_skb), else 0
 *  40 pid          u32   tgid of current
 *  44 probe        u16   enum skbscope_probe
 *  46 cpu          u16
 *  48 hook         u8    Java Hook ordinal (0 none, 1 PREROUTING .. 5 POSTROUTING)
 *  49 verdict      u8    Java Verdict ordinal (0 none, 1 ACCEPT, 2 DROP, 3 STOLEN, 4 QUEUE, 5 REPEAT, 6 STOP)
 *  50 ip_version   u8    4, 6 or 0 (no addresses)
 *  51 proto        u8    IP protocol
 *  52 sport        u16   host order
 *  54 dport        u16   host order
 *  56 src[16]      network order; IPv4 in the first 4 bytes
 *  72 dst[16]
 *  88 tcp_flags    u8
 *  89 flags        u8    bit0 ports valid, bit1 tcp flags valid
 *  90 weight       u16   packets this event stands for: 1, or N when one packet in N is traced
 *  92 pad[4]
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
	__u8 pad[4];
};

#define EV_F_PORTS 1
#define EV_F_TCP_FLAGS 2

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
 * One session's filter, slot i of the array map "sessions" (80 + 16*6 = 176 bytes... see offsets).
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
 * 120 end
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

/* Array map "config", one entry. */
struct skbscope_config {
	__u64 active_sessions; /* bit i = slot i holds a live session */
	__u64 device_sessions; /* sessions filtering on ifindex/netns: checked per event */
	__u32 nr_slots;        /* highest active slot + 1: bounds the per-session loops */
	__u32 sample_mask;     /* 0: trace every packet; 2^k - 1: trace one packet in 2^k (set by the reader under load) */
};

#endif

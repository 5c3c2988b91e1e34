/* SPDX-License-Identifier: GPL-2.0 */
/* The maps every concern shares. */
#ifndef SKBSCOPE_MAPS_H
#define SKBSCOPE_MAPS_H

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

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

/* Per network namespace inode: NS_SEEN_* bits (the loader brackets conntrack/NAT where their hooks are registered). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} netns_seen SEC(".maps");

static __always_inline void bump(void *map, __u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(map, &idx);
	if (v)
		*v += 1;
}

static __always_inline struct skbscope_config *sks_cfg(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&sks_config, &zero);
}

/*
 * A program's first step: count the run, then the config while a session is active (NULL: return
 * at once). The overhead bench's "empty" build stops right after the count: what attaching alone costs.
 */
static __always_inline struct skbscope_config *counted_run(__u16 probe)
{
	bump(&hits, probe);
#ifdef SKBSCOPE_EMPTY_PROGRAMS
	return NULL;
#else
	struct skbscope_config *cfg = sks_cfg();
	return cfg && cfg->active_sessions ? cfg : NULL;
#endif
}

/* A slot of a table of 2^bits entries for a packet's head pointer (Fibonacci hashing). */
static __always_inline __u64 head_slot_index(__u64 head, int bits)
{
	return (head * 0x9E3779B97F4A7C15ULL) >> (64 - bits);
}

#endif

// SPDX-License-Identifier: GPL-2.0
// Programs that return at once, one per mechanism, for scripts/bench/mechanism-cost.sh: what a
// program run costs a packet by itself (the kernel's dispatch to it), per mechanism.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
char LICENSE[] SEC("license") = "GPL";
SEC("netfilter") int nf_empty(struct bpf_nf_ctx *ctx) { return 1; /* NF_ACCEPT */ }
SEC("tc") int tcx_empty(struct __sk_buff *ctx) { return -1; /* TCX_NEXT */ }
SEC("tp_btf/net_dev_start_xmit") int BPF_PROG(tp_empty, struct sk_buff *skb) { return 0; }
SEC("tracepoint/syscalls/sys_enter_sendmmsg") int sys_empty(void *ctx) { return 0; }

// SPDX-License-Identifier: GPL-2.0
/*
 * skbscope live tracing: one event per (program run, packet) for packets some live session wants.
 * The probes are listed once, in resources/bpf/probes.def; each concern keeps its programs in a
 * folder of its own:
 *
 *   include/    the ABI shared with Java, the shared maps, packet identity and emission
 *   skb/        skb tracepoints (receive, transmit, free)
 *   route/      route lookups (attributed on the way in, tied on the way out)
 *   socket/     the send side before the skb exists, delivery to sockets and the application's reads
 *   netfilter/  netfilter hook programs: hooks, conntrack and NAT brackets, calibration
 *   tcx/        TC ingress/egress
 *   fentry/     kernel functions where the kernel allows fentry
 *
 * Build: scripts/build-bpf.sh (CO-RE; the object is committed).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "include/abi.h"
#include "include/maps.h"
#include "include/packet.h"
#include "skb/skb.bpf.h"
#include "route/route.bpf.h"
#include "socket/send.bpf.h"
#include "socket/recv.bpf.h"
#include "netfilter/netfilter.bpf.h"
#include "tcx/tcx.bpf.h"
#include "fentry/fentry.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * The events live only in the ring buffer, whose records BTF does not describe: this global puts
 * struct skbscope_event in the object's BTF, where a Java test checks its layout (AbiLayoutTest).
 */
struct skbscope_event abi_event_layout;

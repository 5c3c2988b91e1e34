#!/usr/bin/env bash
# What one program run costs a packet, per mechanism (tp_btf tracepoint, netfilter link, tcx link,
# syscall tracepoint), with a program that returns at once: the kernel's dispatch alone. A 64-byte
# UDP flood (udp-flood.c, sendmmsg, 32 per call) from namespace skkm-a to skkm-b over veth, with
# 0 and COUNT copies of the empty program on its path, alternating, ROUNDS rounds; the cost of one
# run is (1/pps(COUNT) - 1/pps(0)) / COUNT, median over rounds (the sender saturates one core).
# The syscall program runs once per sendmmsg call (32 packets): its per-run cost is the per-packet
# figure times 32.
# Needs root, clang, libbpf-dev, bpftool. Usage: scripts/bench/mechanism-cost.sh [seconds [rounds [count]]]
# Writes bench-out/mechanism-cost.txt. Run under flock /tmp/skbscope-bench.lock and the kernel lock.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
secs="${1:-3}"; rounds="${2:-5}"; count="${3:-8}"
A=skkm-a B=skkm-b
out=bench-out/mechanism-cost.txt
mkdir -p bench-out/mech
[ -s bench-out/mech/vmlinux.h ] || bpftool btf dump file /sys/kernel/btf/vmlinux format c > bench-out/mech/vmlinux.h
clang -O2 -g -target bpf -I bench-out/mech -c scripts/bench/mechanism-cost/empty.bpf.c -o bench-out/mech/empty.bpf.o
cc -O1 -o bench-out/mech/attach scripts/bench/mechanism-cost/attach.c -lbpf
clang -O2 -o bench-out/mech/udp-flood scripts/bench/udp-flood.c
cleanup() {
  [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null || true
  ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add $A; ip netns add $B
ip link add $A-v netns $A type veth peer name $B-v netns $B
ip -n $A addr add 198.18.9.1/24 dev $A-v; ip -n $B addr add 198.18.9.2/24 dev $B-v
ip -n $A link set $A-v up; ip -n $B link set $B-v up; ip -n $A link set lo up; ip -n $B link set lo up
# a closed port: each datagram ends in kfree_skb(NO_SOCKET) at B, no reader to disturb the sender
flood() { ip netns exec $A bench-out/mech/udp-flood 198.18.9.2 9 100000000 "$secs" 32 | sed -n 's/.*sent=\([0-9]*\) seconds=\([0-9.]*\).*/\1 \2/p' | awk '{printf "%.0f", $1/$2}'; }
rows=bench-out/mech/rows
: > "$rows"
for r in $(seq "$rounds"); do
  for mech in tp nf tcx sys; do
    base=$(flood)
    fifo=bench-out/mech/fifo; rm -f $fifo; mkfifo $fifo
    bench-out/mech/attach bench-out/mech/empty.bpf.o $mech "$count" $A < $fifo > bench-out/mech/attach.log 2>&1 &
    holder=$!
    exec 9>$fifo
    for _ in $(seq 50); do grep -q attached bench-out/mech/attach.log && break; sleep 0.1; done
    with=$(flood)
    exec 9>&-; wait "$holder" 2>/dev/null || true; holder=""
    echo "$r $mech $base $with" | tee -a "$rows" >&2
  done
done
{
  echo "# empty-program cost per run, $(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# command: scripts/bench/mechanism-cost.sh $secs $rounds $count   (median of $rounds rounds; $count programs vs none)"
  /usr/bin/python3 - "$rows" "$count" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
k = int(sys.argv[2])
print("%-10s %12s %12s %14s" % ("mechanism", "pps_none", "pps_with", "ns_per_run"))
names = {"tp": "tp_btf", "nf": "netfilter", "tcx": "tcx", "sys": "syscall_tp"}
for m in ("tp", "nf", "tcx", "sys"):
    r = [x for x in rows if x[1] == m]
    if not r: continue
    per = [(1e9 / float(x[3]) - 1e9 / float(x[2])) / k for x in r]
    if m == "sys": per = [p * 32 for p in per]   # one run per sendmmsg of 32
    print("%-10s %12.0f %12.0f %14.1f" % (names[m], statistics.median(float(x[2]) for x in r),
          statistics.median(float(x[3]) for x in r), statistics.median(per)))
PY
} | tee "$out"

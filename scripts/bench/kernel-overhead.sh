#!/usr/bin/env bash
# Overhead of live kernel tracing on a 64-byte UDP flood and a TCP stream between two network
# namespaces (veth skk-ba -> skk-bb, 198.18.1.1 -> 198.18.1.2), in five conditions run back to back:
#   none      no tracer
#   skbscope  a full-mode live session (dev.skbscope.server.bench.OverheadMain: the server's LiveBackends, i.e.
#             the kernel source merged with the nftables trace and its marking tables, then the stats engine),
#             as the server runs it: sampling packets once events exceed 50,000/s
#   exact     the same, tracing every packet (serve --live-max-events 0)
#   empty     the same programs attached but returning at once (built here with
#             -DSKBSCOPE_EMPTY_PROGRAMS): what attaching to these tracepoints costs by itself
#   bpftrace  a bpftrace script counting the old attach plan's tracepoints (it can't attach netfilter
#             or tcx programs)
#   empty_before  (BEFORE=<git commit>) the "empty" condition of that commit's tracer: the attach floor
#             before a change, built from the commit in bench-out/before-<commit>/
# Needs root, iperf3, bpftrace and the jar (./skbscope builds it, or: mvn -B -q package -DskipTests).
# Run it under flock /tmp/skbscope-bench.lock and flock /tmp/skbscope-kernel.lock on a shared machine.
# Usage: scripts/bench/kernel-overhead.sh [seconds-per-run [rounds]]   (default 6 3; writes bench-out/kernel-overhead.txt)
#        SKBSCOPE_MAX_EVENTS=N: the skbscope condition's sampling limit (serve --live-max-events; default 50000)
#        CONDITIONS="none skbscope empty": a subset; TCP=0: UDP only (more, shorter rounds for a noisy machine)
#        BEFORE=c99f523: adds empty_before (default conditions then: none skbscope exact empty empty_before bpftrace)
#        OBJECT=path/to/skbscope.bpf.o: the skbscope and exact conditions load this object instead of the jar's
#          (an A/B of a BPF change without rebuilding the jar)
#        SKBSCOPE_JAR=path/to/skbscope.jar: the skbscope, exact and empty conditions run this jar and its object (an A/B of
#          a commit: build it from a git archive of the commit, e.g. in bench-out/before-<commit>/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source scripts/jdk.sh
secs="${1:-6}"
rounds="${2:-3}"
jar="${SKBSCOPE_JAR:-skbscope-cli/target/skbscope.jar}"
[ -f "$jar" ] || { echo "build the jar first: mvn -B -q -DskipTests package" >&2; exit 1; }
A=skk-ba B=skk-bb
mkdir -p bench-out
out=bench-out/kernel-overhead.txt
cleanup() {
  [ -n "${jvm_pid:-}" ] && kill "$jvm_pid" 2>/dev/null || true
  [ -n "${empty_pid:-}" ] && kill "$empty_pid" 2>/dev/null || true
  [ -n "${before_pid:-}" ] && kill "$before_pid" 2>/dev/null || true
  [ -n "${stats_before:-}" ] && sysctl -qw kernel.bpf_stats_enabled="$stats_before" || true
  [ -n "${tracer_pid:-}" ] && kill "$tracer_pid" 2>/dev/null || true
  ip netns pids "$B" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add $A; ip netns add $B
ip link add $A-v netns $A type veth peer name $B-v netns $B
ip -n $A addr add 198.18.1.1/24 dev $A-v; ip -n $B addr add 198.18.1.2/24 dev $B-v
ip -n $A link set $A-v up; ip -n $B link set $B-v up; ip -n $A link set lo up; ip -n $B link set lo up
ip netns exec $B iperf3 -s -D -B 198.18.1.2 >/dev/null
sleep 0.5
# classic tracepoints (bpftrace) need tracefs
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=0   # on only for the BPF-time runs: it adds two clock reads per program run

bt_script='
tracepoint:net:netif_receive_skb, tracepoint:net:netif_rx, tracepoint:net:napi_gro_receive_entry,
tracepoint:net:napi_gro_frags_entry, tracepoint:net:net_dev_queue, tracepoint:qdisc:qdisc_enqueue,
tracepoint:qdisc:qdisc_dequeue, tracepoint:net:net_dev_start_xmit, tracepoint:net:net_dev_xmit,
tracepoint:tcp:tcp_probe, tracepoint:skb:skb_copy_datagram_iovec, tracepoint:skb:kfree_skb,
tracepoint:skb:consume_skb, tracepoint:fib:fib_table_lookup, tracepoint:sock:sk_data_ready,
tracepoint:udp:udp_fail_queue_rcv_skb, tracepoint:sock:sock_rcvqueue_full, tracepoint:icmp:icmp_send,
tracepoint:tcp:tcp_send_reset, tracepoint:tcp:tcp_retransmit_skb { @[probe] = count(); }'

# total run time of every BPF program (kernel.bpf_stats_enabled): the kernel-side cost, which
# other load on the machine barely disturbs
bpf_ns() { bpftool -j prog show | /usr/bin/python3 -c 'import json,sys; print(sum(p.get("run_time_ns",0) for p in json.load(sys.stdin)))'; }
# per program: "id type name run_time_ns run_cnt" (the mechanism is bpftool's type: tracing = tp_btf,
# raw_tracepoint, netfilter, sched_cls = tcx, tracepoint = syscall tracepoint)
prog_stats() { bpftool -j prog show | /usr/bin/python3 -c 'import json,sys
for p in json.load(sys.stdin): print(p["id"], p.get("type","?"), p.get("name","?"), p.get("run_time_ns",0), p.get("run_cnt",0))'; }

# the bench's main class in a jar: the server's since 2026-12-01 (it opens sessions as the server does),
# the kernel module's in jars built from earlier commits (empty_before)
main_class() {
  if "$JAVA_HOME/bin/jar" tf "$1" | grep -c dev/skbscope/server/bench/OverheadMain.class >/dev/null; then echo dev.skbscope.server.bench.OverheadMain
  else echo dev.skbscope.kernel.bench.OverheadMain; fi
}

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

run_iperf() { # $1 = udp|tcp -> prints "rate cpu_client cpu_server"
  local j
  if [ "$1" = udp ]; then
    j=$(ip netns exec $A iperf3 -c 198.18.1.2 -u -l 64 -b 0 -t "$secs" -J)
    /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["end"]["sum"]; c=d["end"]["cpu_utilization_percent"]
print("%.0f %.1f %.1f %d" % ((s["packets"]-s["lost_packets"])/s["seconds"], c["host_total"], c["remote_total"], s["packets"]))' <<<"$j"
  else
    # pinned (client on CPU 0, server on CPU 1) and without its first second (slow start): unpinned,
    # the scheduler's placement of the two moved the untraced rate between 6.6 and 13.2 Gbit/s
    j=$(ip netns exec $A iperf3 -c 198.18.1.2 -A 0,1 -O 1 -t "$secs" -J)
    /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["end"]["sum_received"]; c=d["end"]["cpu_utilization_percent"]
print("%.0f %.1f %.1f" % (s["bits_per_second"]/1e6, c["host_total"], c["remote_total"]))' <<<"$j"
  fi
}

# Conditions alternate within each round so that load from elsewhere hits all of them alike;
# the report gives the median over rounds.
rows=bench-out/kernel-overhead.rows
: > "$rows"
progs=bench-out/kernel-overhead.progs
: > "$progs"
progs_tcp=bench-out/kernel-overhead.progs-tcp
: > "$progs_tcp"
# Per program, between the prog_stats snapshots bench-out/progs.0 and progs.1, one line
# "round cond type name ns runs units" for each program that ran: prog_deltas ROUND COND UNITS
prog_deltas() {
  /usr/bin/python3 - bench-out/progs.0 bench-out/progs.1 "$@" <<'PY'
import sys
a = {l.split()[0]: l.split() for l in open(sys.argv[1])}
for l in open(sys.argv[2]):
    f = l.split()
    b = a.get(f[0], [f[0], f[1], f[2], "0", "0"])
    ns, runs = int(f[3]) - int(b[3]), int(f[4]) - int(b[4])
    if runs > 0: print(sys.argv[3], sys.argv[4], f[1], f[2], ns, runs, sys.argv[5])
PY
}
# TCP segments the receiver's stack handled either way (InSegs + OutSegs of its namespace)
tcp_segs() { ip netns exec $B awk '/^Tcp:/ { if (h) { print $11 + $12; exit } h = 1 }' /proc/net/snmp; }
# one JVM for all rounds (a server runs long: later rounds measure warmed-up code); commands on a fifo
fifo=bench-out/overhead.fifo
rm -f "$fifo"; mkfifo "$fifo"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${OBJECT:+-Dskbscope.kernel.object="$OBJECT"} -cp "$jar" \
  "$(main_class "$jar")" 198.18.1.0/24 < "$fifo" > bench-out/overhead-skbscope.log 2>&1 &
jvm_pid=$!
exec 7>"$fifo"
for _ in $(seq 150); do grep -q ready bench-out/overhead-skbscope.log 2>/dev/null && break; sleep 0.2; done
# the "empty" condition: a second JVM whose tracer loads programs that return at once
BPF_OUT="$root/bench-out/skbscope-empty.bpf.o" BPF_CFLAGS=-DSKBSCOPE_EMPTY_PROGRAMS scripts/build-bpf.sh >/dev/null
efifo=bench-out/overhead-empty.fifo
rm -f "$efifo"; mkfifo "$efifo"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dskbscope.kernel.object="$root/bench-out/skbscope-empty.bpf.o" \
  -cp "$jar" "$(main_class "$jar")" 198.18.1.0/24 < "$efifo" > bench-out/overhead-empty.log 2>&1 &
empty_pid=$!
exec 8>"$efifo"
for _ in $(seq 150); do grep -q ready bench-out/overhead-empty.log 2>/dev/null && break; sleep 0.2; done
# the "empty_before" condition: the same, with an earlier commit's tracer (its own jar and object)
if [ -n "${BEFORE:-}" ]; then
  bdir="$root/bench-out/before-$BEFORE"
  if [ ! -f "$bdir/skbscope-cli/target/skbscope.jar" ]; then
    rm -rf "$bdir"; mkdir -p "$bdir"
    git -C "$root" archive "$BEFORE" | tar -x -C "$bdir"
    (cd "$bdir" && mvn -B -q -ntp -o -DskipTests -Dskbscope.skipWeb=true package >/dev/null)
  fi
  (cd "$bdir" && BPF_OUT="$bdir/skbscope-empty.bpf.o" BPF_CFLAGS=-DSKBSCOPE_EMPTY_PROGRAMS scripts/build-bpf.sh >/dev/null)
  bfifo=bench-out/overhead-before.fifo
  rm -f "$bfifo"; mkfifo "$bfifo"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dskbscope.kernel.object="$bdir/skbscope-empty.bpf.o" \
    -cp "$bdir/skbscope-cli/target/skbscope.jar" "$(main_class "$bdir/skbscope-cli/target/skbscope.jar")" 198.18.1.0/24 < "$bfifo" \
    > bench-out/overhead-before.log 2>&1 &
  before_pid=$!
  exec 6>"$bfifo"
  for _ in $(seq 150); do grep -q ready bench-out/overhead-before.log 2>/dev/null && break; sleep 0.2; done
fi
for round in $(seq "$rounds"); do
  default_conds="none skbscope exact empty bpftrace"
  [ -n "${BEFORE:-}" ] && default_conds="none skbscope exact empty empty_before bpftrace"
  for cond in ${CONDITIONS:-$default_conds}; do
    tracer_pid=""
    case $cond in
      skbscope|exact)
        n=$(grep -c attached bench-out/overhead-skbscope.log || true)
        if [ "$cond" = exact ]; then echo "open 0" >&7; else echo "open ${SKBSCOPE_MAX_EVENTS:-}" >&7; fi
        tracer_pid=$jvm_pid
        for _ in $(seq 100); do [ "$(grep -c attached bench-out/overhead-skbscope.log)" -gt "$n" ] && break; sleep 0.1; done
        # let the sampler settle on the flood's rate before measuring (a server runs for hours)
        [ "$cond" = skbscope ] && ip netns exec $A iperf3 -c 198.18.1.2 -u -l 64 -b 0 -t 2 >/dev/null ;;
      empty)
        n=$(grep -c attached bench-out/overhead-empty.log || true)
        echo open >&8
        tracer_pid=$empty_pid
        for _ in $(seq 100); do [ "$(grep -c attached bench-out/overhead-empty.log)" -gt "$n" ] && break; sleep 0.1; done ;;
      empty_before)
        n=$(grep -c attached bench-out/overhead-before.log || true)
        echo open >&6
        tracer_pid=$before_pid
        for _ in $(seq 100); do [ "$(grep -c attached bench-out/overhead-before.log)" -gt "$n" ] && break; sleep 0.1; done ;;
      bpftrace)
        bpftrace -e "$bt_script" > bench-out/overhead-bpftrace.log 2>&1 &
        tracer_pid=$!
        for _ in $(seq 100); do grep -q Attaching bench-out/overhead-bpftrace.log 2>/dev/null && break; sleep 0.2; done
        sleep 1 ;;
    esac
    c0=$( [ -n "$tracer_pid" ] && cpu_ticks "$tracer_pid" || echo 0 )
    udp=$(run_iperf udp)
    if [ "${TCP:-1}" = 0 ]; then tcp="0 0 0"; else tcp=$(run_iperf tcp); fi
    c1=$( [ -n "$tracer_pid" ] && cpu_ticks "$tracer_pid" || echo 0 )
    runs=2; [ "${TCP:-1}" = 0 ] && runs=1
    tcpu=$(awk -v a="$c0" -v b="$c1" -v s="$secs" -v n="$runs" 'BEGIN{printf "%.1f", (b-a)/100/(n*s)*100}')
    # BPF time per packet in a short UDP run of its own, with the kernel's per-program accounting on
    sysctl -qw kernel.bpf_stats_enabled=1
    prog_stats > bench-out/progs.0
    b0=$(bpf_ns)
    st=$(secs=2 run_iperf udp)
    b1=$(bpf_ns)
    prog_stats > bench-out/progs.1
    sysctl -qw kernel.bpf_stats_enabled=0
    read -r _ _ _ sent <<<"$st"
    # per program of this run: "round cond type name ns runs packets"
    prog_deltas "$round" "$cond" "$sent" >> "$progs"
    bpf_pp=$(awk -v a="$b0" -v b="$b1" -v n="$sent" 'BEGIN{printf "%.0f", (b-a)/(n>0?n:1)}')
    if [ "${TCP:-1}" != 0 ]; then
      # the same for TCP bulk, per TCP segment either way at the receiver (data skbs in, ACKs out)
      sysctl -qw kernel.bpf_stats_enabled=1
      prog_stats > bench-out/progs.0
      g0=$(tcp_segs)
      secs=2 run_iperf tcp >/dev/null
      g1=$(tcp_segs)
      prog_stats > bench-out/progs.1
      sysctl -qw kernel.bpf_stats_enabled=0
      prog_deltas "$round" "$cond" "$((g1 - g0))" >> "$progs_tcp"
    fi
    if [ "$cond" = skbscope ] || [ "$cond" = exact ]; then
      n=$(grep -c events= bench-out/overhead-skbscope.log || true)
      echo close >&7
      for _ in $(seq 100); do [ "$(grep -c events= bench-out/overhead-skbscope.log)" -gt "$n" ] && break; sleep 0.1; done
    elif [ "$cond" = empty ]; then
      n=$(grep -c events= bench-out/overhead-empty.log || true)
      echo close >&8
      for _ in $(seq 100); do [ "$(grep -c events= bench-out/overhead-empty.log)" -gt "$n" ] && break; sleep 0.1; done
    elif [ "$cond" = empty_before ]; then
      n=$(grep -c events= bench-out/overhead-before.log || true)
      echo close >&6
      for _ in $(seq 100); do [ "$(grep -c events= bench-out/overhead-before.log)" -gt "$n" ] && break; sleep 0.1; done
    elif [ -n "$tracer_pid" ]; then
      # bpftrace prints its maps on SIGINT; on a loaded machine it has hung there for minutes: 10 s, then KILL
      kill -INT "$tracer_pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$tracer_pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$tracer_pid" 2>/dev/null || true
      wait "$tracer_pid" 2>/dev/null || true
    fi
    tracer_pid=""
    read -r u1 u2 u3 _ <<<"$udp"
    echo "$round $cond $u1 $u2 $u3 $tcp $tcpu $bpf_pp" | tee -a "$rows" >&2
    case $cond in skbscope|exact) grep events= bench-out/overhead-skbscope.log | tail -1 >&2 ;; esac
  done
done

# the per-program table of a progs file: runs per unit and ns per run, per condition
per_program() {
  /usr/bin/python3 - "$1" <<'PY'
import statistics, sys
from collections import defaultdict
per = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))   # name -> cond -> round -> [ns, runs, packets]
conds = []
for l in open(sys.argv[1]):
    rnd, cond, typ, name, ns, runs, pk = l.split()
    if cond in ("none", "bpftrace"): continue
    if cond not in conds: conds.append(cond)
    x = per[name].setdefault(cond, {}).setdefault(rnd, [0, 0, 0])
    x[0] += int(ns); x[1] += int(runs); x[2] = int(pk)
print("#   %-22s" % "program" + "".join(" %21s" % (c + " runs/pkt ns/run") for c in conds))
for name in sorted(per, key=lambda n: -max(statistics.median(x[0] / x[2] for x in r.values() if x[2]) for r in per[n].values())):
    cells = ""
    for c in conds:
        r = [x for x in per[name].get(c, {}).values() if x[1] > 0 and x[2] > 0]
        cells += " %21s" % ("%.2f %6.0f" % (statistics.median(x[1] / x[2] for x in r), statistics.median(x[0] / x[1] for x in r)) if r else "-")
    print("#   %-22s%s" % (name, cells))
PY
}

{
  echo "# skbscope kernel overhead, $(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# command: scripts/bench/kernel-overhead.sh $secs $rounds   (median of $rounds rounds, ${secs}s per run)"
  /usr/bin/python3 - "$rows" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {(x[0], x[1]): x for x in rows}
rounds = sorted({x[0] for x in rows}, key=int)
print("%-12s %12s %7s %10s %7s %11s %12s %14s" % ("condition", "udp64_pps", "ratio", "tcp_Mbit", "ratio", "tracer_cpu%",
      "udp_snd_cpu%", "bpf_ns/udp_pkt"))
# ratio: the median over rounds of (condition / no tracer in the same round): the machine's drift between
# rounds cancels out; the absolute columns are medians over rounds
for cond in ("none", "skbscope", "exact", "empty", "empty_before", "bpftrace"):
    r = [by[(k, cond)] for k in rounds if (k, cond) in by and (k, "none") in by]
    if not r: continue
    med = lambda i: statistics.median(float(x[i]) for x in r)
    ur = statistics.median(float(by[(x[0], cond)][2]) / float(by[(x[0], "none")][2]) for x in r)
    tr = statistics.median(float(by[(x[0], cond)][5]) / max(1.0, float(by[(x[0], "none")][5])) for x in r)
    print("%-12s %12.0f %7.3f %10.0f %7.3f %11.1f %12.1f %14.0f" % (cond, med(2), ur, med(5), tr, med(8), med(3), med(9)))
PY
  echo "# per mechanism, during the BPF-time UDP runs (kernel.bpf_stats_enabled adds its own two clock"
  echo "# reads, ~45 ns, to every run): program runs per UDP packet sent, ns per run, ns per packet; medians over rounds"
  /usr/bin/python3 - "$progs" <<'PY'
import statistics, sys
from collections import defaultdict
names = {"tracing": "tp_btf", "raw_tracepoint": "raw_tp", "netfilter": "netfilter", "32": "netfilter", "sched_cls": "tcx",
         "tracepoint": "syscall_tp"}
per = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))   # (cond, mech) -> round -> [ns, runs, packets]
for l in open(sys.argv[1]):
    rnd, cond, typ, name, ns, runs, pk = l.split()
    if cond in ("none", "bpftrace"): continue
    x = per[(cond, names.get(typ, typ))][rnd]
    x[0] += int(ns); x[1] += int(runs); x[2] = int(pk)
print("#   %-12s %-11s %13s %11s %11s" % ("condition", "mechanism", "runs/packet", "ns/run", "ns/packet"))
for (cond, mech) in sorted(per):
    r = per[(cond, mech)].values()
    med = lambda f: statistics.median(f(x) for x in r if x[1] > 0 and x[2] > 0)
    print("#   %-12s %-11s %13.2f %11.0f %11.0f" % (cond, mech, med(lambda x: x[1] / x[2]), med(lambda x: x[0] / x[1]),
          med(lambda x: x[0] / x[2])))
PY
  echo "# per program: runs per UDP packet, ns per run, per condition; medians over rounds"
  per_program "$progs"
  if [ -s "$progs_tcp" ]; then
    echo "# per program, TCP bulk (2 s runs of their own): runs per TCP segment at the receiver (data in + ACKs out), ns per run"
    per_program "$progs_tcp"
  fi
  echo "# skbscope sessions (skbscope, exact alternate, one pair per round):"; grep events= bench-out/overhead-skbscope.log | sed 's/^/#   /'
  echo quit >&7; echo quit >&8; [ -n "${BEFORE:-}" ] && echo quit >&6 || true
} | tee "$out"

#!/usr/bin/env bash
# Socket.IO load bench (loopback only, bounded time): 200 socket.io clients across 20 sessions fed by
# paced synthetic sources totalling ~200,000 events/s. Measures each client's interval between
# session_stats_update events, the emit-loop time (p99, from /metrics), server CPU (from /proc).
# usage: scripts/bench/socketio-load.sh [clients=200] [sessions=20] [events_per_s=200000] [seconds=30]
# env: RECORD=true|false (sessions write their gz recording; default true), POLLING_SHARE (default 0.1),
#      CLIENT_PROCS (node processes the clients are split over; default 1),
#      CLIENT_NICE (nice value of the client processes; default -10 as root, else 0: see below),
#      SERVER_OUT=file (keep the server output), SERVER_JAVA_OPTS (JVM options of the server)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/scripts/jdk.sh"
clients=${1:-200}; sessions=${2:-20}; eps=${3:-200000}; seconds=${4:-30}
record=${RECORD:-true}; polling=${POLLING_SHARE:-0.1}; warmup=5; procs=${CLIENT_PROCS:-1}
client_nice=${CLIENT_NICE:-$([ "$(id -u)" = 0 ] && echo -10 || echo 0)}
"$here/skbscope" --version >/dev/null   # the launcher builds the jar when sources changed since it was built
cdir="$here/scripts/clients"
[ -d "$cdir/node_modules/socket.io-client" ] || (cd "$cdir" && npm ci --no-audit --no-fund --loglevel=error >&2)
source "$here/scripts/server-under-test.sh"
on_exit() { [ -z "${SERVER_OUT:-}" ] || cp "$work/server.out" "$SERVER_OUT"; }
server_workspace socketio-load
py=/usr/bin/python3

server_start -XX:+UseZGC ${SERVER_JAVA_OPTS:--XX:ThreadPriorityPolicy=1} || exit 1
api() { curl -sf "$@"; }
json() { $py -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# events per packet of the synthetic model, to turn the events/s target into a packet rate
probe="$(api -X POST "$base/api/sessions" -H 'Content-Type: application/json' \
  -d '{"record":false,"source":{"kind":"synthetic","rate":5000,"seed":3}}' | json 'd["session_id"]')"
sleep 3
ratio="$(api "$base/api/sessions/$probe/stats" | json 'd["stats"]["total_events"]/max(1,d["stats"]["total_packets"])')"
api -X DELETE "$base/api/sessions/$probe?purge=true" >/dev/null
rate="$($py -c "print(round($eps / $sessions / $ratio, 1))")"
echo "socketio-load: $sessions sessions x $rate packets/s (x $ratio events/packet = ~$eps events/s), $clients clients, record=$record, client nice $client_nice" >&2

ids=()
for i in $(seq 1 "$sessions"); do
  ids+=("$(api -X POST "$base/api/sessions" -H 'Content-Type: application/json' \
    -d "{\"record\":$record,\"source\":{\"kind\":\"synthetic\",\"rate\":$rate,\"seed\":$i}}" | json 'd["session_id"]')")
done
events_total() { for id in "${ids[@]}"; do api "$base/api/sessions/$id/stats" | json 'd["stats"]["total_events"]'; done | $py -c 'import sys; print(sum(int(x) for x in sys.stdin))'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)

# the clients may be split over CLIENT_PROCS node processes: one node process decoding 200 updates that
# arrive together takes tens of ms, which shows up as client-side interval jitter (each reports its loop delay)
# The clients stand for browsers on other machines. Here they share the two cores with the server
# under test, whose 20 session threads and emit loop are all runnable at each tick: at nice 0 the one
# client thread then waits for a core, and its event loop's lateness (reported) is read as late updates.
# The client runs ahead of the server (nice -10, root only) so that what it measures is the server's
# delivery; CLIENT_NICE=0 measures the shared-core case. The client's CPU and loop delay are reported.
node_pids=()
off=0
for k in $(seq 1 "$procs"); do
  n=$(( clients / procs + (k <= clients % procs ? 1 : 0) ))
  LOAD_RAW=1 LOAD_OFFSET=$off nice -n "$client_nice" node "$cdir/load.js" "$base" "$n" "$seconds" "$warmup" "$polling" "${ids[@]}" >"$work/clients.$k.json" &
  node_pids+=($!)
  off=$((off + n))
done
sleep "$warmup"
e0=$(events_total); c0=$(cpu_ticks); t0=$(date +%s.%N)
api "$base/metrics" >"$work/metrics0.txt"
sleep "$seconds"
e1=$(events_total); c1=$(cpu_ticks); t1=$(date +%s.%N)
api "$base/metrics" >"$work/metrics1.txt"
wait "${node_pids[@]}"

$py - "$work" "$e0" "$e1" "$c0" "$c1" "$t0" "$t1" "$hz" "$clients" "$sessions" "$eps" "$record" "$seconds" "$client_nice" <<'PY'
import json, re, sys
work, e0, e1, c0, c1, t0, t1, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
clients, sessions, eps, record = sys.argv[9], sys.argv[10], sys.argv[11], sys.argv[12]
def buckets(path, name):
    b = {}
    for line in open(path):
        m = re.match(r'skbscope_socketio_' + name + r'_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
        if m: b[float(m.group(1))] = float(m.group(2))
    return b
def quantiles(name):
    # percentiles of the ticks in the window, linear within the bucket that holds them (ms)
    b0, b1 = buckets(f"{work}/metrics0.txt", name), buckets(f"{work}/metrics1.txt", name)
    les = sorted(b1)
    counts = [b1[le] - b0.get(le, 0) for le in les]
    total = counts[-1] if counts else 0
    def q(p):
        lo, below = 0.0, 0.0
        for le, c in zip(les, counts):
            if c >= p * total and c > below:
                hi = le if le != float("inf") else lo
                return round(1000 * (lo + (hi - lo) * (p * total - below) / (c - below)), 2)
            lo, below = le, c
    top = next((le for le, c in zip(les, counts) if c >= total), None)
    return total, {"p50_ms": q(0.5), "p99_ms": q(0.99), "max_le_ms": None if top is None else round(1000 * top, 2)}
ticks, loop = quantiles("emit_loop")
_, late = quantiles("emit_late")
dt = t1 - t0
import glob
parts = [json.load(open(f)) for f in sorted(glob.glob(f"{work}/clients.*.json"))]
gaps = sorted(g for p in parts for g in p["gaps"])
def gq(p): return gaps[min(len(gaps) - 1, int(p * len(gaps)))] if gaps else None
within = sum(1 for g in gaps if abs(g - 1000) <= 100)
c = {k: sum(p[k] for p in parts) for k in ("clients", "connected", "joined", "disconnects", "connect_errors", "updates", "intervals")}
c.update({"processes": len(parts), "error_kinds": [p["error_kinds"] for p in parts if p["error_kinds"]],
          "updates_per_client_per_second": round(c["updates"] / max(1, c["clients"]) / float(sys.argv[13]), 3),
          "interval_ms": {"min": gq(0), "p0_1": gq(0.001), "p1": gq(0.01), "p50": gq(0.5), "p99": gq(0.99), "p99_9": gq(0.999), "max": gaps[-1] if gaps else None},
          "within_1s_pm_100ms": f"{within}/{len(gaps)} = {100 * within / max(1, len(gaps)):.2f} %",
          "client_processes": [p["client_process"] for p in parts]})
out = {"clients": int(clients), "client_nice": int(sys.argv[14]), "sessions": int(sessions), "target_events_per_s": int(eps), "record": record == "true",
       "achieved_events_per_s": round((e1 - e0) / dt), "server_cpu_percent": round(100 * (c1 - c0) / hz / dt, 1),
       "emit_ticks": ticks, "emit_loop": loop, "emit_tick_late": late, "client": c}
print(json.dumps(out, indent=1))
PY

#!/usr/bin/env bash
# Server CPU with synthetic sessions and no clients: a session's default (journeys and exemplars kept)
# against packet_history 0, taking turns round after round in one server (loopback only).
# usage: scripts/bench/server-cpu.sh [sessions=20] [events_per_s=200000] [seconds=20] [rounds=3]
# env: RECORD=true|false (default false)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/scripts/jdk.sh"
sessions=${1:-20}; eps=${2:-200000}; seconds=${3:-20}; rounds=${4:-3}; record=${RECORD:-false}
"$here/skbscope" --version >/dev/null   # the launcher builds the jar when sources changed since it was built
source "$here/scripts/server-under-test.sh"
server_workspace server-cpu
server_start -XX:+UseZGC ${SERVER_JAVA_OPTS:--XX:ThreadPriorityPolicy=1} || exit 1
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# the synthetic model's events per packet (as socketio-load.sh): 11.98
rate="$(python3 -c "print(round($eps / $sessions / 11.98, 1))")"
ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
echo "# skbscope server CPU, $(date -u +%FT%TZ), $(nproc) CPUs, $sessions sessions x $rate packets/s, record=$record, commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
for round in $(seq 1 "$rounds"); do
  for history in default 0; do
    extra=""; [ "$history" = 0 ] && extra=',"packet_history":0'
    ids=()
    for i in $(seq 1 "$sessions"); do
      ids+=("$(curl -sf -X POST "$base/api/sessions" -H 'Content-Type: application/json' \
        -d "{\"record\":$record$extra,\"source\":{\"kind\":\"synthetic\",\"rate\":$rate,\"seed\":$i}}" | json 'd["session_id"]')")
    done
    sleep 5
    l0=$(cut -d' ' -f1 /proc/loadavg); c0=$(ticks); t0=$(date +%s.%N)
    sleep "$seconds"
    c1=$(ticks); t1=$(date +%s.%N)
    echo "round $round packet_history=$history server_cores $(python3 -c "print(round(($c1 - $c0) / $hz / ($t1 - $t0), 3))") load $l0-$(cut -d' ' -f1 /proc/loadavg)"
    for id in "${ids[@]}"; do curl -sf -X DELETE "$base/api/sessions/$id?purge=true" >/dev/null; done
    sleep 2
  done
done

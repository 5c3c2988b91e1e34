#!/usr/bin/env bash
# History storage cost: CPU of writing N sessions' history each second and the time of a 3-day
# query over a full database (HistoryStoreBench). ENGINES=... picks what to measure:
#   product (default)  skbscope's HistoryDatabase (SQLite, with its downsampling and expiry)
#   sqlite duckdb      the same plain JDBC statements on either engine (DuckDB's driver comes with mvn -Pduckdb)
# usage: scripts/bench/history-store.sh [sessions] [ticks]        e.g. ENGINES="sqlite duckdb product" ... 20 300
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
source scripts/jdk.sh
sessions="${1:-20}"
ticks="${2:-300}"
engines="${ENGINES:-product}"
profile=""
[[ " $engines " == *" duckdb "* ]] && profile="-Pduckdb"
mvn -B -q -ntp -DskipTests -Dskbscope.skipWeb=true $profile package -pl skbscope-bench -am >&2
echo "# history store bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# command: ENGINES=\"$engines\" scripts/bench/history-store.sh $sessions $ticks"
for e in $engines; do
  "$JAVA_HOME/bin/java" -cp skbscope-bench/target/benchmarks.jar dev.skbscope.bench.HistoryStoreBench "$e" "$sessions" "$ticks" 2>/dev/null
done

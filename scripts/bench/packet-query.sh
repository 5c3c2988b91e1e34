#!/usr/bin/env bash
# Post-hoc packet queries over a ~1,000,000-event recording: the first answer (index built then)
# and later queries, each run in a fresh JVM (PacketQueryBench), for skbscope's own index:
#   cli:        the JVM flags `./skbscope packets` runs with (scripts/jvm-flags.sh: serial GC, C1, the
#               ahead-of-time cache, huge pages where THP is madvise); the recording plain, then gzip as sessions write it
#   cli-jsa:    the same without the ahead-of-time cache (the class-data archive the CLI used before)
#   server:     the server's JVM flags (ZGC, C2, its ahead-of-time cache), started fresh, indexing in its own JVM
#               (as the server did before the index worker; kept for comparison)
#   worker:     what a server does now: its recording queries go to an index worker process that runs with the
#               CLI's flags (SKBSCOPE_WORKER_JAVA_OPTS, as the launcher passes them), started with the server;
#               the first answer is the worker's index build plus the pipe
#   server-noaot: the same without the ahead-of-time cache
#   index:      the JVM's default flags (G1, C2), fresh
#   index-warm: default flags, in a JVM that built an index before (a server that indexed one before)
# and, with ENGINES="... duckdb duckdb-json", DuckDB (the journeys appended into DuckDB; DuckDB reading the
# JSON lines itself). The engines take turns, run after run. Then the whole `skbscope packets` command,
# JVM start-up included. The ahead-of-time caches of the benchmark's jar are made as the launcher makes
# the CLI's (skbscope_aot_cache: a training run over a small synthetic recording, not the one measured).
# Usage: scripts/bench/packet-query.sh [RUNS] [LATER_QUERIES]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
source scripts/jdk.sh
runs="${1:-3}"; later="${2:-40}"
engines="${ENGINES:-cli worker server}"
profile=""
[[ " $engines " == *" duckdb"* ]] && profile="-Pduckdb"
rec="${TMPDIR:-/tmp}/skbscope-replay-1m.jsonl"
if [ ! -s "$rec" ]; then
  ./skbscope synth --rate 84000 --seconds 1 --seed 1 --drop-share 0.05 --out "$rec" >&2
fi
if [ ! -s "$rec.gz" ] || [ "$rec.gz" -ot "$rec" ]; then
  gzip -1 -c "$rec" > "$rec.gz.tmp" && mv "$rec.gz.tmp" "$rec.gz"   # the fastest level, as a session's recording
fi
source scripts/jvm-flags.sh
bench_jar=skbscope-bench/target/benchmarks.jar
mvn -B -q -ntp -DskipTests -Dskbscope.skipWeb=true $profile package -pl skbscope-bench -am >&2
train="${TMPDIR:-/tmp}/skbscope-aot-training.jsonl"
[ -s "$train" ] || ./skbscope synth --rate 5000 --seconds 1 --seed 1 --out "$train" >&2
skbscope_aot_cache "$bench_jar" "$train" -cp "$bench_jar" dev.skbscope.bench.PacketQueryBench index
echo "# packet query bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# command: ENGINES=\"$engines\" scripts/bench/packet-query.sh $runs $later   (recording: $(wc -l < "$rec") lines, $(du -h "$rec" | cut -f1))"
# the flags of engine $1 into `jvm`, its files into `files`, the bench's engine into `bench_engine`
engine_flags() {
  files=("$rec"); jvm=(); bench_engine="$1"
  case "$1" in
    cli) skbscope_jvm_flags packets "$bench_jar"; files=("$rec" "$rec.gz"); bench_engine=index ;;
    cli-jsa) SKBSCOPE_NO_AOT=1 skbscope_jvm_flags packets "$bench_jar"; bench_engine=index ;;
    server) skbscope_jvm_flags serve "$bench_jar"; bench_engine=index ;;
    worker) skbscope_jvm_flags packets "$bench_jar"
            SKBSCOPE_WORKER_JAVA_OPTS="$(printf '%s\n' "${jvm[@]}")"; export SKBSCOPE_WORKER_JAVA_OPTS
            skbscope_jvm_flags serve "$bench_jar"; bench_engine=worker ;;
    server-noaot) SKBSCOPE_NO_AOT=1 skbscope_jvm_flags serve "$bench_jar"; bench_engine=index ;;
  esac
}
if [[ " $engines " == *" cli-jsa "* ]]; then   # makes the class-data archive
  engine_flags cli-jsa; "$JAVA_HOME/bin/java" "${jvm[@]}" -cp "$bench_jar" dev.skbscope.bench.PacketQueryBench index "$train" 1 >/dev/null 2>&1
fi
for _ in $(seq "$runs"); do
  for e in $engines; do
    engine_flags "$e"
    for f in "${files[@]}"; do
      printf '%s ' "$e:"
      "$JAVA_HOME/bin/java" "${jvm[@]}" -cp "$bench_jar" dev.skbscope.bench.PacketQueryBench "$bench_engine" "$f" "$later" 2>/dev/null
    done
  done
done
# the command a user runs: a fresh JVM each time (the launcher's batch flags: serial GC, C1, class-data archive)
./skbscope packets "$rec" --limit 1 >/dev/null 2>&1   # builds the jar and the class-data archive if needed
for _ in $(seq "$runs"); do
  s=$(date +%s%N)
  ./skbscope packets "$rec" --node l4_rx --min-latency-us 100 --limit 20 >/dev/null 2>&1
  echo "cli: skbscope packets (1M events, node+latency filter) wall_ms=$(( ($(date +%s%N) - s) / 1000000 ))"
done

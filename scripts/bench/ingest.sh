#!/usr/bin/env bash
# Engine ingest bench, one command: JMH throughput and allocation per event (EngineIngestBenchmark
# with -prof gc), then events per CPU-second of the ingesting thread (EngineIngestCpuTime: a session's
# default tracker, journeys kept, against one with packet_history 0). Builds the JMH jar first when
# the engine's, the sources' or the bench's sources changed since it was built.
# usage: scripts/bench/ingest.sh [cpu_seconds=3] [cpu_pass_events=524288] [cpu_rounds=5]
# env: JMH_ARGS (default "-f 1 -wi 3 -i 5 -w 5s -r 5s -prof gc"), JMH=false or CPU=false skip a part
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/scripts/jdk.sh"
jar="$here/skbscope-bench/target/benchmarks.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$here/pom.xml" "$here"/skbscope-{engine,sources,server,bench}/src/main "$here"/skbscope-{engine,sources,server,bench}/pom.xml \
    -newer "$jar" -print -quit)" ]; then
  echo "ingest.sh: building the JMH jar" >&2
  (cd "$here" && mvn -q -B -ntp -DskipTests -Dskbscope.skipWeb=true -pl skbscope-bench -am package >&2)
fi
echo "# skbscope ingest bench, $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
if [ "${JMH:-true}" != false ]; then
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" -jar "$jar" EngineIngestBenchmark ${JMH_ARGS:--f 1 -wi 3 -i 5 -w 5s -r 5s -prof gc}
fi
if [ "${CPU:-true}" != false ]; then
  "$JAVA_HOME/bin/java" -cp "$jar" dev.skbscope.bench.EngineIngestCpuTime "${1:-3}" "${2:-524288}" "${3:-5}"
fi

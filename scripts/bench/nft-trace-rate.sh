#!/usr/bin/env bash
# nft mode throughput: UDP over loopback at RATE packets/s for SECONDS through an nft-mode session;
# prints sent vs traced packets, kernel-dropped trace messages (ENOBUFS) and the reader's CPU.
# Needs root and nftables. Usage: scripts/bench/nft-trace-rate.sh [RATE=100000] [SECONDS=10]
# SENDER=c (default when clang is installed): scripts/bench/udp-flood.c, sendmmsg, pinned to CPU 0
#   while the JVM (trace reader, session) is pinned to CPU 1 (PIN=0: no pinning);
# SENDER=java: one thread of the bench's own JVM sends, unpinned.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/jdk.sh
mvn -B -q -ntp -o -pl skbscope-nftrace -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test >/dev/null 2>&1 \
  || mvn -B -q -ntp -pl skbscope-nftrace -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test
cp="skbscope-nftrace/target/classes:skbscope-nftrace/target/test-classes:$(cat skbscope-nftrace/target/bench-cp.txt)"
sender=${SENDER:-$(command -v clang >/dev/null && echo c || echo java)}
jvm=(java)
props=()
if [[ $sender == c ]]; then
  flood=skbscope-nftrace/target/udp-flood
  [[ $flood -nt scripts/bench/udp-flood.c ]] || clang -O2 -Wall -o "$flood" scripts/bench/udp-flood.c
  if [[ ${PIN:-1} == 1 && $(nproc) -ge 2 ]]; then
    jvm=(taskset -c 1 java)
    props+=("-Dbench.sender=taskset -c 0 $PWD/$flood")
  else
    props+=("-Dbench.sender=$PWD/$flood")
  fi
fi
exec "${jvm[@]}" ${BENCH_JAVA_OPTS:-} "${props[@]}" --enable-native-access=ALL-UNNAMED -cp "$cp" \
  "${BENCH_MAIN:-dev.skbscope.nftrace.NftTraceRateBench}" "${1:-100000}" "${2:-10}"

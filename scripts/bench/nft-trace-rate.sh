#!/usr/bin/env bash
# nft mode throughput: UDP over loopback at RATE packets/s for SECONDS through an nft-mode session;
# prints sent vs traced packets, kernel-dropped trace messages (ENOBUFS) and the reader's CPU.
# Needs root and nftables. Usage: scripts/bench/nft-trace-rate.sh [RATE=100000] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/jdk.sh
mvn -B -q -ntp -o -pl skbscope-nftrace -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test >/dev/null 2>&1 \
  || mvn -B -q -ntp -pl skbscope-nftrace -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test
cp="skbscope-nftrace/target/classes:skbscope-nftrace/target/test-classes:$(cat skbscope-nftrace/target/bench-cp.txt)"
exec java ${BENCH_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -cp "$cp" "${BENCH_MAIN:-dev.skbscope.nftrace.NftTraceRateBench}" "${1:-100000}" "${2:-10}"

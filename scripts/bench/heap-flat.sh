#!/usr/bin/env bash
# Shows that one session's heap stays flat however many events it sees: runs the synthetic
# generator unpaced into a stats tracker (the hidden `synth --track-events` benchmark mode) for
# 100 million events in a small fixed heap, printing the heap used after a full GC every 10 million.
# Fails (exit 1) when the heap after GC grows by more than MAX_GROWTH_MB (default 8) from the second
# report to the last (the first one still includes warm-up).
# Usage: scripts/bench/heap-flat.sh [EVENTS] [EVERY] [RATE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/scripts/jdk.sh"
events="${1:-100000000}"; every="${2:-10000000}"; rate="${3:-1000000}"
jar="$here/skbscope-cli/target/skbscope.jar"
[ -f "$jar" ] || (cd "$here" && mvn -q -B -DskipTests -Dskbscope.quick=true package >&2)
# -Xmx128m: a heap that grew with the number of events would fail here long before 100M events.
"$JAVA_HOME/bin/java" -Xmx128m -XX:+UseSerialGC -jar "$jar" \
  synth --track-events "$events" --heap-every "$every" --rate "$rate" --drop-share 0.05 --seed 1 \
  | awk -v max="${MAX_GROWTH_MB:-8}" '
      { print; fflush() }
      $1 ~ /^[0-9,]+$/ { n++; heap = $3; if (n == 2) second = heap }
      END {
        if (n < 3) { print "heap-flat: too few reports to judge (need 3, got " n ")"; exit 1 }
        growth = heap - second
        printf "heap-flat: heap after GC grew %.1f MB from report 2 to report %d (limit %s MB): %s\n", growth, n, max, growth <= max ? "flat" : "GROWING"
        exit growth <= max ? 0 : 1
      }'

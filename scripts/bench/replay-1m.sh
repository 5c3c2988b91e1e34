#!/usr/bin/env bash
# Times a whole-process replay of a ~1,000,000-event recording (JVM start-up included) with
# farm-bench. The recording is made by `skbscope synth` (deterministic: seed 1).
# Usage: scripts/bench/replay-1m.sh [RUNS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
rec="${TMPDIR:-/tmp}/skbscope-replay-1m.jsonl"
if [ ! -s "$rec" ]; then
  "$here/skbscope" synth --rate 84000 --seconds 1 --seed 1 --drop-share 0.05 --out "$rec"
fi
echo "recording: $rec ($(wc -l < "$rec") lines, $(du -h "$rec" | cut -f1))"
"$here/skbscope" replay "$rec" --json > /dev/null   # builds the jar and the class-data archive if needed
farm-bench -n "$runs" --timeout 300 -- "$here/skbscope" replay "$rec" --json

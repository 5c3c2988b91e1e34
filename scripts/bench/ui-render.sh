#!/usr/bin/env bash
# UI bench, one command: render+commit time per stats update with 30 nodes and the JS heap over a
# compressed run of updates, in Debian's Chromium (web/tests/perf.mjs on a production build of the
# dashboard fed without a server). Installs web/node_modules first if needed.
# usage: scripts/bench/ui-render.sh [updates=600]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$here/web/build.sh" deps >&2
echo "# skbscope UI bench, $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
node "$here/web/tests/perf.mjs" "${1:-600}"

#!/usr/bin/env bash
# Fleet tests against a real Prometheus (Debian's prometheus and promtool, installed by
# scripts/install-deps.sh): promtool checks of deploy/prometheus, two skbscope servers scraped by
# Prometheus, the Grafana dashboard's queries, and the Hosts page in Debian's Chromium.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here/web"
source "$here/scripts/jdk.sh"
for b in /usr/bin/prometheus /usr/bin/promtool /usr/bin/chromium; do
  if [ ! -x "$b" ]; then
    echo "30-prometheus: $b missing (scripts/install-deps.sh installs Debian's prometheus and chromium)" >&2
    exit 1
  fi
done
bash build.sh deps
# bounded: Prometheus is killed by the test itself after 5 minutes; this bounds the whole run
timeout --kill-after=10 600 node tests/fleet.mjs

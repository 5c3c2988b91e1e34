#!/usr/bin/env bash
# The packet explorer in Debian's Chromium (playwright-core): dashboard drop reason and slowest node
# to the packets behind them, one packet's hops, a 10,000-row virtualized table; against the real jar.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here/web"
source "$here/scripts/jdk.sh"
if [ ! -x /usr/bin/chromium ]; then
  echo "45-packets: /usr/bin/chromium missing (scripts/install-deps.sh installs Debian's chromium)" >&2
  exit 1
fi
bash build.sh deps
node tests/packets.mjs

#!/usr/bin/env bash
# Web UI tests: Vitest unit tests, then browser tests (playwright-core driving Debian's /usr/bin/chromium,
# never a downloaded browser) against the real server jar built by `mvn verify`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here/web"
source "$here/scripts/jdk.sh"
if [ ! -x /usr/bin/chromium ]; then
  echo "40-web: /usr/bin/chromium missing (scripts/install-deps.sh installs Debian's chromium)" >&2
  exit 1
fi
bash build.sh test false     # npm ci if needed, then vitest
node tests/e2e.mjs

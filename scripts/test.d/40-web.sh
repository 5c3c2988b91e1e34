#!/usr/bin/env bash
# Web UI browser tests: playwright-core driving Debian's /usr/bin/chromium (never a downloaded browser)
# against the real server jar built by `mvn verify`. The Vitest unit tests run in mvn's test phase.
# e2e.mjs: sessions and the dashboard; alerts-e2e.mjs: alerts, toasts, the bell, rules and history.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here/web"
source "$here/scripts/jdk.sh"
if [ ! -x /usr/bin/chromium ]; then
  echo "40-web: /usr/bin/chromium missing (scripts/install-deps.sh installs Debian's chromium)" >&2
  exit 1
fi
bash build.sh deps
node tests/e2e.mjs
node tests/alerts-e2e.mjs

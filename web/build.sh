#!/usr/bin/env bash
# Builds (or tests) the web UI; called by Maven from skbscope-server (exec-maven-plugin).
#   web/build.sh build        -> npm ci if needed, then vite build into skbscope-server/target/classes/web
#   web/build.sh test [skip]  -> vitest unit tests (skip = "true" skips, for -DskipTests)
#   web/build.sh deps         -> npm ci if needed (the browser tests use playwright-core from node_modules)
# Skip the whole web build with -Dskbscope.skipWeb=true.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
what="${1:-build}"
if [ "$what" = test ] && [ "${2:-false}" = true ]; then
  echo "web: unit tests skipped (-DskipTests)"; exit 0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "ERROR: building the skbscope web UI needs Node.js (20.19+) and npm on PATH." >&2
  echo "       Install them (scripts/install-deps.sh, or apt-get install nodejs npm)," >&2
  echo "       or build without the UI: mvn ... -Dskbscope.skipWeb=true" >&2
  exit 1
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "ERROR: the web UI build needs Node.js 20.19+ (found $(node --version)); or use -Dskbscope.skipWeb=true" >&2
  exit 1
fi

# npm ci only when node_modules is missing or package-lock.json changed since the last install.
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.skbscope-lock.sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "web: npm ci (node_modules missing or package-lock.json changed)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

case "$what" in
  build)
    out=../skbscope-server/target/classes/web/index.html
    if [ -f "$out" ] && [ -z "$(find src index.html package-lock.json vite.config.ts tsconfig.json -newer "$out" -print -quit)" ]; then
      echo "web: UI up to date ($out)"; exit 0
    fi
    npm run --silent build
    ;;
  test)
    npm run --silent test
    ;;
  deps)
    ;;
  *)
    echo "usage: web/build.sh build|test [skip]|deps" >&2; exit 2
    ;;
esac

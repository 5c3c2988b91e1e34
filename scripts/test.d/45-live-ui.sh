#!/usr/bin/env bash
# The live kernel in the UI, end to end (web/tests/live-e2e.mjs): `./skbscope serve`, a live full
# session started from the form in Debian's Chromium, traffic between three network namespaces
# through a NAT router, every seed node of the flow graph with count, rate and p50 (or n/a with the
# reason), in-flight back to 0, and nothing left in the kernel after stop.
# Needs root and attaches to the kernel: run it as part of `./scripts/test` under the kernel lock.
# Not root: skipped, saying so. SKBSCOPE_TEST_KERNEL=0: skipped (shared development machines).
# Under CI=true it never skips: not root, or a kernel that cannot trace, fails it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here/web"
source "$here/scripts/jdk.sh"
if [ "$(id -u)" != 0 ]; then
  if [ "${CI:-}" = true ]; then echo "45-live-ui: KERNEL TEST CANNOT RUN: not root (CI=true)" >&2; exit 1; fi
  echo "45-live-ui: KERNEL TEST NOT RUN: not root" >&2
  exit 0
fi
if [ "${SKBSCOPE_TEST_KERNEL:-1}" = 0 ]; then
  echo "45-live-ui: KERNEL TEST NOT RUN: SKBSCOPE_TEST_KERNEL=0" >&2
  exit 0
fi
for tool in /usr/bin/chromium ip nft bpftool; do
  command -v "$tool" >/dev/null || { echo "45-live-ui: $tool missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
bash build.sh deps
node tests/live-e2e.mjs

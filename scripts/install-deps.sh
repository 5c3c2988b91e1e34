#!/usr/bin/env bash
# Installs, on a fresh Debian 12 machine (as root), what building and testing skbscope needs.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
pkgs=(
  maven                               # build
  clang llvm bpftool libbpf-dev libbpf1  # rebuild and load BPF objects
  nftables iproute2 iperf3 bpftrace   # kernel tests and overhead bench
  chromium                            # browser tests (driven by playwright-core; never a downloaded browser)
  python3-socketio python3-requests python3-websocket  # python-socketio client tests (/usr/bin/python3)
  nodejs npm                          # web UI build and socket.io-client tests
  prometheus                          # promtool and a real Prometheus (started by the tests, never as a service): alert-rules export, fleet tests
  tmux                                # drives `skbscope top` in a real terminal (scripts/test.d/30-top.sh)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node/npm may come from elsewhere than Debian (the machine image ships node 20)
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
clean=(); for p in "${missing[@]}"; do [ -n "$p" ] && clean+=("$p"); done
if [ ${#clean[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "install-deps: need root to install: ${clean[*]}" >&2; exit 1; fi
  echo "install-deps: installing ${clean[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${clean[@]}" >&2
fi

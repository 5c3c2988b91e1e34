#!/usr/bin/env bash
# 1,000 Socket.IO clients connect, join and vanish: the server's threads and RSS must be back within
# 10 % of their baseline within 60 s (scripts/bench/churn.sh prints the figures).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$here/scripts/bench/churn.sh" "${SKBSCOPE_CHURN_CLIENTS:-1000}"

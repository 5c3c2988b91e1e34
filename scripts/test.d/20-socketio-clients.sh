#!/usr/bin/env bash
# Real Socket.IO clients against the real server jar on a free loopback port: npm socket.io-client 4.x
# (websocket, polling, polling->websocket upgrade), Debian python3-socketio (polling, websocket), the
# 'alert' event with both (a session's room, and join_alerts), and a
# crowd of clients that vanish or stop reading while a good client checks the 1 s update rhythm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/scripts/jdk.sh"
source "$here/scripts/server-under-test.sh"
server_workspace 20-socketio-clients

token="t$RANDOM$RANDOM"
server_start -- --token "$token" || { echo "20-socketio-clients: server did not start" >&2; exit 1; }
echo "20-socketio-clients: server at $base" >&2

create() {
  curl -sf -X POST "$base/api/sessions" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" -d "$1" \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])'
}
sid="$(create '{"mode":"full","source":{"kind":"synthetic","rate":2000,"seed":7}}')"

clients="$here/scripts/clients"
if [ ! -d "$clients/node_modules/socket.io-client" ] || [ "$clients/package-lock.json" -nt "$clients/node_modules" ]; then
  (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
fails=0
run() { "$@" || { fails=$((fails + 1)); echo "20-socketio-clients: FAILED: $*" >&2; }; }
run node "$clients/socketio-check.js" "$base" "$sid" websocket "$token"
run node "$clients/socketio-check.js" "$base" "$sid" polling "$token"
run node "$clients/socketio-check.js" "$base" "$sid" upgrade "$token"
run /usr/bin/python3 "$clients/socketio_check.py" "$base" "$sid" polling "$token"
run /usr/bin/python3 "$clients/socketio_check.py" "$base" "$sid" websocket "$token"
# a wrong token is refused at the Socket.IO handshake with a clear connect_error
if out="$(node "$clients/socketio-check.js" "$base" "$sid" websocket wrong-token 2>&1)"; then
  echo "20-socketio-clients: FAILED: a wrong token was accepted" >&2; fails=$((fails + 1))
elif ! grep -q 'connect_error: unauthorized' <<<"$out"; then
  echo "20-socketio-clients: FAILED: wrong token: $out" >&2; fails=$((fails + 1))
else
  echo "[node wrong token] ok: refused ($out)" >&2
fi
# the 'alert' event: a session dropping 30 % of its packets and a rule of that session added by each client
drops="$(create '{"mode":"full","source":{"kind":"synthetic","rate":1000,"seed":3,"drop_share":0.3}}')"
run node "$clients/alert-check.js" "$base" "$drops" websocket "$token"
run node "$clients/alert-check.js" "$base" "$drops" polling "$token"
run /usr/bin/python3 "$clients/alert_check.py" "$base" "$drops" websocket "$token"
run /usr/bin/python3 "$clients/alert_check.py" "$base" "$drops" polling "$token"
run node "$clients/abandon.js" "$base" "$sid" "${SKBSCOPE_ABANDON_CLIENTS:-200}" 50 "$token"
curl -sf -H "Authorization: Bearer $token" "$base/api/health" >/dev/null || { echo "20-socketio-clients: server unhealthy after the crowd" >&2; fails=$((fails + 1)); }
if [ "$fails" -gt 0 ]; then
  echo "20-socketio-clients: $fails check(s) failed; server log:" >&2
  tail -50 "$work/server.out" >&2
  exit 1
fi
echo "20-socketio-clients: all Socket.IO client checks passed" >&2

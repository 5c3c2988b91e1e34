#!/usr/bin/env bash
# `skbscope top` as a user sees it: the real jar in tmux (send-keys to type, capture-pane to read the
# screen) against the real server with a synthetic session, and plain frames through a pipe.
# Every wait is on a condition with a deadline; nothing sleeps and then asserts.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/scripts/jdk.sh"
command -v tmux >/dev/null || { echo "30-top: tmux missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
sock="skt-top-$$"
source "$here/scripts/server-under-test.sh"
on_exit() { tmux -L "$sock" kill-server 2>/dev/null || true; }
server_workspace 30-top
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -jar "$jar")
fail() {
  echo "30-top: FAILED: $*" >&2
  if tmux -L "$sock" has-session -t top 2>/dev/null; then echo "--- screen:" >&2; screen >&2; fi
  for f in plain.txt plain.err file.txt; do
    [ -s "$work/$f" ] && { echo "--- $f (last lines):" >&2; tail -30 "$work/$f" >&2; }
  done
  echo "--- server:" >&2; tail -20 "$work/server.out" >&2
  if [ -n "${plain:-}" ] && kill -0 "$plain" 2>/dev/null; then "$JAVA_HOME/bin/jcmd" "$plain" Thread.print >&2 || true; fi
  exit 1
}
screen() { tmux -L "$sock" capture-pane -p -t top; }
# wait_for SECONDS DESCRIPTION COMMAND...: runs COMMAND until it succeeds, or fails the test at the deadline
wait_for() {
  local secs="$1" what="$2"; shift 2
  local end=$((SECONDS + secs))
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || fail "$what (after ${secs} s)"
    sleep 0.2
  done
}

token="t$RANDOM$RANDOM"
SERVER_START_SECS=120
server_start -XX:+UseSerialGC -- --token "$token" || fail "the server to listen"
port="${base##*:}"
echo "30-top: server at $base" >&2
sid="$(curl -sf -X POST "$base/api/sessions" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
        -d '{"mode":"full","source":{"kind":"synthetic","rate":3000,"seed":5,"drop_share":0.05}}' \
      | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')"
sid2="$(curl -sf -X POST "$base/api/sessions" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
        -d '{"mode":"full","source":{"kind":"synthetic","rate":500,"seed":6}}' \
      | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')"

# --- the full-screen view in a 160x50 terminal ---
tmux -L "$sock" new-session -d -s top -x 160 -y 50 \
  "$(printf '%q ' "${java[@]}") top --server $base --token $token --session $sid; echo \"EXIT=\$?\" > $work/exit; sleep 600"
labels=("NIC" "Driver (NAPI)" "GRO" "TC Ingress" "Netfilter PREROUTING" "Conntrack" "NAT PREROUTING" "Routing Decision"
        "Netfilter INPUT" "TCP/UDP" "Socket" "Netfilter FORWARD" "Netfilter POSTROUTING" "NIC TX" "Application"
        "TCP/UDP Output" "Netfilter OUTPUT" "Routing Lookup" "NAT POSTROUTING" "TC Egress" "Driver TX")
all_labels() {
  local s; s="$(screen)"
  for l in "${labels[@]}"; do grep -qF " $l " <<<"$s" || return 1; done
  grep -q "skbscope top  $sid" <<<"$s" && grep -q "pkts/s" <<<"$s"
}
wait_for 120 "every seed node label on screen" all_labels
screen | grep -q "VERDICTS" || fail "no verdicts panel"
screen | grep -q "TOP DROP REASONS" || fail "no drop reasons panel"
screen | grep -q "TOP FUNCTIONS" || fail "no top functions panel"
total() { screen | sed -n 's/.* pkts \([0-9.kMG]*\).*/\1/p' | head -1; }
napi() { screen | grep -F " Driver (NAPI) " | head -1 | awk '{print $3}'; }
first_total="$(total)"; first_napi="$(napi)"
[ -n "$first_total" ] && [ -n "$first_napi" ] || fail "no packet numbers on screen"
changed() { [ "$(total)" != "$first_total" ] && [ "$(napi)" != "$first_napi" ]; }
wait_for 30 "numbers to change between captures (pkts $first_total, Driver (NAPI) count $first_napi)" changed
echo "30-top: all ${#labels[@]} seed node labels shown; pkts $first_total -> $(total)" >&2

# keys: switch session, freeze, sort and help
tmux -L "$sock" send-keys -t top Tab
wait_for 30 "Tab to switch to the other session" bash -c "tmux -L $sock capture-pane -p -t top | grep -q '^skbscope top  $sid2 (2/2)'"
tmux -L "$sock" send-keys -t top 1
wait_for 30 "1 to pick the first session again" bash -c "tmux -L $sock capture-pane -p -t top | grep -q '^skbscope top  $sid (1/2)'"
tmux -L "$sock" send-keys -t top f
wait_for 20 "f to freeze the view" bash -c "tmux -L $sock capture-pane -p -t top | head -1 | grep -q FROZEN"
tmux -L "$sock" send-keys -t top f
wait_for 20 "f again to unfreeze" bash -c "! tmux -L $sock capture-pane -p -t top | head -1 | grep -q FROZEN"
tmux -L "$sock" send-keys -t top s
wait_for 20 "the sort key" bash -c "tmux -L $sock capture-pane -p -t top | grep -q 'sort: pkts/s'"
tmux -L "$sock" send-keys -t top '?'
wait_for 20 "the help screen" bash -c "tmux -L $sock capture-pane -p -t top | grep -q 'freeze the view'"
tmux -L "$sock" send-keys -t top '?'

# --- resize to 80x24: header and pipeline stay ---
tmux -L "$sock" resize-window -t top -x 80 -y 24
narrow() {
  local s; s="$(screen)"
  [ "$(wc -l <<<"$s")" -le 24 ] || return 1
  [ "$(/usr/bin/python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in sys.stdin.buffer.read().decode("utf-8").splitlines()))' <<<"$s")" -le 80 ] || return 1
  grep -q "^skbscope top  $sid" <<<"$s" && grep -q "pkts/s" <<<"$s" && grep -q "^ NODE " <<<"$s" \
    && grep -qF " Driver (NAPI) " <<<"$s" && grep -qF " Conntrack " <<<"$s" && grep -qF " Socket " <<<"$s" \
    && grep -qF " Application " <<<"$s" && grep -q " q quit" <<<"$s"
}
wait_for 30 "an 80x24 screen with the header and the pipeline" narrow
echo "30-top: 80x24 keeps the header and the pipeline" >&2

# --- the server goes away, then comes back ---
kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=""
wait_for 30 "'disconnected' after the server was killed" bash -c "tmux -L $sock capture-pane -p -t top | grep -q disconnected"
server_start -XX:+UseSerialGC -- --port "$port" --token "$token" || fail "the server to come back on port $port"
back() {
  local s; s="$(screen)"
  ! grep -q disconnected <<<"$s" && grep -Eq "(●|\*) live" <<<"$s" && grep -q "^skbscope top  $sid" <<<"$s" \
    && grep -qF " Driver (NAPI) " <<<"$s"
}
wait_for 60 "the view to return after the server came back" back
echo "30-top: 'disconnected' shown, and the view returned with the server" >&2

# --- q quits with exit code 0 ---
tmux -L "$sock" send-keys -t top q
wait_for 30 "top to exit after q" test -s "$work/exit"
grep -q "^EXIT=0$" "$work/exit" || fail "q exited with $(cat "$work/exit")"
tmux -L "$sock" kill-server 2>/dev/null || true
echo "30-top: q exits 0" >&2

# --- plain frames through a pipe (no terminal), --plain and --once ---
# (the sessions above were interrupted by the kill: a new one for the plain frames)
sid3="$(curl -sf -X POST "$base/api/sessions" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
        -d '{"mode":"full","source":{"kind":"synthetic","rate":1000,"seed":6,"drop_share":0.3}}' \
      | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')"
# top's stdout is a pipe to cat: no terminal, so plain frames; when cat goes away top ends by itself
mkfifo "$work/pipe"
cat "$work/pipe" >"$work/plain.txt" &
reader=$!
SKBSCOPE_TOKEN="$token" "${java[@]}" top --server "$base" --session "$sid3" >"$work/pipe" 2>"$work/plain.err" &
plain=$!
# frames with stats: a header line, then the line with pkts/s under it
frames() { [ "$(grep -A1 "^skbscope top  $sid3" "$work/plain.txt" | grep -c '^up .* pkts/s ')" -ge "$1" ]; }
wait_for 90 "two plain frames with stats through a pipe" frames 2
# 30 % drops: the server's default critical_drop_rate rule (> 20 % for 5 s) fires, and the panel shows it
wait_for 60 "the firing alert in the alerts panel" bash -c "grep -A3 'FIRING ALERTS' '$work/plain.txt' | grep -q 'Critical drop'"
kill "$reader"; wait "$reader" 2>/dev/null || true
gone() { ! kill -0 "$plain" 2>/dev/null; }
wait_for 30 "top to end when its pipe closed" gone
wait "$plain" 2>/dev/null || true
if grep -q $'\e' "$work/plain.txt"; then fail "escape sequences in plain output"; fi
grep -qF " Driver (NAPI) " "$work/plain.txt" || fail "plain frames lack the pipeline"
out="$("${java[@]}" top --server "$base" --token "$token" --session "$sid3" --once)" || fail "--once exited $?"
[ "$(grep -c '^skbscope top' <<<"$out")" -eq 1 ] || fail "--once printed $(grep -c '^skbscope top' <<<"$out") frames"
grep -qF "Netfilter PREROUTING" <<<"$out" || fail "--once frame lacks the pipeline"
echo "30-top: plain frames through a pipe (with the firing alert), --once prints one frame" >&2

# a recording replayed at its own speed, plain, ends by itself
"${java[@]}" synth --rate 2000 --seconds 3 --seed 9 --out "$work/rec.jsonl.gz" 2>/dev/null
"${java[@]}" top "$work/rec.jsonl.gz" --plain >"$work/file.txt" || fail "top FILE --plain exited $?"
n="$(grep -c '^skbscope top  rec.jsonl.gz' "$work/file.txt")"
[ "$n" -ge 3 ] || fail "top FILE printed $n frames for a 3 s recording"
tail -40 "$work/file.txt" | grep -q "finished" || fail "top FILE did not say the replay finished"
echo "30-top: top FILE --plain replays at the recorded pace ($n frames) and ends" >&2
echo "30-top: all top checks passed" >&2

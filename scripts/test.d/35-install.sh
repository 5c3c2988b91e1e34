#!/usr/bin/env bash
# The service install, tested on its installed layout: systemd is not PID 1 on the test machines, so
# the unit is checked with `systemd-analyze verify` and `security --offline`, and its ExecStart is run
# by hand from an install under a temporary root, with the unit's own capability bounding set
# (setpriv) when root: a live session there must see packets. Then uninstall removes it all.
# SKBSCOPE_TEST_KERNEL=0 skips the live session (to iterate without holding the kernel lock).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
fail() { echo "not ok - $*" >&2; [ -f "${out:-}" ] && tail -30 "$out" >&2; exit 1; }
ok() { echo "ok - $*"; }
json() { python3 -c "import sys,json; d=json.load(sys.stdin); print($1)"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

root="$(mktemp -d /tmp/skbscope-install-test.XXXXXX)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT

# 1. install under a temporary root (the one command, with --root)
./skbscope install --root "$root" --namespaces >/dev/null 2>"$root.log" || { cat "$root.log" >&2; rm -f "$root.log"; fail "install --root"; }
rm -f "$root.log"
for f in opt/skbscope/bin/skbscope opt/skbscope/lib/skbscope.jar opt/skbscope/runtime/bin/java etc/systemd/system/skbscope.service \
         etc/systemd/system/skbscope.service.d/namespaces.conf etc/skbscope/skbscope.toml etc/skbscope/token; do
  [ -e "$root/$f" ] || fail "installed layout: $f missing"
done
[ "$(stat -c %a "$root/etc/skbscope/token")" = 600 ] || fail "token file mode $(stat -c %a "$root/etc/skbscope/token"), want 600"
[ "$(stat -c %a "$root/var/lib/skbscope")" = 700 ] || fail "data dir mode"
[ "$(wc -c < "$root/etc/skbscope/token")" -ge 30 ] || fail "token too short"
rt="$(du -sm "$root/opt/skbscope" | cut -f1)"
ok "install --root: layout, modes; /opt/skbscope is ${rt} MB (runtime $(du -sm "$root/opt/skbscope/runtime" | cut -f1) MB)"
# a second install keeps the operator's settings and token
echo "# edited" >> "$root/etc/skbscope/skbscope.toml"; tok="$(cat "$root/etc/skbscope/token")"
./skbscope install --root "$root" >/dev/null 2>&1 || fail "second install"
grep -q '^# edited' "$root/etc/skbscope/skbscope.toml" && [ "$(cat "$root/etc/skbscope/token")" = "$tok" ] || fail "reinstall replaced settings"
ok "reinstall keeps skbscope.toml and the token"

# 2. the unit: systemd-analyze verify (ExecStart pointed at the temporary root) and its exposure
unit="$root/skbscope.service"
sed "s#/opt/skbscope/#$root/opt/skbscope/#" "$root/etc/systemd/system/skbscope.service" > "$unit"
v="$(systemd-analyze verify "$unit" 2>&1)" || fail "systemd-analyze verify: $v"
[ -z "$v" ] || fail "systemd-analyze verify warned: $v"
exposure="$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')"
[ -n "$exposure" ] && python3 -c "import sys; sys.exit(0 if float('$exposure') <= 3.0 else 1)" || fail "exposure level '$exposure' (want <= 3.0)"
ok "systemd-analyze verify: clean; security --offline: exposure $exposure"

# 3. run the unit's ExecStart from the installed files, with the installed settings (paths moved
#    under the temporary root) and, as root, the unit's capability bounding set
caps="$(sed -n 's/^CapabilityBoundingSet=//p' "$root/etc/systemd/system/skbscope.service" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' | paste -sd, -)"
[ "$caps" = "bpf,perfmon,net_admin" ] || fail "unit capabilities: $caps"
port="$(free_port)"; out="$root/serve.out"
cmd=("$root/opt/skbscope/bin/skbscope" serve --config "$root/etc/skbscope/skbscope.toml" --port "$port"
     --token-file "$root/etc/skbscope/token" --data-dir "$root/var/lib/skbscope" --log-dir "$root/var/log/skbscope")
wrap=()
if [ "$(id -u)" = 0 ]; then wrap=(setpriv --bounding-set "-all,+${caps//,/,+}" --); fi
JOURNAL_STREAM=8:12345 "${wrap[@]}" "${cmd[@]}" > "$out" 2>&1 &
pid=$!
B="http://127.0.0.1:$port"; H="Authorization: Bearer $(head -1 "$root/etc/skbscope/token")"
for _ in $(seq 240); do curl -sf -H "$H" "$B/api/health" >/dev/null 2>&1 && break; kill -0 "$pid" 2>/dev/null || fail "installed server exited"; sleep 0.5; done
curl -sf -H "$H" "$B/api/health" >/dev/null || fail "installed server did not answer within 120 s"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$B/api/health")" = 401 ] || fail "the installed server answers without its token"
if [ "$(id -u)" = 0 ]; then
  eff="$(grep CapEff "/proc/$pid/status" | cut -f2)"; [ "$eff" = 000000c000001000 ] || fail "CapEff $eff (want BPF, PERFMON, NET_ADMIN)"
fi
# journald lines: a priority prefix and no timestamp
grep -q '^<6>INFO  \[main\] ' "$out" || fail "no journald-style line on stdout"
grep -qE '^<[0-9]>[0-9]{4}-' "$out" && fail "a timestamp in a journald line"
ok "installed ExecStart serves with the installed settings, token enforced, journald lines${wrap:+, CapEff = the bounding set of the unit}"

sid="$(curl -s -H "$H" -H 'Content-Type: application/json' -X POST "$B/api/sessions" \
       -d '{"source":{"kind":"synthetic","rate":1000},"record":false}' | json 'd["session_id"]')"
for _ in $(seq 100); do
  n="$(curl -s -H "$H" "$B/api/sessions/$sid/stats" | json 'd["stats"]["total_packets"]')"; [ "$n" -gt 0 ] && break; sleep 0.2
done
[ "$n" -gt 0 ] || fail "synthetic session counted nothing"
# the first counted packets may not have reached PREROUTING yet: wait for its series with a deadline
m=""
for _ in $(seq 100); do
  curl -s -H "$H" "$B/metrics" | grep -q "skbscope_node_packets_total{node=\"nf_prerouting\",session=\"$sid\"}" && { m=1; break; }
  sleep 0.2
done
[ -n "$m" ] || fail "no node metrics within 20 s"
curl -s -H "$H" -X DELETE "$B/api/sessions/$sid" >/dev/null
ok "the bundled runtime runs sessions and /metrics"

if [ "$(id -u)" = 0 ] && [ "${SKBSCOPE_TEST_KERNEL:-1}" != 0 ]; then
  r="$(curl -s -H "$H" -H 'Content-Type: application/json' -X POST "$B/api/sessions" \
       -d '{"mode":"full","source":{"kind":"live"},"filter":{"host":"127.0.0.1/32"},"record":false}')"
  lid="$(echo "$r" | json 'd.get("session_id","")')" || true
  if [ -z "$lid" ]; then
    if [ "${CI:-}" = true ]; then fail "live session under the unit's capabilities: $r"; fi
    echo "ok - live tracing unavailable here, not checked under the unit's capabilities: $r"
  else
    for _ in $(seq 100); do
      curl -s -H "$H" "$B/api/health" >/dev/null
      n="$(curl -s -H "$H" "$B/api/sessions/$lid/stats" | json 'd["stats"]["total_packets"]')"; [ "$n" -gt 0 ] && break; sleep 0.2
    done
    [ "$n" -gt 0 ] || fail "a live session under the unit's capabilities saw no packet"
    curl -s -H "$H" -X DELETE "$B/api/sessions/$lid" >/dev/null
    ok "live full session under CapabilityBoundingSet=$caps sees packets ($n)"
  fi
fi
kill -TERM "$pid"; wait "$pid" || true; pid=""
grep -q 'stopping' "$out" || fail "no clean stop on SIGTERM"
if [ "$(id -u)" = 0 ] && command -v bpftool >/dev/null; then
  left="$(bpftool link list 2>/dev/null | grep -c skbscope || true)"; [ "$left" = 0 ] || fail "$left BPF links left after SIGTERM"
fi
ok "SIGTERM stops it cleanly (nothing left in the kernel)"

# 4. uninstall: the service goes, settings and data stay; --purge removes them
./skbscope uninstall --root "$root" >/dev/null 2>&1 || fail "uninstall"
[ ! -e "$root/opt/skbscope" ] && [ ! -e "$root/etc/systemd/system/skbscope.service" ] && [ ! -e "$root/etc/systemd/system/skbscope.service.d" ] || fail "uninstall left files"
[ -e "$root/etc/skbscope/skbscope.toml" ] && [ -d "$root/var/lib/skbscope" ] || fail "uninstall removed settings or data"
./skbscope uninstall --root "$root" --purge >/dev/null 2>&1 || fail "uninstall --purge"
[ ! -e "$root/etc/skbscope" ] && [ ! -e "$root/var/lib/skbscope" ] && [ ! -e "$root/var/log/skbscope" ] || fail "purge left files"
ok "uninstall keeps settings and data; --purge removes them"
echo "install: all passed"

#!/usr/bin/env bash
# The Prometheus alerting-rules export (GET /api/alerts/rules/prometheus) against Debian's real
# Prometheus: `promtool check rules` accepts it, `promtool test rules` checks what the rules mean on
# known series, and a real Prometheus scraping the server loads the same file unchanged and fires
# critical_drop_rate for a synthetic session dropping 30 % of its packets.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/scripts/jdk.sh"
command -v promtool >/dev/null && command -v prometheus >/dev/null \
  || { echo "30-prometheus-rules: promtool/prometheus missing (Debian package prometheus; scripts/install-deps.sh)" >&2; exit 1; }
pids=()
source "$here/scripts/server-under-test.sh"
on_exit() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
server_workspace 30-prometheus-rules
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

token="t$RANDOM$RANDOM"
server_start -- --token "$token" || { echo "30-prometheus-rules: server did not start" >&2; exit 1; }
api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }

sid="$(api -X POST "$base/api/sessions" -d '{"source":{"kind":"synthetic","rate":1000,"seed":5,"drop_share":0.3}}' \
  | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')"
# a rule of that session: the export leaves the session out of the global rule and adds its own
api -X PUT "$base/api/sessions/$sid/alerts/rules/high_drop_rate" -d '{"threshold":25}' >/dev/null
api "$base/api/alerts/rules/prometheus" >"$work/rules.yml"
promtool check rules --lint-fatal "$work/rules.yml" >&2

# what the rules mean, on known series (15 s scrapes): 30 % drops fire critical_drop_rate while the
# session runs and not once it stopped; a running session without packets fires low_packet_rate
cat >"$work/test.yml" <<YAML
rule_files: [rules.yml]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - {series: 'skbscope_session_packets_total{instance="h:5000",job="skbscope",session="s1"}', values: '0+15000x20'}
      - {series: 'skbscope_session_drops_total{instance="h:5000",job="skbscope",session="s1"}', values: '0+4500x20'}
      - {series: 'skbscope_session_running{instance="h:5000",job="skbscope",session="s1"}', values: '1x20'}
      - {series: 'skbscope_session_packets_total{instance="h:5000",job="skbscope",session="s2"}', values: '0+15000x20'}
      - {series: 'skbscope_session_drops_total{instance="h:5000",job="skbscope",session="s2"}', values: '0+4500x20'}
      - {series: 'skbscope_session_running{instance="h:5000",job="skbscope",session="s2"}', values: '0x20'}
      - {series: 'skbscope_session_packets_total{instance="h:5000",job="skbscope",session="s3"}', values: '100x20'}
      - {series: 'skbscope_session_drops_total{instance="h:5000",job="skbscope",session="s3"}', values: '0x20'}
      - {series: 'skbscope_session_running{instance="h:5000",job="skbscope",session="s3"}', values: '1x20'}
    alert_rule_test:
      - eval_time: 2m
        alertname: critical_drop_rate
        exp_alerts:
          - exp_labels: {severity: error, instance: "h:5000", job: skbscope, session: s1}
            exp_annotations: {summary: Critical drop rate, description: "s1: drop_rate > 20 % (now 30 %)"}
      - eval_time: 3m
        alertname: low_packet_rate
        exp_alerts:
          - exp_labels: {severity: info, instance: "h:5000", job: skbscope, session: s3}
            exp_annotations: {summary: Low packet rate, description: "s3: packets_per_second < 1 packets/s (now 0 packets/s)"}
YAML
(cd "$work" && promtool test rules test.yml) >&2

# a real Prometheus scraping the server every second, with the exported file as it is
pport="$(free_port)"
cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: skbscope
    authorization: {credentials: "$token"}
    static_configs: [{targets: ["${base#http://}"]}]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" --web.listen-address="127.0.0.1:$pport" \
  >"$work/prometheus.out" 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$pport"
check() {
  curl -sf "$prom/api/v1/rules" >"$work/rules.json" 2>/dev/null && curl -sf "$prom/api/v1/alerts" >"$work/alerts.json" 2>/dev/null || return 1
  /usr/bin/python3 - "$work" "$sid" <<'PY'
import json, sys
work, sid = sys.argv[1:3]
rules = [r for g in json.load(open(f"{work}/rules.json"))["data"]["groups"] for r in g["rules"]]
bad = [r["name"] for r in rules if r.get("health") not in ("ok", "unknown")]
if bad:
    print("rules not healthy: %s" % bad, file=sys.stderr); sys.exit(2)
alerts = json.load(open(f"{work}/alerts.json"))["data"]["alerts"]
firing = {(a["labels"]["alertname"], a["labels"].get("session")) for a in alerts if a["state"] == "firing"}
need = {("critical_drop_rate", sid), ("high_drop_rate", sid)}
if need <= firing:
    print("30-prometheus-rules: Prometheus loaded %d rules and fires %s" % (len(rules), sorted(firing)), file=sys.stderr)
    sys.exit(0)
sys.exit(1)
PY
}
ok=""
for _ in $(seq 1 180); do
  set +e; check; rc=$?; set -e
  if [ "$rc" = 0 ]; then ok=1; break; fi
  if [ "$rc" = 2 ]; then break; fi
  sleep 0.5
done
if [ -z "$ok" ]; then
  echo "30-prometheus-rules: FAILED: Prometheus did not fire the drop-rate alerts; rules, alerts and logs:" >&2
  cat "$work/rules.json" "$work/alerts.json" >&2 2>/dev/null || true
  tail -20 "$work/prometheus.out" >&2
  exit 1
fi
echo "30-prometheus-rules: promtool check, promtool test and a real Prometheus all passed" >&2

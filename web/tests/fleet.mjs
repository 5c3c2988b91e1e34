// Fleet test: a real Prometheus (Debian's) scrapes two skbscope servers ("two hosts", each with a
// synthetic session) and everything shipped for a fleet is checked against it: the exposition
// (promtool check metrics), the metrics through the query API, the recording and alerting rules of
// deploy/prometheus, every PromQL expression of deploy/grafana/skbscope.json, and skbscope's own
// Hosts page (serve --prometheus URL) in Debian's Chromium.
// Run by scripts/test.d/30-prometheus.sh after `mvn verify`; by hand: node web/tests/fleet.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { assert, CHROME_ARGS, freePort, root, Server, stepper, waitFor } from './harness.mjs';
import { Prometheus, PROMTOOL } from './prometheus.mjs';

/** Engine latency bucket upper bounds (StatsSnapshot.LatencyBuckets), µs. */
const BOUNDS_US = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, Infinity];
/** The only label names the exposition may carry (Prometheus adds job and instance). */
const LABELS = new Set(['session', 'node', 'hook', 'verdict', 'reason', 'mode', 'state', 'version', 'le', 'rule', 'severity']);

let page;
const steps = stepper('skbscope-fleet', () => page);
const { step } = steps;

/** One skbscope server standing for one host, with one synthetic session. */
class Host {
  constructor(name, port, session, extraArgs = []) {
    this.name = name;
    this.port = port;
    this.instance = `127.0.0.1:${port}`;
    this.base = `http://${this.instance}`;
    this.dataDir = mkdtempSync(join(tmpdir(), `skbscope-fleet-${name}-`));
    this.server = new Server(port, this.dataDir, extraArgs);
    this.sessionBody = session;
  }
  async api(path, init) {
    const r = await fetch(this.base + path, init);
    const body = await r.json();
    if (!r.ok) throw new Error(`${this.name} ${path}: ${r.status} ${JSON.stringify(body)}`);
    return body;
  }
  async start() {
    await this.server.start();
    const r = await this.api('/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.sessionBody) });
    this.session = r.session_id;
  }
  async stats() {
    return (await this.api(`/api/sessions/${this.session}/stats`)).stats;
  }
  async stopSession() {
    await this.api(`/api/sessions/${this.session}`, { method: 'DELETE' });
  }
  async close() {
    await this.server.kill().catch(() => {});
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Groups a vector by instance: instance -> [{labels, value}]. */
function byInstance(vec) {
  const m = new Map();
  for (const s of vec) m.set(s.labels.instance, [...(m.get(s.labels.instance) ?? []), s]);
  return m;
}

/** The width of the engine bucket holding v µs (the precision of a quantile read off the buckets), µs. */
function bucketWidthUs(v) {
  for (let i = 0; i < BOUNDS_US.length; i++) if (v <= BOUNDS_US[i]) return BOUNDS_US[i] - (i ? BOUNDS_US[i - 1] : 0);
  return Infinity;
}

function promtool(...args) {
  const r = spawnSync(PROMTOOL, args, { encoding: 'utf8', input: args[0] === 'check' && args[1] === 'metrics' ? args.pop() : undefined });
  return { code: r.status, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

/**
 * Every PromQL expression of a Grafana dashboard: panel targets (rows' panels included) and query
 * variables, with the template variables substituted as Grafana would for the given selection.
 */
export function dashboardQueries(dashboard, vars) {
  const out = [];
  const subst = (expr) =>
    expr.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)|\[\[(\w+)\]\]/g, (m, a, _fmt, b, c) => {
      const name = a ?? b ?? c;
      if (!(name in vars)) throw new Error(`unknown template variable ${m} in ${expr}`);
      return vars[name];
    });
  const walk = (panels, path) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `${path}panel "${p.title}" ${t.refId ?? ''}`, expr: subst(t.expr), raw: t.expr });
      walk(p.panels, `${path}row "${p.title}" / `);
    }
  };
  walk(dashboard.panels, '');
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    // label_values(selector, label) is Grafana's: the same question in PromQL is count by (label) (selector)
    const lv = /^label_values\((.*),\s*(\w+)\)$/.exec(q.trim());
    out.push({ where: `variable ${v.name}`, expr: subst(lv ? `count by (${lv[2]}) (${lv[1]})` : q), raw: q });
  }
  return out;
}

const promDeploy = join(root, 'deploy/prometheus');
const hostsA = await freePort();
const hostsB = await freePort();
const prom = await Prometheus.create(300_000);
// host A also serves the Hosts page, reading this Prometheus
// a drops 2 % (below the default high_drop_rate alert, 5 %), b 10 % (above it)
const a = new Host('a', hostsA, { mode: 'full', source: { kind: 'synthetic', rate: 3000, seed: 1, drop_share: 0.02 } }, ['--prometheus', prom.url]);
const b = new Host('b', hostsB, { mode: 'full', source: { kind: 'synthetic', rate: 1500, seed: 2, drop_share: 0.1 } });
const hosts = [a, b];
const profile = mkdtempSync(join(tmpdir(), 'skbscope-fleet-chrome-'));
let browser;
let exitCode = 0;
try {
  await step('the shipped Prometheus files pass promtool (check config, check rules, test rules)', async () => {
    // promtool check config also opens the token file the example names: give it one
    const dir = mkdtempSync(join(tmpdir(), 'skbscope-promtool-'));
    try {
      for (const f of ['prometheus.yml', 'skbscope.rules.yml', 'skbscope.alerts.yml', 'skbscope.session-alerts.yml', 'skbscope.rules.test.yml'])
        writeFileSync(join(dir, f), readFileSync(join(promDeploy, f)));
      writeFileSync(join(dir, 'skbscope.token'), 'test-token\n');
      for (const args of [['check', 'config', join(dir, 'prometheus.yml')], ['check', 'rules', '--lint-fatal', join(dir, 'skbscope.rules.yml'), join(dir, 'skbscope.alerts.yml'), join(dir, 'skbscope.session-alerts.yml')],
        ['test', 'rules', join(dir, 'skbscope.rules.test.yml')]]) {
        const r = promtool(...args);
        assert(r.code === 0, `promtool ${args.join(' ')} failed:\n${r.out}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  await step('two skbscope servers, each with a synthetic session', async () => {
    await Promise.all(hosts.map((h) => h.start()));
  });

  await step('deploy/prometheus/skbscope.session-alerts.yml is the alert rules export of a default server', async () => {
    const r = await fetch(`${a.base}/api/alerts/rules/prometheus`);
    assert(r.ok, `export: HTTP ${r.status}`);
    const shipped = readFileSync(join(promDeploy, 'skbscope.session-alerts.yml'), 'utf8');
    assert((await r.text()) === shipped, 'the shipped export differs from GET /api/alerts/rules/prometheus: regenerate it (docs/operations.md)');
  });

  await step('the exposition passes promtool check metrics; labels only from bounded sets', async () => {
    const text = await (await fetch(`${a.base}/metrics`, { headers: { accept: 'text/plain; version=0.0.4' } })).text();
    const r = promtool('check', 'metrics', text);
    assert(r.code === 0 && r.out.trim() === '', `promtool check metrics:\n${r.out}`);
    const names = new Set([...text.matchAll(/[{,]([a-zA-Z_]\w*)="/g)].map((m) => m[1]));
    const extra = [...names].filter((n) => !LABELS.has(n));
    assert(extra.length === 0, `unexpected label names: ${extra}`);
    assert(!/="[^"]*\d+\.\d+\.\d+\.\d+[^"]*"/.test(text), 'an IPv4 address appears in a label value');
  });

  await step('Prometheus (loopback, temp dir, 1 s scrapes) scrapes both; up == 1 for both', async () => {
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['skbscope.rules.yml', 'skbscope.alerts.yml', 'skbscope.session-alerts.yml'].map((f) => join(promDeploy, f)),
      scrape_configs: [{ job_name: 'skbscope', scrape_interval: '1s', static_configs: [{ targets: hosts.map((h) => h.instance) }] }],
    };
    prom.writeConfig(JSON.stringify(config, null, 2)); // JSON is YAML
    await prom.start();
    const up = await waitFor(async () => {
      const v = await prom.vector('up{job="skbscope"}');
      return v.length === 2 && v.every((s) => s.value === 1) && v;
    }, 30_000, 'up == 1 for both targets');
    assert(new Set(up.map((s) => s.labels.instance)).size === 2, 'two instances');
  });

  await step('rate(skbscope_node_packets_total[30s]) > 0 for every node of the synthetic paths, from both targets', async () => {
    await waitFor(async () => {
      const rates = byInstance(await prom.vector('rate(skbscope_node_packets_total{job="skbscope"}[30s])'));
      for (const h of hosts) {
        const nodes = Object.values((await h.stats()).nodes).filter((n) => n.packets > 0).map((n) => n.id);
        if (nodes.length < 10) return false;
        const got = new Map((rates.get(h.instance) ?? []).map((s) => [s.labels.node, s.value]));
        const missing = nodes.filter((n) => !(got.get(n) > 0));
        if (missing.length) return false;
        h.pathNodes = nodes;
      }
      return true;
    }, 30_000, 'non-zero per-node rates from both targets');
    console.log(`  nodes with traffic: a ${a.pathNodes.length}, b ${b.pathNodes.length}`);
  });

  await step('recording rules evaluate to values for both hosts', async () => {
    for (const rule of ['instance_node:skbscope_node_packets:rate1m', 'instance:skbscope_packets:rate1m', 'instance_node_reason:skbscope_drops:rate1m',
      'instance:skbscope_drops:ratio_rate1m', 'instance_node:skbscope_drops:ratio_rate1m', 'instance_node:skbscope_node_latency_seconds:p99_rate1m',
      'instance_verdict:skbscope_verdicts:rate1m', 'instance:skbscope_source_lost_events:rate1m']) {
      await waitFor(async () => byInstance(await prom.vector(rule)).size === 2, 20_000, `${rule} for both instances`);
    }
    const ratio = byInstance(await prom.vector('instance:skbscope_drops:ratio_rate1m'));
    for (const h of hosts) {
      const share = h.sessionBody.source.drop_share;
      const v = ratio.get(h.instance)[0].value;
      assert(v > share / 3 && v < share * 3, `${h.name}: drop ratio ${v} far from the synthetic share ${share}`);
    }
  });

  const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/skbscope.json'), 'utf8'));
  await step('every PromQL of the Grafana dashboard gives a valid, non-empty answer', async () => {
    const vars = {
      datasource: 'prometheus', job: 'skbscope', instance: hosts.map((h) => h.instance.replaceAll('.', '\\\\.')).join('|'), session: '.*',
      node: '.*', __rate_interval: '30s', __interval: '5s', __range: '5m',
    };
    const queries = dashboardQueries(dashboard, vars);
    assert(queries.length >= 10, `only ${queries.length} queries in the dashboard`);
    const empty = [];
    for (const q of queries) {
      const res = await waitFor(async () => {
        const r = await prom.query(q.expr);
        return r.length > 0 && r;
      }, 15_000, `an answer to ${q.where}: ${q.expr}`).catch((e) => {
        empty.push(`${q.where}: ${q.expr} (${e.message.split(':')[0]})`);
        return null;
      });
      if (res) q.series = res.length;
    }
    assert(empty.length === 0, `empty or failing dashboard queries:\n    ${empty.join('\n    ')}`);
    console.log(`  ${queries.length} dashboard queries answered`);
  });

  await step('the Hosts page (serve --prometheus) lists both hosts from PromQL, in Chromium', async () => {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROME_ARGS, viewport: { width: 1280, height: 800 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${a.base}/#/hosts`);
    await page.getByTestId('hosts-page').waitFor({ timeout: 15_000 });
    for (const h of hosts) {
      const row = page.locator(`[data-testid=host-row][data-instance="${h.instance}"]`);
      await waitFor(async () => (await row.count()) === 1 && Number(await row.getAttribute('data-pps')) > 0, 20_000, `a row for ${h.instance} with packets/s`);
      const pps = Number(await row.getAttribute('data-pps'));
      const drop = Number(await row.getAttribute('data-drop-ratio'));
      const p99 = Number(await row.getAttribute('data-p99-seconds'));
      const up = await row.getAttribute('data-up');
      assert(up === '1', `${h.name}: up ${up}`);
      // the page shows what PromQL answers: the same query now, within the drift of a few seconds
      const direct = (await prom.vector(`sum(rate(skbscope_session_packets_total{instance="${h.instance}"}[1m]))`))[0]?.value;
      assert(pps > 0 && Math.abs(pps - direct) <= 0.5 * direct, `${h.name}: packets/s ${pps} on the page, ${direct} from Prometheus`);
      assert(drop > 0 && drop < 1, `${h.name}: drop ratio ${drop}`);
      assert(p99 > 0 && p99 < 0.01, `${h.name}: worst p99 ${p99}`);
      if (h === b) await waitFor(async () => Number(await row.getAttribute('data-alerts')) >= 1, 30_000, 'a firing alert on b (10 % drops)');
      else assert(Number(await row.getAttribute('data-alerts')) === 0, `a: ${await row.getAttribute('data-alerts')} firing alerts at 2 % drops`);
      const href = await row.getByTestId('host-link').getAttribute('href');
      assert(href === `${h.base}/`, `${h.name}: link ${href}`);
    }
    assert((await page.getByTestId('host-row').count()) === 2, 'exactly two host rows');
    if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: join(root, 'docs/screenshots/hosts.png') });
    // the link opens that host's own UI
    const popup = page.waitForEvent('popup');
    await page.locator(`[data-testid=host-row][data-instance="${b.instance}"]`).getByTestId('host-link').click();
    const other = await popup;
    await other.getByTestId('session-form').waitFor({ timeout: 15_000 });
    assert(other.url().startsWith(b.base), `the link opened ${other.url()}`);
    await other.close();
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });

  await step('after the sessions stop, Prometheus holds their exact final counters (within the grace period)', async () => {
    await Promise.all(hosts.map((h) => h.stopSession()));
    for (const h of hosts) h.final = await h.stats();
    await waitFor(async () => {
      const v = byInstance(await prom.vector('skbscope_session_packets_total{job="skbscope"}'));
      return hosts.every((h) => v.get(h.instance)?.[0]?.value === h.final.total_packets);
    }, 20_000, 'the final total_packets of both sessions in Prometheus');
    for (const h of hosts) {
      const sel = `{job="skbscope",instance="${h.instance}",session="${h.session}"}`;
      const f = h.final;
      const nodePackets = await prom.vector(`skbscope_node_packets_total${sel}`);
      for (const n of Object.values(f.nodes).filter((x) => x.packets > 0)) {
        const got = nodePackets.find((s) => s.labels.node === n.id)?.value;
        assert(got === n.packets, `${h.name} ${n.id}: packets ${got} in Prometheus, ${n.packets} in the session`);
      }
      const drops = await prom.vector(`skbscope_drops_total${sel}`);
      const want = Object.values(f.nodes).flatMap((n) => Object.entries(n.drop_reasons ?? {}).map(([r, c]) => [n.id, r, c]));
      assert(want.length > 0, `${h.name}: the synthetic session dropped nothing`);
      assert(drops.length === want.length, `${h.name}: ${drops.length} drop series, ${want.length} (node, reason) pairs`);
      for (const [node, reason, c] of want) {
        const got = drops.find((s) => s.labels.node === node && s.labels.reason === reason)?.value;
        assert(got === c, `${h.name} drops ${node}/${reason}: ${got} in Prometheus, ${c} in the session`);
      }
      const verdicts = await prom.vector(`skbscope_verdicts_total${sel}`);
      assert(Object.keys(f.total_verdicts).length >= 2, `${h.name}: verdicts ${JSON.stringify(f.total_verdicts)}`);
      for (const [v, c] of Object.entries(f.total_verdicts)) {
        const got = verdicts.find((s) => s.labels.verdict === v)?.value;
        assert(got === c, `${h.name} verdict ${v}: ${got} in Prometheus, ${c} in the session`);
      }
      const lost = await prom.vector(`skbscope_source_lost_events_total${sel}`);
      assert(lost.length === 1 && lost[0].value === f.source.lost_events, `${h.name}: lost events ${JSON.stringify(lost)} vs ${f.source.lost_events}`);
    }
  });

  await step('histogram_quantile(0.99, ...) per node is within the histogram precision of the session\'s own p99', async () => {
    let compared = 0;
    for (const h of hosts) {
      const q = await prom.vector(`histogram_quantile(0.99, skbscope_node_latency_seconds_bucket{job="skbscope",instance="${h.instance}",session="${h.session}"})`);
      for (const n of Object.values(h.final.nodes).filter((x) => x.samples >= 200)) {
        const got = q.find((s) => s.labels.node === n.id)?.value;
        assert(got !== undefined, `${h.name} ${n.id}: no quantile`);
        const gotUs = got * 1e6;
        const width = bucketWidthUs(n.p99_us);
        assert(Math.abs(gotUs - n.p99_us) <= width, `${h.name} ${n.id}: p99 ${gotUs.toFixed(2)} µs from Prometheus, ${n.p99_us} µs in the session (bucket width ${width} µs)`);
        compared++;
      }
    }
    assert(compared >= 10, `only ${compared} nodes compared`);
    console.log(`  ${compared} node p99s compared`);
  });

  await step('samples per scrape stay under the documented worst case (one session: 669 + 7 alerts + 65)', async () => {
    const v = await prom.vector('scrape_samples_scraped{job="skbscope"}');
    assert(v.length === 2, `scrape_samples_scraped for ${v.length} targets`);
    for (const s of v) {
      console.log(`  ${s.labels.instance}: ${s.value} samples per scrape`);
      assert(s.value > 100 && s.value <= 669 + 7 + 65, `${s.labels.instance}: ${s.value} samples`);
    }
  });
} catch (e) {
  exitCode = 1;
  if (!steps.failures) console.log(`not ok - setup\n  ${e?.stack ?? e}`);
  for (const h of hosts) if (h.server.output) console.log(`--- ${h.name} output (tail) ---\n${h.server.output.slice(-2000)}`);
  if (prom.output) console.log(`--- prometheus output (tail) ---\n${prom.output.slice(-2000)}`);
} finally {
  await browser?.close().catch(() => {});
  await prom.stop().catch(() => {});
  for (const h of hosts) await h.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(exitCode === 0 ? 'fleet: all passed' : 'fleet: FAILED');
process.exit(exitCode);

// UI performance run: render time per stats update with 30 nodes, and the JS heap over a compressed
// run of many updates, in Chromium. The page is the performance harness (web/perf, a production
// build of the dashboard whose store is fed by window.__skbscope.push instead of the socket), so
// the app itself carries no test hook.
// Run: node web/tests/perf.mjs [updates=600]   (needs web/node_modules: web/build.sh deps)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROME_ARGS, here, serveStatic } from './harness.mjs';

const UPDATES = Number(process.argv[2] ?? 600);
const webDir = join(here, '..');
execFileSync('npx', ['vite', 'build', '--config', 'vite.perf.config.ts', '--logLevel', 'warn'], { cwd: webDir, stdio: 'inherit' });
const profile = mkdtempSync(join(tmpdir(), 'skbscope-perf-chrome-'));
const server = await serveStatic(join(webDir, 'dist-perf'));
let browser;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...CHROME_ARGS, '--js-flags=--expose-gc'],
    viewport: { width: 1280, height: 800 },
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${server.port}/index.html`);
  await page.getByTestId('dashboard').waitFor();
  await page.waitForFunction(() => window.__skbscope !== undefined);
  if (process.env.PERF_HIDE) await page.addStyleTag({ content: `${process.env.PERF_HIDE} { display: none !important; }` });
  const cdp = await browser.newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };

  // Pushes `count` updates one per frame, so every one renders, commits and paints (no batching).
  const push = (from, count) =>
    page.evaluate(
      async ({ from, count, fast }) => {
        const ids = ['nic_rx', 'driver_napi', 'gro', 'tc_ingress', 'nf_prerouting', 'conntrack', 'nat_prerouting', 'routing_decision', 'nf_input', 'l4_rx',
          'socket', 'nf_forward', 'nf_postrouting', 'nic_tx', 'application', 'l4_tx', 'nf_output', 'routing_lookup', 'nat_postrouting', 'tc_egress',
          'driver_tx', 'nic', 'other', 'xdp_redirect', 'bridge', 'vxlan', 'ipsec', 'ovs', 'bond', 'veth'];
        const hooks = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
        for (let i = from; i < from + count; i++) {
          const nodes = {};
          ids.forEach((id, k) => {
            const c = i * 1000 + k * 37;
            nodes[id] = { id, label: id, count: c, packets: c, in_flight: (i + k) % 7, packets_per_second: 1000 + ((i * k) % 300), p50_us: 2 + (k % 5),
              p90_us: 5 + k, p99_us: 9 + k, avg_us: 3 + (k % 7) + ((i + k) % 3), max_us: 40 + k, samples: c,
              top_functions: { [`fn_${k}_a`]: c, [`fn_${k}_b`]: c >> 1, [`fn_${k}_c`]: c >> 2 },
              verdicts: k % 4 === 0 ? { ACCEPT: c, DROP: i } : {}, drops: i % 50, drop_reasons: { NETFILTER_DROP: i % 50 }, errors: 0, observable: k !== 0,
              ...(k === 0 ? { unobserved_reason: 'perf run' } : {}) };
          });
          const edges = ids.slice(1).map((id, k) => ({ from: ids[k], to: id, count: i * 1000 + k, avg_us: 3, p50_us: 2, p99_us: 5 }));
          const stats = { total_packets: i * 1000, total_events: i * 9000, packets_per_second: 1000 + (i % 100), uptime_seconds: i, mode: 'full',
            hooks: Object.fromEntries(hooks.map((h) => [h, { count: i * 100, verdicts: { ACCEPT: i * 99, DROP: i } }])), nodes, edges,
            pipelines: ['inbound', 'outbound', 'local_delivery', 'forward'].map((name) => ({ name, started: i * 100, in_flight: 3, completed: i * 97, dropped: i * 2, evicted: 0 })),
            layers: { L2: { count: i, avg_us: 2, samples: i } }, total_verdicts: { ACCEPT: i * 500, DROP: i * 5 },
            top_latency: ids.slice(0, 5).map((id) => ({ node: id, label: id, avg_us: 10, p99_us: 30, samples: i })), drops: i * 5, evicted_packets: 0,
            source: { kind: 'synthetic', bad_lines: 0, lost_events: 0, events_read: i * 9000, sample_one_in: 1 },
            session_id: 'perf-session', drop_reasons: { NETFILTER_DROP: i * 5 },
            top_functions: Object.fromEntries(ids.slice(0, 8).map((id, k) => [`fn_${k}_a`, i * 1000 + k])), max_functions: 50, functions_dropped: 0,
            rules: [], rules_dropped: 0, in_flight_total: 90, max_tracked_skbs: 10000, reordered_events: 0, untracked_end_events: 0,
            idle_ended_packets: 0, taken_at_ms: Date.now() };
          const t0 = performance.now();
          window.__skbscope.push(stats);
          // Until the frame showing this update has been rendered (rAF, then the task after paint);
          // PERF_FAST: only until React has committed (more updates per second for the heap run).
          await new Promise((r) => (fast ? setTimeout(r, 0) : requestAnimationFrame(() => setTimeout(r, 0))));
          (window.__frameTimes ??= []).push(performance.now() - t0);
        }
      },
      { from, count, fast: !!process.env.PERF_FAST },
    );

  const renderTimes = () => page.evaluate(() => window.__skbscope.renderTimes.slice());
  await push(1, 20); // warm-up: first renders compile and lay out everything
  await page.evaluate(() => (window.__skbscope.renderTimes.length = 0));
  if (process.env.PROFILE) {
    // Optional: where the time goes (top self time by function) over 100 updates.
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
    await push(10_000, 100);
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const dt = profile.timeDeltas ?? [];
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    (profile.samples ?? []).forEach((id, i) => {
      const n = byId.get(id);
      const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
    });
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((v / total) * 100).toFixed(1)}%  ${k}`);
    await page.evaluate(() => (window.__skbscope.renderTimes.length = 0));
  }
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const heapStart = await heap();
  const m0 = await metrics();
  const t0 = Date.now();
  const marks = [];
  const chunk = Math.max(1, Math.floor(UPDATES / 6));
  for (let done = 0; done < UPDATES; done += chunk) {
    await push(21 + done, Math.min(chunk, UPDATES - done));
    marks.push({ updates: Math.min(done + chunk, UPDATES), heap: await heap() });
  }
  const wall = Date.now() - t0;
  const m1 = await metrics();
  const times = (await renderTimes()).sort((a, b) => a - b);
  const frames = (await page.evaluate((n) => window.__frameTimes.slice(-n), UPDATES)).sort((a, b) => a - b);
  const q = (p, arr = times) => arr[Math.min(arr.length - 1, Math.floor(p * arr.length))];
  const nodeCount = await page.locator('.react-flow__node[data-id]').evaluateAll((els) => els.filter((e) => !e.getAttribute('data-id').startsWith('lbl-')).length);
  const mb = (b) => (b / 1048576).toFixed(1) + ' MB';
  console.log(`graph nodes rendered: ${nodeCount}`);
  console.log(`updates measured: ${times.length} in ${wall} ms wall (compressed run)`);
  console.log(`render+commit per update: median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms`);
  console.log(`update -> frame painted: median ${q(0.5, frames).toFixed(1)} ms, p95 ${q(0.95, frames).toFixed(1)} ms`);
  // Main-thread cost per update from Chrome's own counters (ThreadTime is CPU time, so it is far
  // less inflated than wall-clock times when the machine is loaded); includes the forced GCs.
  const per = (k) => (m1[k] !== undefined ? `${(((m1[k] - m0[k]) * 1000) / UPDATES).toFixed(1)} ms` : 'n/a');
  console.log(`main thread per update: CPU (ThreadTime) ${per('ThreadTime')}, script ${per('ScriptDuration')}, style ${per('RecalcStyleDuration')}, layout ${per('LayoutDuration')}, all tasks ${per('TaskDuration')}; layouts ${((m1.LayoutCount - m0.LayoutCount) / UPDATES).toFixed(1)}, style recalcs ${((m1.RecalcStyleCount - m0.RecalcStyleCount) / UPDATES).toFixed(1)} per update`);
  console.log(`JS heap after GC: start ${mb(heapStart)}; ` + marks.map((m) => `${m.updates}: ${mb(m.heap)}`).join(', '));
} finally {
  await browser?.close().catch(() => {});
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

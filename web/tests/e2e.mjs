// Browser tests of the web UI against the real server (skbscope.jar serve) in Debian's Chromium.
// Run by scripts/test.d/40-web.sh after `mvn verify`; by hand: node web/tests/e2e.mjs
// Env: SKBSCOPE_JAR (default skbscope-cli/target/skbscope.jar), JAVA (default $JAVA_HOME/bin/java),
//      UPDATE_SCREENSHOTS=1 writes docs/screenshots/*.png, E2E_SERVER=mock runs against the dev mock.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { assert, CHROME_ARGS, freePort, jar, root, Server, sleep, stepper, useMock, waitFor } from './harness.mjs';

const shotsDir = join(root, 'docs/screenshots');
const NODE_IDS = ['nic_rx', 'driver_napi', 'gro', 'tc_ingress', 'nf_prerouting', 'conntrack', 'nat_prerouting', 'routing_decision', 'nf_input', 'l4_rx',
  'socket', 'nf_forward', 'nf_postrouting', 'nic_tx', 'application', 'l4_tx', 'nf_output', 'routing_lookup', 'nat_postrouting', 'tc_egress', 'driver_tx', 'nic', 'other'];

let page;
const steps = stepper('skbscope-e2e', () => page);
const step = steps.step;

const dataDir = mkdtempSync(join(tmpdir(), 'skbscope-e2e-data-'));
const profile = mkdtempSync(join(tmpdir(), 'skbscope-e2e-chrome-'));
const port = await freePort();
const server = new Server(port, dataDir);
const base = `http://127.0.0.1:${port}/`;
let browser;
let exitCode = 0;
try {
  if (!useMock) assert(existsSync(jar), `${jar} not found: run mvn verify (or ./skbscope --help) first`);
  await server.start();
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROME_ARGS,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  let sessionId;

  await step('the UI is served by the server and lists sessions', async () => {
    await page.goto(base);
    await page.getByTestId('session-form').waitFor({ timeout: 15_000 });
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  });

  await step('an invalid field is reported next to that field', async () => {
    await page.getByTestId('source-synthetic').click();
    await page.getByTestId('filter-toggle').click();
    await page.locator('input[name=dport]').fill('70000');
    await page.getByTestId('start-trace').click();
    const err = page.getByTestId('error-dport');
    await err.waitFor({ timeout: 5000 });
    assert(/65535|port/i.test(await err.textContent()), `error text does not explain the port: ${await err.textContent()}`);
    await page.locator('input[name=dport]').fill('');
  });

  await step('a synthetic session is created from the form', async () => {
    const before = await page.getByTestId('session-card').count();
    await page.getByTestId('mode-full').click();
    await page.locator('input[name=rate]').fill('3000');
    await page.locator('input[name=seed]').fill('7');
    await page.locator('input[name=drop_share]').fill('0.05');
    await page.getByTestId('start-trace').click();
    await waitFor(async () => (await page.getByTestId('session-card').count()) > before, 10_000, 'a new session card');
    const ids = await page.getByTestId('session-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id')));
    const res = await (await fetch(base + 'api/sessions')).json();
    const list = Array.isArray(res) ? res : res.sessions;
    sessionId = list.map((s) => s.id ?? s.session_id).find((id) => ids.includes(id));
    assert(sessionId, `no session id found among cards ${ids}`);
    const card = page.locator(`[data-testid=session-card][data-session-id="${sessionId}"]`);
    await waitFor(async () => (await card.getByTestId('session-state').getAttribute('data-state')) === 'running', 10_000, 'state running');
  });

  const totalPackets = () => page.getByTestId('kpi-total-packets').getAttribute('data-value').catch(() => null);
  const uptime = () => page.getByTestId('kpi-uptime').getAttribute('data-value').catch(() => null);
  const connState = () => page.getByTestId('conn-status').getAttribute('data-state').catch(() => null);

  await step('clicking the card opens the live dashboard; numbers change between updates', async () => {
    await page.locator(`[data-testid=session-card][data-session-id="${sessionId}"]`).click();
    await page.getByTestId('dashboard').waitFor();
    await waitFor(async () => (await connState()) === 'live', 15_000, 'status "live"');
    await waitFor(async () => await totalPackets(), 10_000, 'a first stats update');
    // Version first: an update landing between these reads then still shows as a change.
    const v0 = Number(await page.getByTestId('dashboard').getAttribute('data-version'));
    const first = await totalPackets();
    const firstUp = await uptime();
    await waitFor(async () => (await totalPackets()) !== first && (await uptime()) !== firstUp, 6000, 'total packets and uptime to change');
    const v1 = Number(await page.getByTestId('dashboard').getAttribute('data-version'));
    assert(v1 > v0, `no new update arrived (version ${v0} -> ${v1})`);
    assert(Number(await totalPackets()) > 0, 'total packets is 0 with a synthetic source');
  });

  await step('the flow graph shows every pipeline node', async () => {
    await page.getByTestId('pipeline-graph').waitFor();
    const missing = [];
    for (const id of NODE_IDS) if ((await page.getByTestId(`node-${id}`).count()) !== 1) missing.push(id);
    assert(missing.length === 0, `nodes missing from the graph: ${missing.join(', ')}`);
    const edges = await page.locator('.react-flow__edge').count();
    assert(edges >= 20, `only ${edges} edges drawn`);
  });

  await step('"Compare with…" shows what changed from another session, and the graph coloured by change', async () => {
    // a reference session with far fewer drops: the nodes that drop must show as changed
    const res = await fetch(base + 'api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'reference', mode: 'full', source: { kind: 'synthetic', rate: 3000, seed: 8, drop_share: 0.002 } }) });
    assert(res.status === 201, `reference session: HTTP ${res.status}`);
    await page.goto(`${base}#/sessions/${encodeURIComponent(sessionId)}/compare`);
    await page.getByTestId('compare-select').waitFor();
    await waitFor(async () => (await page.locator('[data-testid=compare-select] option[value=reference]').count()) === 1, 10_000, 'the reference session in the list');
    await page.getByTestId('compare-select').selectOption('reference');
    await waitFor(async () => page.url().endsWith('/compare/reference'), 5000, 'the compared session in the URL');
    await page.getByTestId('compare-table').waitFor({ timeout: 15_000 });
    const changed = () => page.locator('[data-testid^=compare-row-][data-significant=true]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid').slice(12)));
    await waitFor(async () => (await changed()).includes('nf_input'), 30_000, 'netfilter INPUT (drops 0.2 % vs 5 %) to show as changed');
    const rows = await page.locator('[data-testid^=compare-row-]').count();
    assert(rows >= 19, `only ${rows} node rows in the comparison`);
    await page.getByTestId('compare-graph').waitFor();
    await waitFor(async () => (await page.locator('[data-testid=compare-graph] [data-testid=node-nf_input]').getAttribute('data-change')) === 'worse', 10_000, 'netfilter INPUT coloured as worse');
    const same = await page.locator('[data-testid=compare-graph] [data-change=same]').count();
    assert(same >= 5, `only ${same} nodes without a significant change in the graph`);
    await page.getByTestId('compare-swap').click();
    await waitFor(async () => (await page.locator('[data-testid=compare-graph] [data-testid=node-nf_input]').getAttribute('data-change')) === 'better', 15_000, 'swapped: netfilter INPUT better');
    const apiCmp = await (await fetch(`${base}api/sessions/reference/compare/${encodeURIComponent(sessionId)}`)).json();
    assert(apiCmp.nodes.some((n) => n.id === 'nf_input' && n.significant), 'the REST comparison agrees');
    await fetch(`${base}api/sessions/reference`, { method: 'DELETE' });
    await page.goto(`${base}#/sessions/${encodeURIComponent(sessionId)}`);
    await page.getByTestId('dashboard').waitFor();
  });

  await step('panels: pipelines, verdicts, top latency, hooks, heatmap, live chart', async () => {
    for (const id of ['pipeline-inbound', 'pipeline-outbound', 'pipeline-local_delivery', 'pipeline-forward', 'verdicts', 'top-latency', 'hooks',
      'heatmap', 'live-chart', 'drop-reasons']) {
      // the panels draw once the first update after the navigation arrives (up to a tick away)
      await waitFor(async () => (await page.getByTestId(id).count()) === 1, 10_000, `panel ${id}`);
    }
    await waitFor(async () => (await page.locator('[data-testid=heatmap] canvas').count()) === 1, 8000, 'heatmap canvas');
    for (const p of ['inbound', 'outbound', 'local_delivery', 'forward']) {
      assert((await page.getByTestId(`pipeline-${p}-expired`).count()) === 1, `pipeline ${p} shows no expired count`);
    }
    // every node says whether it applies to this session's packets (the synthetic host has a NIC: all do)
    const na = await page.locator('[data-testid^=node-][data-applicable=false]').count();
    assert(na === 0, `${na} nodes drawn as not applicable for a synthetic source`);
  });

  if (process.env.UPDATE_SCREENSHOTS === '1') {
    await step('screenshots for docs/screenshots', async () => {
      mkdirSync(shotsDir, { recursive: true });
      // More sessions for a realistic Sessions tab: an nft one and a stopped one.
      const post = (body) => fetch(base + 'api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
      const nft = await post({ mode: 'nft', max_functions: 30, filter: { protocol: 'tcp', dport: 443 }, source: { kind: 'synthetic', rate: 400, seed: 3, drop_share: 0.2 } });
      const mf = await post({ mode: 'multifunction', max_functions: 20, filter: {}, source: { kind: 'synthetic', rate: 150, seed: 11, drop_share: 0.01 } });
      const mfId = mf.id ?? mf.session_id;
      const packetsOf = async (id) => (await (await fetch(`${base}api/sessions/${encodeURIComponent(id)}/stats`)).json()).stats?.total_packets ?? 0;
      await waitFor(async () => (await packetsOf(mfId)) > 0, 10_000, 'the multifunction session to count packets');
      await fetch(`${base}api/session/${encodeURIComponent(mfId)}/stop`, { method: 'POST' });
      // not a wait for a condition: the charts and the heatmap fill with this much history
      await sleep(Number(process.env.SCREENSHOT_WAIT_MS ?? 40_000));
      const nextFrame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      // A viewport as tall as the page rather than fullPage, which repeats the sticky top bar.
      const whole = async (name) => {
        const h = await page.evaluate(() => document.documentElement.scrollHeight);
        await page.setViewportSize({ width: 1280, height: h });
        const v = Number(await page.getByTestId('dashboard').getAttribute('data-version'));
        await waitFor(async () => Number(await page.getByTestId('dashboard').getAttribute('data-version')) > v, 5000, 'an update drawn at the new size');
        await nextFrame();
        await page.screenshot({ path: join(shotsDir, name) });
        await page.setViewportSize({ width: 1280, height: 800 });
      };
      await whole('dashboard.png');
      await page.screenshot({ path: join(shotsDir, 'dashboard-1280x800.png') });
      await page.getByTestId('theme-toggle').click();
      await waitFor(async () => (await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark', 5000, 'the dark theme');
      await whole('dashboard-dark.png');
      await page.getByTestId('theme-toggle').click();
      await page.goto(base + '#/sessions');
      await waitFor(async () => (await page.getByTestId('session-card').count()) >= 3, 10_000, 'three session cards');
      await nextFrame();
      await page.screenshot({ path: join(shotsDir, 'sessions.png') });
      await page.goto(`${base}#/sessions/${encodeURIComponent(nft.id ?? nft.session_id)}`);
      await waitFor(async () => Number(await page.getByTestId('dashboard').getAttribute('data-version')) >= 5, 15_000, 'five updates on the nft dashboard');
      await whole('dashboard-nft.png');
      await page.goto(`${base}#/sessions/${encodeURIComponent(sessionId)}`);
      await page.getByTestId('dashboard').waitFor();
      await waitFor(async () => (await connState()) === 'live', 15_000, 'status "live"');
    });
  }

  await step('stop and start the session from the dashboard', async () => {
    const pill = page.locator('.detail-head [data-testid=session-state]');
    await page.getByTestId('detail-stop').click();
    await waitFor(async () => (await pill.getAttribute('data-state')) === 'stopped', 8000, 'state "stopped"');
    // the session's final stats reach the dashboard, and then no update comes (the status turns stale)
    const res = await (await fetch(`${base}api/sessions/${encodeURIComponent(sessionId)}/stats`)).json();
    const frozen = String(res.stats.total_packets);
    await waitFor(async () => (await totalPackets()) === frozen, 8000, `the final total packets ${frozen} on the dashboard`);
    await waitFor(async () => (await connState()) === 'stale', 10_000, 'status "stale" (no update since the stop)');
    assert((await totalPackets()) === frozen, `total packets changed after the final update (${frozen} -> ${await totalPackets()})`);
    await page.getByTestId('detail-start').click();
    await waitFor(async () => (await pill.getAttribute('data-state')) === 'running', 8000, 'state "running"');
    await waitFor(async () => {
      const v = await totalPackets();
      return v !== null && v !== frozen;
    }, 8000, 'updates to resume after start');
  });

  await step('the status indicator shows the loss of the server and its return', async () => {
    await server.kill();
    await waitFor(async () => ['reconnecting', 'unavailable'].includes(await connState()), 10_000, 'status "reconnecting"/"unavailable"');
    const text = await page.getByTestId('conn-status').textContent();
    assert(/reconnect|unavailable/i.test(text), `status text: ${text}`);
    await server.start();
    await waitFor(async () => ['live', 'stale'].includes(await connState()), 30_000, 'status back to connected');
  });

  await step('debug page: connect, join and see raw messages', async () => {
    await page.goto(`${base}#/debug/${encodeURIComponent(sessionId)}`);
    await page.getByTestId('debug-connect').click();
    await waitFor(async () => (await page.getByTestId('debug-status').textContent()).includes('connected'), 10_000, 'debug socket connected');
    await page.getByTestId('debug-join').click();
    await waitFor(async () => (await page.getByTestId('debug-log').textContent()).includes('joined_session'), 10_000, 'joined_session in the log');
  });

  await step('no uncaught errors in the page', async () => {
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} catch (e) {
  exitCode = 1;
  if (!steps.failures) console.log(`not ok - setup\n  ${e?.stack ?? e}`);
  if (server.output) console.log('--- server output (tail) ---\n' + server.output.slice(-3000));
} finally {
  await browser?.close().catch(() => {});
  await server.kill().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(exitCode === 0 ? 'web e2e: all passed' : 'web e2e: FAILED');
process.exit(exitCode);

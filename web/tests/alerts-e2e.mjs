// Browser test of alerts and history against the real server (skbscope.jar serve) in Debian's
// Chromium: a synthetic session started from the form with a 30 % drop share raises "Critical drop
// rate" and "High drop rate" within their `for` + 2 s (toast and bell); the chart marks them; the
// rules editor changes a rule; after kill -9 and a restart the History view still shows the
// session's last hour and the alert log holds the alert.
// Run by scripts/test.d/40-web.sh; by hand: node web/tests/alerts-e2e.mjs
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { assert, CHROME_ARGS, freePort, jar, Server, stepper, waitFor } from './harness.mjs';

let page;
const steps = stepper('skbscope-alerts-e2e', () => page);
const step = steps.step;

const dataDir = mkdtempSync(join(tmpdir(), 'skbscope-alerts-e2e-data-'));
const profile = mkdtempSync(join(tmpdir(), 'skbscope-alerts-e2e-chrome-'));
const port = await freePort();
const server = new Server(port, dataDir);
const base = `http://127.0.0.1:${port}/`;
const api = async (method, path, body) => {
  const r = await fetch(base + path.replace(/^\//, ''), { method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
  return r.json();
};
let browser;
let exitCode = 0;
try {
  assert(existsSync(jar), `${jar} not found: run mvn verify (or ./skbscope --help) first`);
  await server.start();
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROME_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const rules = Object.fromEntries((await api('GET', '/api/alerts/rules')).rules.map((r) => [r.name, r]));
  let sessionId;
  let started;

  await step('a synthetic session with a 30 % drop share raises Critical drop rate within for + 2 s: toast and bell', async () => {
    await page.goto(base + '#/sessions');
    await page.getByTestId('session-form').waitFor({ timeout: 15_000 });
    await page.getByTestId('source-synthetic').click();
    await page.locator('input[name=rate]').fill('2000');
    await page.locator('input[name=drop_share]').fill('0.3');
    started = Date.now();
    await page.getByTestId('start-trace').click();
    // the budget is the rule's `for` + 2 s from the session's start; a loaded machine may take a
    // moment more to create the session after the click, which is not the rule's doing
    const toast = page.locator('[data-testid=toast][data-rule=critical_drop_rate][data-state=firing]');
    await toast.waitFor({ timeout: (rules.critical_drop_rate.for + 10) * 1000 });
    const seen = Date.now();
    assert(/Critical drop rate/.test(await toast.textContent()), `toast text: ${await toast.textContent()}`);
    await waitFor(async () => Number(await page.getByTestId('alert-bell').getAttribute('data-firing')) >= 1, 2000, 'the bell to count it');
    assert(/\d/.test(await page.getByTestId('alert-badge').textContent()), 'no badge number');
    const alert = (await api('GET', '/api/alerts?state=firing')).alerts.find((a) => a.rule === 'critical_drop_rate');
    sessionId = alert.session_id;
    const session = await api('GET', `/api/sessions/${sessionId}`);
    const startedAt = Date.parse(session.started_at);
    const took = (seen - startedAt) / 1000;
    console.log(`  Critical drop rate: toast ${took.toFixed(1)} s after the session started (fired ${((Date.parse(alert.fired_at) - startedAt) / 1000).toFixed(1)} s after; `
      + `${((seen - started) / 1000).toFixed(1)} s after the click; for ${rules.critical_drop_rate.for} s)`);
    assert(took <= rules.critical_drop_rate.for + 2, `the toast came ${took} s after the session started`);
  });

  await step('High drop rate follows within its for + 2 s', async () => {
    await page.locator('[data-testid=toast][data-rule=high_drop_rate][data-state=firing]').waitFor({ timeout: (rules.high_drop_rate.for + 10) * 1000 });
    const took = (Date.now() - Date.parse((await api('GET', `/api/sessions/${sessionId}`)).started_at)) / 1000;
    assert(took <= rules.high_drop_rate.for + 2, `the toast came ${took} s after the session started`);
    await waitFor(async () => Number(await page.getByTestId('alert-bell').getAttribute('data-firing')) >= 2, 3000, 'the bell to count 2');
  });

  await step('non-critical toasts close by themselves; a critical one stays until dismissed', async () => {
    await page.locator('[data-testid=toast][data-rule=critical_drop_rate]').waitFor({ state: 'detached', timeout: 15_000 });
    await api('POST', `/api/sessions/${sessionId}/alerts/rules`, { name: 'e2e_critical', title: 'E2E critical', expression: 'drop_rate', threshold: 10, for: 0, severity: 'critical' });
    const critical = page.locator('[data-testid=toast][data-rule=e2e_critical]');
    await critical.waitFor({ timeout: 5000 });
    assert((await critical.getAttribute('data-severity')) === 'critical', 'not critical');
    await critical.getByTestId('toast-dismiss').click();
    await critical.waitFor({ state: 'detached', timeout: 2000 });
    await api('DELETE', `/api/sessions/${sessionId}/alerts/rules/e2e_critical`);
  });

  await step('the bell lists the active alerts; the live chart marks them', async () => {
    await page.getByTestId('alert-bell').click();
    await page.locator('[data-testid=alert-panel] [data-testid=alert-line][data-rule=critical_drop_rate][data-state=firing]').first().waitFor({ timeout: 5000 });
    await page.goto(base + `#/sessions/${sessionId}/stats`);
    await page.getByTestId('live-chart').waitFor({ timeout: 15_000 });
    await waitFor(async () => Number(await page.getByTestId('live-chart').getAttribute('data-markers')) >= 2, 10_000, 'alert markers on the chart');
  });

  await step('the rules editor changes a threshold and disables a rule', async () => {
    await page.goto(base + '#/alerts');
    const row = page.locator('[data-testid=rule-row][data-rule=low_packet_rate]');
    await row.waitFor({ timeout: 10_000 });
    await row.getByTestId('rule-threshold').fill('2.5');
    await row.getByTestId('rule-for').fill('-1');
    await row.getByTestId('rule-save').click();
    await row.getByTestId('rule-error').waitFor({ timeout: 5000 });
    assert(/^for:/.test(await row.getByTestId('rule-error').textContent()), 'the error does not name the field');
    await row.getByTestId('rule-for').fill('45');
    await row.getByTestId('rule-save').click();
    await waitFor(async () => {
      const r = await api('GET', '/api/alerts/rules/low_packet_rate');
      return r.threshold === 2.5 && r.for === 45;
    }, 5000, 'the rule to be saved');
    await row.getByTestId('rule-enabled').click();
    await waitFor(async () => (await api('GET', '/api/alerts/rules/low_packet_rate')).enabled === false, 5000, 'the rule disabled');
  });

  let before;
  await step('the History view shows the session', async () => {
    await page.goto(base + `#/sessions/${sessionId}/history`);
    await page.getByTestId('history-view').waitFor({ timeout: 10_000 });
    await page.getByTestId('history-range-1h').click();
    before = await waitFor(async () => {
      const n = Number(await page.getByTestId('history-meta').getAttribute('data-points').catch(() => 0));
      return n >= 10 ? n : 0;
    }, 20_000, '10 points of history');
    assert(Number(await page.getByTestId('history-meta').getAttribute('data-step')) === 1, 'the last hour is not at 1 s');
    await page.getByTestId('history-chart-traffic').waitFor();
    await page.getByTestId('history-chart-p99').waitFor();
    await page.getByTestId('history-chart-verdicts').waitFor();
  });

  await step('after kill -9 and a restart, the History view still shows the last hour and the alert is in the history', async () => {
    await server.kill();
    await server.start();
    await page.goto(base + '#/sessions');
    await page.goto(base + `#/sessions/${sessionId}/history`);
    await page.getByTestId('history-view').waitFor({ timeout: 10_000 });
    const after = await waitFor(async () => Number(await page.getByTestId('history-meta').getAttribute('data-points').catch(() => 0)), 15_000, 'history after the restart');
    assert(after >= before, `${after} points after the restart, ${before} before`);
    assert((await page.getByTestId('detail-session-id').textContent()) === sessionId, 'wrong session');
    await page.getByTestId('alert-bell').click();
    const line = page.locator('[data-testid=alert-panel] [data-testid=alert-line][data-rule=critical_drop_rate][data-state=resolved]');
    await line.first().waitFor({ timeout: 5000 });
    assert(/server stopped|session stopped/.test(JSON.stringify(await api('GET', `/api/alerts/history?session=${sessionId}`))), 'no resolution in the log');
  });

  await step('no page errors', async () => {
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} catch (e) {
  exitCode = 1;
  if (!steps.failures) console.log(`not ok - setup\n  ${e?.stack ?? e}`);
} finally {
  await browser?.close().catch(() => {});
  await server.kill().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
if (steps.failures) console.log(`\n${steps.failures} alert browser test step(s) failed; server output:\n${server.output.slice(-3000)}`);
console.log(exitCode || steps.failures ? 'alerts e2e: FAILED' : 'alerts e2e: all passed');
process.exit(exitCode || steps.failures ? 1 : 0);

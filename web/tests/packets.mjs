// Browser test of the packet explorer against the real server (skbscope.jar serve) in Debian's
// Chromium: from the dashboard's drop reasons and slowest node to the packets behind them, one
// packet's hops and verdicts, and a 10,000-row table that stays virtualized.
// Run by scripts/test.d/45-packets.sh after `mvn verify`; by hand: node web/tests/packets.mjs
// Env: SKBSCOPE_JAR, JAVA (see harness.mjs); UPDATE_SCREENSHOTS=1 writes docs/screenshots/packets*.png.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { assert, CHROME_ARGS, freePort, jar, java, root, Server, stepper, waitFor } from './harness.mjs';

let page;
const steps = stepper('skbscope-packets', () => page);
const { step } = steps;

const dataDir = mkdtempSync(join(tmpdir(), 'skbscope-packets-data-'));
const profile = mkdtempSync(join(tmpdir(), 'skbscope-packets-chrome-'));
const port = await freePort();
const server = new Server(port, dataDir);
const base = `http://127.0.0.1:${port}`;
let browser;
let exitCode = 0;
try {
  assert(existsSync(jar), `${jar} not found: run mvn verify (or ./skbscope --help) first`);
  await server.start();
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROME_ARGS,
    viewport: { width: 1440, height: 900 },
    colorScheme: 'light',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  // a demo session with drops of two reasons; 6,000 packets/s keeps the 10,000 last finished packets full within seconds
  const created = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 'demo', mode: 'full', source: { kind: 'synthetic', rate: 6000, seed: 4, drop_share: 0.08 } }),
  });
  assert(created.status === 201, `session not created: ${created.status} ${await created.text()}`);

  let reason;
  let slowNode, slowMin;
  await step('the dashboard lists drop reasons as links to their packets', async () => {
    await page.goto(`${base}/#/sessions/demo/stats`);
    const link = page.locator('[data-testid^="drop-reason-"]').first();
    await link.waitFor({ timeout: 20_000 });
    reason = (await link.getAttribute('data-testid')).replace('drop-reason-', '');
    assert(/^[A-Z_]+$/.test(reason), `unexpected reason ${reason}`);
    await link.click();
  });

  await step('a drop reason opens the packets dropped for it', async () => {
    await page.waitForURL(new RegExp(`#/sessions/demo/packets\\?drop_reason=${reason}`), { timeout: 5000 });
    await waitFor(async () => (await page.getByTestId('packet-row').count()) > 0, 15_000, 'packet rows');
    const drops = await page.locator('[data-testid="packet-row"] >> nth=0').innerText();
    assert(drops.includes(reason), `first row does not show ${reason}: ${drops}`);
    const rows = await page.locator('[data-testid="packet-row"]').allInnerTexts();
    assert(rows.every((r) => r.includes(reason) && r.includes('dropped')), `a row without ${reason}: ${rows.find((r) => !r.includes(reason))}`);
    const selected = await page.getByTestId('pf-drop_reason').inputValue();
    assert(selected === reason, `filter bar shows ${selected}`);
  });

  await step('a packet opens with its hops, drop point and verdicts', async () => {
    const first = page.getByTestId('packet-row').first();
    const id = await first.getAttribute('data-id');
    await first.click();
    await page.waitForURL(new RegExp(`#/sessions/demo/packets/${id}\\?`), { timeout: 5000 });
    const detail = page.getByTestId('packet-detail');
    await detail.waitFor({ timeout: 10_000 });
    await page.getByTestId('packet-hops').waitFor({ timeout: 10_000 });
    const hops = await page.locator('[data-testid="packet-hops"] [data-testid^="hop-"]').count();
    assert(hops >= 3, `only ${hops} hops`);
    const drop = await page.getByTestId('packet-drop').innerText();
    assert(drop.includes(reason), `drop point does not name ${reason}: ${drop}`);
    assert((await page.getByTestId('packet-weight').innerText()).length > 0, 'no weight');
    const text = await detail.innerText();
    assert(/driver|napi|netfilter|tcp\/udp/i.test(text), `no node labels in the hops: ${text.slice(0, 200)}`);
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(join(root, 'docs/screenshots'), { recursive: true });
      await page.screenshot({ path: join(root, 'docs/screenshots/packets.png') });
    }
  });

  await step('the slowest node of the dashboard opens the packets that made it slow', async () => {
    await page.goto(`${base}/#/sessions/demo/stats`);
    const slowest = page.locator('[data-testid^="top-latency-"]').first();
    await slowest.waitFor({ timeout: 15_000 });
    const node = (await slowest.getAttribute('data-testid')).replace('top-latency-', '');
    await slowest.click();
    await page.waitForURL(new RegExp(`#/sessions/demo/packets\\?node=${node}&min_latency_us=`), { timeout: 5000 });
    const min = Number(new URL(page.url().replace('#/', '')).searchParams.get('min_latency_us'));
    [slowNode, slowMin] = [node, min];
    await waitFor(async () => (await page.getByTestId('packet-row').count()) > 0, 15_000, 'slow packets');
    const ids = await page.locator('[data-testid="packet-row"]').evaluateAll((rows) => rows.slice(0, 5).map((r) => r.getAttribute('data-id')));
    for (const id of ids) {
      const p = await (await fetch(`${base}/api/sessions/demo/packets/${id}`)).json();
      const at = Math.max(...p.hops.filter((h) => h.node === node).map((h) => h.spent_us ?? 0));
      assert(at >= min - 0.001, `packet ${id} spent ${at} µs at ${node}, below p99 ${min}`);
      assert(p.hops.length >= 2 && p.verdicts !== undefined, `packet ${id} has no full path`);
    }
  });

  await step('10,000 rows load and the table keeps only the visible rows in the page', async () => {
    await waitFor(async () => (await (await fetch(`${base}/api/sessions/demo/stats`)).json()).stats.packets_kept >= 10_000, 30_000, '10,000 kept packets');
    await fetch(`${base}/api/sessions/demo`, { method: 'DELETE' });   // stop: the kept packets stay
    await page.goto(`${base}/#/sessions/demo/packets`);
    await waitFor(async () => Number(await page.getByTestId('packets-table').getAttribute('data-rows')) >= 1000, 15_000, 'first page');
    while ((await page.getByTestId('packets-more').count()) > 0) {
      const before = Number(await page.getByTestId('packets-table').getAttribute('data-rows'));
      await page.getByTestId('packets-more').click();
      await waitFor(async () => Number(await page.getByTestId('packets-table').getAttribute('data-rows')) > before, 15_000, 'next page');
    }
    const rows = Number(await page.getByTestId('packets-table').getAttribute('data-rows'));
    assert(rows === 10_000, `${rows} rows loaded`);
    const inDom = await page.getByTestId('packet-row').count();
    assert(inDom < 100, `${inDom} rows in the DOM: not virtualized`);
    // scroll through the whole table; every frame must render only a window of rows
    const ms = await page.getByTestId('packets-table').evaluate(async (el) => {
      const sc = el.querySelector('.ptable-scroll');
      const t0 = performance.now();
      for (let i = 1; i <= 20; i++) {
        sc.scrollTop = (sc.scrollHeight * i) / 20;
        await new Promise((r) => requestAnimationFrame(() => r()));
      }
      return (performance.now() - t0) / 20;
    });
    const last = await page.getByTestId('packet-row').last().getAttribute('data-id');
    assert(last !== null, 'no row at the end');
    console.log(`  # 10,000 rows: ${inDom} in the DOM, ${ms.toFixed(1)} ms per scrolled frame`);
    assert(ms < 200, `scrolling took ${ms} ms per frame`);
  });

  await step('the same question of the recording with ./skbscope packets gives the same packets', async () => {
    // the session is stopped: its recording is complete; the tab shows the command and links the recording.
    // A new document: within the same one, the rows of the last step (scrolled to the oldest) stay until the new page comes
    await page.goto('about:blank');
    await page.goto(`${base}/#/sessions/demo/packets?node=${slowNode}&min_latency_us=${slowMin}`);
    await waitFor(async () => (await page.getByTestId('packet-row').count()) > 0, 15_000, 'slow packets');
    const command = await page.getByTestId('packets-cli').innerText();
    assert(command === `./skbscope packets demo.jsonl.gz --node ${slowNode} --min-latency-us ${slowMin}`, `command shown: ${command}`);
    const href = await page.getByTestId('packets-recording').getAttribute('href');
    const rec = await fetch(new URL(href, base));
    assert(rec.ok, `recording download: ${rec.status}`);
    const dir = mkdtempSync(join(tmpdir(), 'skbscope-packets-cli-'));
    try {
      writeFileSync(join(dir, 'demo.jsonl.gz'), Buffer.from(await rec.arrayBuffer()));
      const args = command.split(' ').slice(2);   // the words after ./skbscope packets (none is quoted here)
      const cli = spawnSync(java, ['-jar', jar, 'packets', ...args, '--json', '--limit', '100'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      assert(cli.status === 0, `skbscope packets exited ${cli.status}: ${cli.stderr}`);
      // the recording also holds the packets still in flight when the session stopped (the live history does not)
      const fromRecording = cli.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((p) => p.end !== 'in_flight').map((p) => p.id);
      const inTab = await page.locator('[data-testid="packet-row"]').evaluateAll((rows) => rows.slice(0, 20).map((r) => r.getAttribute('data-id')));
      assert(inTab.length > 0 && fromRecording.length >= inTab.length, `${inTab.length} rows in the tab, ${fromRecording.length} from the recording`);
      assert(JSON.stringify(fromRecording.slice(0, inTab.length)) === JSON.stringify(inTab),
        `the tab lists ${inTab.join(',')}; the recording ${fromRecording.slice(0, inTab.length).join(',')}`);
      console.log(`  # the newest ${inTab.length} packets at ${slowNode} >= ${slowMin} µs: the same ids from ./skbscope packets`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  await step('a bad filter is reported next to its field', async () => {
    await page.goto(`${base}/#/sessions/demo/packets?sport=70000`);
    const err = page.getByTestId('packets-error');
    await err.waitFor({ timeout: 10_000 });
    assert((await err.innerText()).startsWith('sport:'), `error: ${await err.innerText()}`);
  });

  assert(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
} catch (e) {
  exitCode = 1;
  if (!steps.failures) console.log(`not ok - ${e?.stack ?? e}`);
  console.log(server.output.split('\n').slice(-20).join('\n'));
} finally {
  await browser?.close().catch(() => {});
  await server.kill();
  rmSync(profile, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);

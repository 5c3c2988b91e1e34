// The issue's "done when", as a new user does it, in Debian's Chromium: `./skbscope serve`, a live
// full session started from the UI's form, container-to-container traffic through a NAT router
// (three network namespaces: client -> router that forwards and masquerades -> server), and the
// pipeline flow graph showing every seed node with its count, rate and p50, or "n/a" with the
// reason; then in-flight draining to 0 once the traffic stops, the session stopped from the UI and
// nothing of ours left in the kernel.
// Root and the live kernel only: run by scripts/test.d/45-live-ui.sh (which gates it) after `mvn verify`.
// Env: SKBSCOPE_JAR / JAVA as in harness.mjs; LIVE_E2E_SHOTS=DIR saves screenshots there.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { assert, CHROME_ARGS, freePort, jar, Server, stepper, waitFor } from './harness.mjs';

// The seed's 22 pipeline nodes (spec section 2), without "other".
const SEED_NODES = ['nic_rx', 'driver_napi', 'gro', 'tc_ingress', 'nf_prerouting', 'conntrack', 'nat_prerouting', 'routing_decision', 'nf_input',
  'l4_rx', 'socket', 'nf_forward', 'nf_postrouting', 'nic_tx', 'application', 'l4_tx', 'nf_output', 'routing_lookup', 'nat_postrouting',
  'tc_egress', 'driver_tx', 'nic'];
// Our own names (the kernel engineer's prefix), apart from the Java kernel tests' skk-client/router/server.
const NS = { client: 'skk-uc', router: 'skk-ur', server: 'skk-us' };
const SERVER_V4 = '10.232.2.2';
const TRAFFIC_SECONDS = 8;

const sh = (...cmd) => execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
const shIn = (input, ...cmd) => execFileSync(cmd[0], cmd.slice(1), { input, encoding: 'utf8' });

function removeTopology() {
  for (const ns of Object.values(NS)) {
    try {
      sh('ip', 'netns', 'del', ns);
    } catch {
      /* not there */
    }
  }
}

function createTopology() {
  removeTopology();
  for (const ns of Object.values(NS)) {
    sh('ip', 'netns', 'add', ns);
    sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
  }
  sh('ip', 'link', 'add', 'skk-uc0', 'netns', NS.client, 'type', 'veth', 'peer', 'name', 'skk-ur0', 'netns', NS.router);
  sh('ip', 'link', 'add', 'skk-ur1', 'netns', NS.router, 'type', 'veth', 'peer', 'name', 'skk-us0', 'netns', NS.server);
  const addr = (ns, dev, a) => {
    sh('ip', '-n', ns, 'addr', 'add', a, 'dev', dev);
    sh('ip', '-n', ns, 'link', 'set', dev, 'up');
  };
  addr(NS.client, 'skk-uc0', '10.232.1.2/24');
  addr(NS.router, 'skk-ur0', '10.232.1.1/24');
  addr(NS.router, 'skk-ur1', '10.232.2.1/24');
  addr(NS.server, 'skk-us0', `${SERVER_V4}/24`);
  sh('ip', '-n', NS.client, 'route', 'add', 'default', 'via', '10.232.1.1');
  sh('ip', 'netns', 'exec', NS.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  // nft's multi-line syntax: a one-line chain body is a syntax error
  shIn('table ip skkuinat {\n  chain post {\n    type nat hook postrouting priority 100; policy accept;\n    oifname "skk-ur1" masquerade\n  }\n}\n',
    'ip', 'netns', 'exec', NS.router, 'nft', '-f', '-');
}

/** Python in a namespace (Debian's); resolves with its output when it exits 0. */
function python(ns, code) {
  const p = spawn('ip', ['netns', 'exec', ns, '/usr/bin/python3', '-c', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  p.done = new Promise((res, rej) => p.on('exit', (c) => (c === 0 ? res(out) : rej(new Error(`python in ${ns} exited ${c}: ${out}`)))));
  p.output = () => out;
  return p;
}

// The server reads every datagram at once (its socket queue stays empty) and takes TCP transfers.
const SERVER_PY = `
import socket, threading, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', 7000))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(('0.0.0.0', 7002)); t.listen(16)
def udp():
    while True: u.recv(2048)
def tcp():
    while True:
        c, _ = t.accept()
        while c.recv(65536): pass
        c.close()
threading.Thread(target=udp, daemon=True).start()
threading.Thread(target=tcp, daemon=True).start()
print('ready', flush=True)
time.sleep(600)
`;

// The client: a steady UDP stream to the open port, datagrams to a closed port, and a short TCP
// transfer every 200 ms, for TRAFFIC_SECONDS.
const CLIENT_PY = `
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + ${TRAFFIC_SECONDS}; i = 0; sent = 0
while time.time() < end:
    u.sendto(b'x' * 64, ('${SERVER_V4}', 7000)); sent += 1
    if i % 10 == 0: u.sendto(b'y' * 64, ('${SERVER_V4}', 7001)); sent += 1
    if i % 40 == 0:
        c = socket.create_connection(('${SERVER_V4}', 7002)); c.sendall(b'z' * 16384); c.close()
    i += 1
    time.sleep(0.005)
print('sent', sent, flush=True)
`;

let page;
const steps = stepper('skbscope-live-e2e', () => page);
const step = steps.step;
const dataDir = mkdtempSync(join(tmpdir(), 'skbscope-live-e2e-data-'));
const profile = mkdtempSync(join(tmpdir(), 'skbscope-live-e2e-chrome-'));
const shots = process.env.LIVE_E2E_SHOTS;
let server;
let browser;
let pyServer;
let exitCode = 0;
try {
  assert(existsSync(jar), `${jar} not found: run mvn verify first`);
  createTopology();
  pyServer = python(NS.server, SERVER_PY);
  await waitFor(() => pyServer.output().includes('ready') || pyServer.exitCode !== null, 10_000, 'the server program in ' + NS.server);
  assert(pyServer.exitCode === null, `server program: ${pyServer.output()}`);

  const port = await freePort();
  server = new Server(port, dataDir, [], { launcher: true });
  const base = `http://127.0.0.1:${port}/`;
  await server.start();
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROME_ARGS,
    viewport: { width: 1600, height: 1100 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  let sessionId;

  await step('./skbscope serve offers live tracing in the form', async () => {
    await page.goto(base);
    await page.getByTestId('session-form').waitFor({ timeout: 20_000 });
    await page.getByTestId('source-live').click();
    const callout = page.getByTestId('live-capability');
    await callout.waitFor();
    await waitFor(async () => !(await callout.getAttribute('class')).includes('warn'), 10_000, 'live tracing available: ' + (await callout.textContent()));
  });

  await step('a live full session filtered to the containers starts from the form', async () => {
    const before = await page.getByTestId('session-card').count();
    await page.getByTestId('mode-full').click();
    await page.getByTestId('filter-toggle').click();
    await page.locator('input[name=host]').fill('10.232.0.0/16');
    await page.getByTestId('start-trace').click();
    await waitFor(async () => (await page.getByTestId('session-card').count()) > before, 20_000, 'a new session card');
    sessionId = (await page.getByTestId('session-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id')))).sort().pop();
    const card = page.locator(`[data-testid=session-card][data-session-id="${sessionId}"]`);
    await waitFor(async () => (await card.getByTestId('session-state').getAttribute('data-state')) === 'running', 20_000, 'state running');
    await card.getByTestId('session-open').click();
    await page.getByTestId('pipeline-graph').waitFor({ timeout: 20_000 });
  });

  const client = python(NS.client, CLIENT_PY);
  let seen;
  await step('during the traffic every seed node shows its count, rate and p50, or n/a with the reason', async () => {
    const read = () =>
      page.evaluate((ids) => {
        const text = (el, sel) => el.querySelector(sel)?.textContent?.trim() ?? '';
        return ids.map((id) => {
          const el = document.querySelector(`[data-testid="node-${id}"]`);
          if (!el) return { id, missing: true };
          const metrics = [...el.querySelectorAll('.pnode-metrics span')].map((s) => s.textContent.trim());
          return {
            id,
            observable: el.dataset.observable === 'true',
            applicable: el.dataset.applicable === 'true',
            count: el.querySelector('.pnode-count')?.firstChild?.textContent?.trim() ?? '',
            rate: text(el, '.pnode-rate'),
            p50: metrics.find((m) => m.startsWith('p50')) ?? '',
            reason: text(el, '.pnode-unobs'),
          };
        });
      }, SEED_NODES);
    const good = (n) =>
      !n.missing &&
      (n.applicable
        ? n.observable && !/^0/.test(n.count) && /[1-9]/.test(n.rate) && /[0-9]/.test(n.p50) && !/–/.test(n.p50)
        : n.reason.length > 8);
    // every node at once, within one stats update while the traffic flows
    seen = await waitFor(
      async () => {
        const nodes = await read();
        return nodes.every(good) ? nodes : null;
      },
      (TRAFFIC_SECONDS - 1) * 1000,
      'every seed node live',
    ).catch(async (e) => {
      const nodes = await read();
      throw new Error(`${e.message}; not yet: ${JSON.stringify(nodes.filter((n) => !good(n)))}`);
    });
    for (const n of seen) console.log(`  ${n.id.padEnd(16)} ${n.applicable ? `${n.count.padEnd(8)} ${n.rate.padEnd(10)} p50 ${n.p50.replace(/^p50\s*/, '')}` : n.reason}`);
    const na = seen.filter((n) => !n.applicable).map((n) => n.id);
    assert(na.includes('nic_rx'), `NIC RX on veth should be n/a, got ${na}`);
    assert(na.length <= 3, `more nodes n/a than veth explains: ${na}`);
    if (shots) await page.getByTestId('pipeline-graph').screenshot({ path: join(shots, 'live-graph.png') });
  });

  await step('every node has a capability entry (the mechanism, or why not)', async () => {
    const caps = await (await fetch(base + 'api/capabilities')).json();
    const nodes = caps.modes?.full?.nodes ?? caps.nodes;
    assert(nodes, `no per-node capabilities in ${JSON.stringify(caps).slice(0, 300)}`);
    const byId = Array.isArray(nodes) ? Object.fromEntries(nodes.map((n) => [n.node ?? n.id, n])) : nodes;
    for (const id of SEED_NODES) {
      const c = byId[id];
      assert(c, `no capability for ${id}`);
      assert(c.mechanism || c.reason, `capability of ${id} says neither mechanism nor reason: ${JSON.stringify(c)}`);
    }
  });

  await step('after the traffic in-flight drains to 0', async () => {
    console.log('  client: ' + (await client.done).trim());
    const end = Date.now();
    const inflight = () => page.getByTestId('kpi-inflight').getAttribute('data-value').catch(() => null);
    await waitFor(async () => (await inflight()) === '0', 5_000, `in-flight 0 (shown: ${await inflight()})`);
    console.log(`  in flight 0 on screen ${Date.now() - end} ms after the last packet was sent (stats are pushed once per second)`);
    if (shots) await page.screenshot({ path: join(shots, 'live-full.png'), fullPage: true });
  });

  await step('stopping the session from the UI leaves nothing of ours in the kernel', async () => {
    await page.goto(base);
    const card = page.locator(`[data-testid=session-card][data-session-id="${sessionId}"]`);
    await card.getByTestId('session-stop').click();
    await waitFor(async () => (await card.getByTestId('session-state').getAttribute('data-state')) === 'stopped', 20_000, 'state stopped');
    const caps = async () => (await (await fetch(base + 'api/capabilities')).json()).modes?.full?.links ?? 0;
    await waitFor(async () => (await caps()) <= 0, 10_000, 'no link held by the tracer');
    const links = sh('bpftool', 'link', 'show');
    assert(!/netfilter|tcx/.test(links), `links left:\n${links}`);
    for (const ns of Object.values(NS)) {
      const tables = sh('ip', 'netns', 'exec', ns, 'nft', 'list', 'tables');
      assert(!/skbscope/.test(tables), `nft tables left in ${ns}: ${tables}`);
    }
  });

  if (pageErrors.length) throw new Error('page errors: ' + pageErrors.join('; '));
  console.log('live-e2e: all passed');
} catch (e) {
  exitCode = 1;
  console.error(e?.stack ?? e);
  if (server) console.error('server output (last lines):\n' + server.output.split('\n').slice(-30).join('\n'));
} finally {
  await browser?.close().catch(() => {});
  await server?.kill('SIGTERM');
  pyServer?.kill();
  removeTopology();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);

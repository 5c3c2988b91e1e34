// Shared by the browser tests and the performance run: a free loopback port, the server process
// (the real skbscope.jar, or the dev mock with E2E_SERVER=mock) and Chromium's flags.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import http from 'node:http';
import net from 'node:net';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const jar = process.env.SKBSCOPE_JAR ?? join(root, 'skbscope-cli/target/skbscope.jar');
export const java = process.env.JAVA ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin/java') : 'java');
export const useMock = process.env.E2E_SERVER === 'mock';

export const CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
  '--disable-component-update', '--disable-sync'];

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** Polls {@code fn} until it returns something truthy (returned), or throws after {@code timeoutMs}. */
export async function waitFor(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Named test steps in TAP style: {@code step(name, fn)} prints ok / not ok, and on failure saves a
 * screenshot of {@code page()} as <tmp>/<prefix>-failure-N.png and rethrows.
 */
export function stepper(prefix, page) {
  const state = { failures: 0 };
  state.step = async (name, fn) => {
    const t0 = Date.now();
    try {
      await fn();
      console.log(`ok - ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      state.failures++;
      console.log(`not ok - ${name}\n  ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n  ')}`);
      const p = page();
      if (p) await p.screenshot({ path: join(tmpdir(), `${prefix}-failure-${state.failures}.png`), fullPage: true }).catch(() => {});
      throw e;
    }
  };
  return state;
}

/** `skbscope serve` on a port; extraArgs are added to its command line (e.g. ['--prometheus', url]). */
export class Server {
  constructor(port, dataDir, extraArgs = []) {
    this.port = port;
    this.dataDir = dataDir;
    this.extraArgs = extraArgs;
    this.proc = null;
    this.output = '';
  }
  async start() {
    const [cmd, args] = useMock
      ? ['node', [join(here, '../scripts/mock-server.mjs')]]
      : [java, ['--enable-native-access=ALL-UNNAMED', '-jar', jar, 'serve', '--port', String(this.port), '--data-dir', this.dataDir, '--log-dir', join(this.dataDir, 'logs'), ...this.extraArgs]];
    this.proc = spawn(cmd, args, { env: { ...process.env, PORT: String(this.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d) => {
      this.output = (this.output + d).slice(-8000);
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`server exited with ${this.proc.exitCode}:\n${this.output}`);
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}/api/health`);
        if (r.ok) return;
      } catch {
        /* not up yet */
      }
      await sleep(250);
    }
    throw new Error(`server did not answer /api/health within 60 s:\n${this.output}`);
  }
  async kill() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await exited;
  }
}


const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

/** Serves the files of {@code dir} on a free loopback port (for the performance harness); resolves to the http.Server with .port. */
export async function serveStatic(dir) {
  const root = resolve(dir);
  const server = http.createServer(async (req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(root)) return res.writeHead(403).end();
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.port = server.address().port;
  return server;
}

// A real Prometheus (Debian's /usr/bin/prometheus) for the fleet tests: loopback only, a temporary
// data directory, a bounded run (killed by stop(), or by its own deadline if the test hangs).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from './harness.mjs';

export const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';
export const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';

export class Prometheus {
  /** @param maxRunMs the process is killed after this long whatever happens */
  constructor(port, maxRunMs = 300_000) {
    this.port = port;
    this.maxRunMs = maxRunMs;
    this.dir = mkdtempSync(join(tmpdir(), 'skbscope-prometheus-'));
    this.url = `http://127.0.0.1:${port}`;
    this.output = '';
    this.proc = null;
  }

  static async create(maxRunMs) {
    return new Prometheus(await freePort(), maxRunMs);
  }

  /** Writes prometheus.yml (and any other files: name -> text) into its directory; returns the config path. */
  writeConfig(yaml, files = {}) {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, name), text);
    this.config = join(this.dir, 'prometheus.yml');
    writeFileSync(this.config, yaml);
    return this.config;
  }

  async start() {
    const args = [`--config.file=${this.config}`, `--storage.tsdb.path=${join(this.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${this.port}`, '--storage.tsdb.retention.time=1h', '--log.level=warn',
      '--query.lookback-delta=1m'];
    this.proc = spawn(PROMETHEUS, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d) => {
      this.output = (this.output + d).slice(-8000);
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.killer = setTimeout(() => this.proc.kill('SIGKILL'), this.maxRunMs);
    this.killer.unref();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`prometheus exited with ${this.proc.exitCode}:\n${this.output}`);
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        /* not up yet */
      }
      await sleep(200);
    }
    throw new Error(`prometheus not ready within 30 s:\n${this.output}`);
  }

  /** An instant query through the HTTP API; returns data.result, throws on an error answer. */
  async query(q) {
    const r = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = await r.json();
    if (body.status !== 'success') throw new Error(`query ${q}: ${body.errorType}: ${body.error}`);
    return body.data.result;
  }

  /** The query's vector as [{labels, value}] (value a number). */
  async vector(q) {
    return (await this.query(q)).map((s) => ({ labels: s.metric, value: Number(s.value[1]) }));
  }

  async stop() {
    clearTimeout(this.killer);
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

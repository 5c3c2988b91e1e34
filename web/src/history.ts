// Bounded history of one session's stats updates: packets/s and drops/s series for the live graphs
// and a per-node latency ring for the heatmap. Memory is fixed at creation (capacity x nodes), so a
// dashboard left open for days holds exactly as much as one open for five minutes.

import type { Stats } from './types';

/** Fixed-capacity ring of numbers; NaN marks "no value" (a gap in a graph, an empty heatmap cell). */
export class Ring {
  readonly capacity: number;
  private readonly values: Float64Array;
  private start = 0;
  private size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.values = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(v: number): void {
    if (this.size < this.capacity) {
      this.values[(this.start + this.size) % this.capacity] = v;
      this.size++;
    } else {
      this.values[this.start] = v;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** i-th oldest value (0 = oldest). */
  at(i: number): number {
    return this.values[(this.start + i) % this.capacity];
  }

  last(): number {
    return this.size === 0 ? NaN : this.at(this.size - 1);
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
  }

  toArray(): number[] {
    const out = new Array<number>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.at(i);
    return out;
  }
}

export interface History {
  capacity: number;
  /** Wall-clock seconds of each update. */
  times: Ring;
  pps: Ring;
  dropsPerSec: Ring;
  eventsPerSec: Ring;
  /** Per node: mean latency (µs) of the samples that arrived in that update's interval; NaN if none. */
  latency: Map<string, Ring>;
  /** Updates recorded since creation (not bounded; a counter only). */
  updates: number;
  prev: { uptime: number; wall: number; drops: number; events: number; lat: Map<string, [number, number]> } | null;
}

/** 300 updates at 1 per second = the last 5 minutes. */
export const DEFAULT_CAPACITY = 300;

export function createHistory(capacity = DEFAULT_CAPACITY): History {
  return {
    capacity,
    times: new Ring(capacity),
    pps: new Ring(capacity),
    dropsPerSec: new Ring(capacity),
    eventsPerSec: new Ring(capacity),
    latency: new Map(),
    updates: 0,
    prev: null,
  };
}

/**
 * Records one stats update. Rates are deltas of the cumulative counters over the session's own
 * uptime (falling back to wall time), so a late or bunched update does not show a false spike.
 * A counter that went backwards (the session was restarted) starts a new baseline.
 */
export function recordUpdate(h: History, stats: Stats, wallMs: number): void {
  const wall = wallMs / 1000;
  const uptime = stats.uptime_seconds;
  const drops = stats.drops;
  const events = stats.total_events;
  const prev = h.prev;
  let dt = 0;
  if (prev) {
    dt = uptime - prev.uptime;
    if (!(dt > 0)) dt = wall - prev.wall;
  }
  const restarted = !prev || drops < prev.drops || events < prev.events;

  h.times.push(wall);
  h.pps.push(stats.packets_per_second);
  h.dropsPerSec.push(!restarted && dt > 0 ? (drops - prev!.drops) / dt : 0);
  h.eventsPerSec.push(!restarted && dt > 0 ? (events - prev!.events) / dt : 0);

  const lat = new Map<string, [number, number]>();
  const { nodes } = stats;
  for (const id in nodes) {
    const n = nodes[id];
    const samples = n.samples;
    const sum = n.avg_us * samples;
    lat.set(id, [samples, sum]);
    if (!h.latency.has(id)) {
      const ring = new Ring(h.capacity);
      // Align a node that appears late with the other rows.
      for (let i = 0; i < h.times.length - 1; i++) ring.push(NaN);
      h.latency.set(id, ring);
    }
  }
  for (const [id, ring] of h.latency) {
    const cur = lat.get(id);
    const before = prev?.lat.get(id);
    let v = NaN;
    if (cur && cur[0] > 0) {
      if (before && !restarted) {
        const ds = cur[0] - before[0];
        if (ds > 0) v = Math.max(0, (cur[1] - before[1]) / ds);
      } else {
        v = cur[1] / cur[0];
      }
    }
    ring.push(v);
  }
  h.prev = { uptime, wall, drops, events, lat };
  h.updates++;
}

import { describe, expect, it } from 'vitest';
import { createHistory, recordUpdate, Ring } from './history';
import { nodeStats, stats as fullStats } from './test/fixtures';
import type { NodeStats, Stats } from './types';

function node(samples: number, avg: number): NodeStats {
  return nodeStats('x', { count: samples, packets: samples, p50_us: avg, p90_us: avg, p99_us: avg, avg_us: avg, max_us: avg, samples });
}

function stats(uptime: number, drops: number, events: number, nodes: Record<string, NodeStats>, pps = 10): Stats {
  return fullStats({ total_packets: events, total_events: events, packets_per_second: pps, uptime_seconds: uptime, nodes, drops });
}

describe('Ring', () => {
  it('keeps only the newest capacity values in order', () => {
    const r = new Ring(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.length).toBe(3);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.last()).toBe(5);
  });
});

describe('recordUpdate', () => {
  it('stays bounded however many updates arrive', () => {
    const h = createHistory(300);
    for (let i = 0; i < 5000; i++) recordUpdate(h, stats(i, i, i * 10, { gro: node(i, 2) }), i * 1000);
    expect(h.updates).toBe(5000);
    expect(h.times.length).toBe(300);
    expect(h.pps.length).toBe(300);
    expect(h.latency.get('gro')!.length).toBe(300);
    expect(h.times.at(0)).toBe(4700);
  });

  it('derives drops/s from counter deltas over session uptime', () => {
    const h = createHistory();
    recordUpdate(h, stats(10, 100, 1000, {}), 0);
    recordUpdate(h, stats(12, 160, 1400, {}), 1000); // uptime moved 2 s even though the wall clock moved 1 s
    expect(h.dropsPerSec.last()).toBe(30);
    expect(h.eventsPerSec.last()).toBe(200);
  });

  it('starts a new baseline when counters go backwards (session restarted)', () => {
    const h = createHistory();
    recordUpdate(h, stats(100, 500, 9000, {}), 0);
    recordUpdate(h, stats(1, 3, 50, {}), 1000);
    expect(h.dropsPerSec.last()).toBe(0);
  });

  it('heatmap cells hold the mean latency of the interval, not the cumulative mean', () => {
    const h = createHistory();
    recordUpdate(h, stats(1, 0, 10, { l4_rx: node(10, 5) }), 0); // 10 samples, sum 50
    recordUpdate(h, stats(2, 0, 20, { l4_rx: node(20, 10) }), 1000); // 10 new samples, sum 200 -> 150/10 = 15
    recordUpdate(h, stats(3, 0, 30, { l4_rx: node(20, 10) }), 2000); // no new samples -> empty cell
    const ring = h.latency.get('l4_rx')!;
    expect(ring.toArray()[0]).toBe(5);
    expect(ring.toArray()[1]).toBe(15);
    expect(ring.toArray()[2]).toBeNaN();
  });

  it('aligns a node that first appears late with the time axis', () => {
    const h = createHistory();
    recordUpdate(h, stats(1, 0, 10, { gro: node(1, 1) }), 0);
    recordUpdate(h, stats(2, 0, 20, { gro: node(2, 1) }), 1000);
    recordUpdate(h, stats(3, 0, 30, { gro: node(3, 1), socket: node(4, 7) }), 2000);
    const sock = h.latency.get('socket')!;
    expect(sock.length).toBe(h.times.length);
    expect(sock.toArray().slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(sock.last()).toBe(7);
  });
});

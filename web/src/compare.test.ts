import { describe, expect, it } from 'vitest';
import { changeMarks, formatChange, toneOf } from './compare';
import type { Comparison, NodeChange } from './types';

function node(over: Partial<NodeChange>): NodeChange {
  return {
    id: 'n', label: 'N', significant: true, score: 0.5, summary: ['x'], observable_a: true, observable_b: true,
    packets: { a: 10, b: 10, z: 0, significant: false, share_a: 0.1, share_b: 0.1, basis: 'reach' },
    verdicts: [], drop_reasons: [], ...over,
  };
}

describe('compare', () => {
  it('more drops or more latency is worse, less is better, routing alone is a change', () => {
    expect(toneOf(node({ drop_rate: { a: 0.01, b: 0.05, z: 9, significant: true } }))).toBe('worse');
    expect(toneOf(node({ p99_us: { a: 20, b: 10, z: -9, significant: true } }))).toBe('better');
    expect(toneOf(node({ packets: { a: 10, b: 5, z: -9, significant: true, share_a: 0.5, share_b: 0.2, basis: 'reach' } }))).toBe('changed');
    expect(toneOf(node({ significant: false, p50_us: { a: 1, b: 1.01, z: 1, significant: false } }))).toBe('same');
    expect(toneOf(node({ observable_b: false }))).toBe('changed');
  });

  it('marks every node of a comparison', () => {
    const c = { nodes: [node({ id: 'gro', drop_rate: { a: 0, b: 0.2, z: 20, significant: true } }), node({ id: 'nic', significant: false })] } as unknown as Comparison;
    const m = changeMarks(c);
    expect(m.gro.tone).toBe('worse');
    expect(m.nic.tone).toBe('same');
  });

  it('writes relative changes', () => {
    expect(formatChange({ a: 10, b: 20, change: 1, z: 9, significant: true })).toBe('+100%');
    expect(formatChange({ a: 10, b: 9.5, change: -0.05, z: 1, significant: false })).toBe('−5%');
    expect(formatChange({ a: 0, b: 3, z: 9, significant: true })).toBe('new');
  });
});

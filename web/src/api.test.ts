import { describe, expect, it } from 'vitest';
import { errorField, normalizeSession } from './api';
import { buildRequest } from './components/SessionForm';
import { handlesFor, layout } from './components/PipelineGraph';
import { NODE_DEFS, NODE_IDS } from './pipeline';

describe('errorField', () => {
  it('finds the form field a validation message names', () => {
    expect(errorField('filter.sport must be a port 0-65535')).toBe('sport');
    expect(errorField('filter.port: not a number')).toBe('port');
    expect(errorField('max_functions must be between 1 and 1000')).toBe('max_functions');
    expect(errorField('source.path is required for a replay')).toBe('path');
    expect(errorField("source.kind 'live' unavailable: no BPF")).toBe('kind');
    expect(errorField('drop_share must be in [0,1]')).toBe('drop_share');
    expect(errorField('something else went wrong')).toBeUndefined();
  });
  it('uses the server convention "field.path: message"', () => {
    expect(errorField('source.rate: must be within 0.001..10000000 (got -5)')).toBe('rate');
    expect(errorField('filter.dport: must be a port number 0..65535 (got 70000)')).toBe('dport');
    expect(errorField('source.path: no recording "x" in [/data/recordings]')).toBe('path');
    expect(errorField('filter: src and host are exclusive')).toBeUndefined();
  });
});

describe('normalizeSession', () => {
  it('accepts alternative key names', () => {
    const s = normalizeSession({ session_id: 's1', status: 'running', source: { kind: 'synthetic' }, stats: { total_packets: 5, uptime_seconds: 2 } });
    expect(s.id).toBe('s1');
    expect(s.state).toBe('running');
    expect(s.total_packets).toBe(5);
    expect(s.uptime_seconds).toBe(2);
  });
});

describe('buildRequest', () => {
  const base = { mode: 'full', kind: 'synthetic', max_functions: '30', max_tracked_skbs: '', path: '', speed: '1', rate: '500', seed: '7', drop_share: '0.1', protocol: '' };
  it('sends numbers as numbers and omits empty filter fields', () => {
    const r = buildRequest({ ...base, sport: '', dport: '443', src: ' 10.0.0.0/8 ' });
    expect(r).toEqual({ mode: 'full', max_functions: 30, filter: { dport: 443, src: '10.0.0.0/8' }, source: { kind: 'synthetic', rate: 500, seed: 7, drop_share: 0.1 } });
  });
  it('passes invalid text through so the server names the field', () => {
    expect(buildRequest({ ...base, dport: 'https' }).filter.dport).toBe('https');
  });
  it('builds replay and live sources', () => {
    expect(buildRequest({ ...base, kind: 'replay', path: '/tmp/a.jsonl', speed: '0' }).source).toEqual({ kind: 'replay', path: '/tmp/a.jsonl', speed: 0 });
    expect(buildRequest({ ...base, kind: 'live' }).source).toEqual({ kind: 'live' });
  });
  it('sends the idle timeout only when given', () => {
    expect(buildRequest({ ...base, idle_timeout_ms: '' }).idle_timeout_ms).toBeUndefined();
    expect(buildRequest({ ...base, idle_timeout_ms: '250' }).idle_timeout_ms).toBe(250);
  });
});

describe('flow graph layout', () => {
  it('places every node of the contract at a distinct position', () => {
    const placed = layout(NODE_IDS);
    const spots = new Set([...placed.values()].map((p) => `${p.x},${p.y}`));
    expect(spots.size).toBe(NODE_DEFS.length);
    expect(NODE_IDS).toHaveLength(23);
  });
  it('places unknown node ids without overlapping known ones', () => {
    const extra = Array.from({ length: 7 }, (_, i) => `extra_${i}`);
    const placed = layout([...NODE_IDS, ...extra]);
    const spots = new Set([...placed.values()].map((p) => `${p.x},${p.y}`));
    expect(spots.size).toBe(30);
  });
  it('routes adjacent edges straight and skipping edges around', () => {
    const d = new Map(NODE_DEFS.map((n) => [n.id, n]));
    expect(handlesFor(d.get('gro')!, d.get('tc_ingress')!).kind).toBe('straight');
    expect(handlesFor(d.get('driver_napi')!, d.get('nf_prerouting')!)).toMatchObject({ kind: 'skip', sourceHandle: 'st' });
    expect(handlesFor(d.get('routing_decision')!, d.get('nf_input')!)).toMatchObject({ sourceHandle: 'b', targetHandle: 't' });
  });
});

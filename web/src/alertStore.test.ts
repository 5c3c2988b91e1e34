import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertEventMsg } from './alertsApi';
import { AlertStore, describeAlert, TOAST_MS } from './alertStore';
import { formatDuration } from './components/alertFormat';
import { withGaps } from './components/HistoryChart';

function event(severity: 'info' | 'warning' | 'error' | 'critical', state: 'firing' | 'resolved' = 'firing'): AlertEventMsg {
  return {
    session_id: 's1',
    alert: {
      rule: `r_${severity}`, title: 'T', severity, state, value: 30.12345, threshold: 20, comparison: '>', expression: 'drop_rate', unit: '%',
      since: '2025-01-01T00:00:00Z', fired_at: '2025-01-01T00:00:05Z', resolved_at: state === 'resolved' ? '2025-01-01T00:01:00Z' : undefined,
    },
  };
}

describe('alert toasts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new Error('offline'))));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('closes non-critical toasts after 10 s and keeps critical ones until dismissed', () => {
    const s = new AlertStore();
    s.onAlert(event('error'));
    s.onAlert(event('critical'));
    s.onAlert(event('warning', 'resolved'));
    expect(s.getSnapshot().toasts.map((t) => t.alert.severity)).toEqual(['error', 'critical', 'warning']);
    vi.advanceTimersByTime(TOAST_MS - 1);
    expect(s.getSnapshot().toasts).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(s.getSnapshot().toasts.map((t) => t.alert.severity)).toEqual(['critical']);
    vi.advanceTimersByTime(10 * TOAST_MS);
    expect(s.getSnapshot().toasts).toHaveLength(1);
    s.dismiss(s.getSnapshot().toasts[0].id);
    expect(s.getSnapshot().toasts).toHaveLength(0);
  });

  it('marks fired and resolved alerts on the session time axis once each', () => {
    const s = new AlertStore();
    s.onAlert(event('error'));
    s.onAlert(event('error', 'resolved'));
    s.onAlert(event('error'));   // the same event again: one marker
    const m = s.markersOf('s1');
    expect(m.map((x) => [x.t, x.state])).toEqual([
      [Date.parse('2025-01-01T00:00:05Z') / 1000, 'firing'],
      [Date.parse('2025-01-01T00:01:00Z') / 1000, 'resolved'],
    ]);
  });
});

describe('alert text', () => {
  it('describes the value against the threshold with the unit and scope', () => {
    expect(describeAlert({ ...event('error').alert, session_id: 's1' })).toBe('drop_rate 30.12 % > 20 %');
    expect(describeAlert({ ...event('error').alert, session_id: 's1', node: 'nf_input', expression: 'node_p99_us', unit: 'µs', value: 1234.5, threshold: 1000 }))
      .toBe('node_p99_us at nf_input 1235 µs > 1000 µs');
  });

  it('writes durations as the rule editor shows them', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(3600)).toBe('1h');
    expect(formatDuration(0.5)).toBe('0.5s');
  });
});

describe('history gaps', () => {
  it('breaks the line where samples are missing', () => {
    const [t, [a]] = withGaps([0, 1, 2, 10, 11], [[1, 2, 3, 4, 5]], 1);
    expect(t).toEqual([0, 1, 2, 3, 10, 11]);
    expect(a).toEqual([1, 2, 3, null, 4, 5]);
  });
});

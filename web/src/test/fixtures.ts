// Test fixtures (unit tests only; the app never imports this): complete stats objects as the
// server sends them, so tests override only what they are about.
import type { NodeStats, Stats } from '../types';

export function nodeStats(id: string, overrides: Partial<NodeStats> = {}): NodeStats {
  return {
    id, label: id, count: 0, packets: 0, in_flight: 0, packets_per_second: 0, p50_us: 0, p90_us: 0, p99_us: 0, avg_us: 0, max_us: 0,
    samples: 0, top_functions: {}, verdicts: {}, drops: 0, drop_reasons: {}, errors: 0, observable: true, ...overrides,
  };
}

export function stats(overrides: Partial<Stats> = {}): Stats {
  return {
    session_id: 'test', total_packets: 0, total_events: 0, packets_per_second: 0, uptime_seconds: 0, mode: 'full', hooks: {}, nodes: {},
    edges: [], pipelines: [], layers: {}, total_verdicts: {}, top_latency: [], drops: 0, evicted_packets: 0,
    source: { kind: 'synthetic', bad_lines: 0, lost_events: 0, events_read: 0, sample_one_in: 1 },
    drop_reasons: {}, top_functions: {}, max_functions: 50, functions_dropped: 0, rules: [], rules_dropped: 0, in_flight_total: 0,
    max_tracked_skbs: 10000, reordered_events: 0, untracked_end_events: 0, idle_ended_packets: 0, taken_at_ms: 0, ...overrides,
  };
}

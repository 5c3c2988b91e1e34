// Shapes of the skbscope REST and Socket.IO payloads (see /work/shared/spec/trace-events.md section 4).
// Every field is optional-tolerant at the edges: the normalisers in api.ts fill gaps so components
// never have to guard against a missing key.

export type Counts = Record<string, number>;

export interface NodeStats {
  label: string;
  count: number;
  packets: number;
  in_flight: number;
  packets_per_second: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  avg_us: number;
  max_us: number;
  samples: number;
  top_functions: Counts;
  verdicts: Counts;
  drops: number;
  drop_reasons: Counts;
  errors: number;
  observable?: boolean;
  unobserved_reason?: string;
}

export interface EdgeStats {
  from: string;
  to: string;
  count: number;
  avg_us: number;
  p50_us: number;
}

export interface PipelineStats {
  name: string;
  started: number;
  in_flight: number;
  completed: number;
  dropped: number;
}

export interface HookStats {
  count: number;
  verdicts: Counts;
}

export interface LatencyEntry {
  node: string;
  label: string;
  avg_us: number;
  p99_us: number;
  samples: number;
}

export interface RuleStats {
  table: string;
  chain: string;
  /** null or negative (-1) for a chain's policy. */
  handle: number | string | null;
  text?: string;
  hits: number;
  verdicts: Counts;
}

export interface SourceStats {
  kind?: string;
  bad_lines?: number;
  lost_events?: number;
  events_read?: number;
  /** 1: every packet traced; N: one packet in N, counts are estimates scaled by N. */
  sample_one_in?: number;
  detail?: string;
  [key: string]: unknown;
}

export interface Stats {
  total_packets: number;
  total_events: number;
  packets_per_second: number;
  uptime_seconds: number;
  mode: string;
  hooks: Record<string, HookStats>;
  nodes: Record<string, NodeStats>;
  edges: EdgeStats[];
  pipelines: PipelineStats[];
  layers: Record<string, { count: number; avg_us: number }>;
  total_verdicts: Counts;
  top_latency: LatencyEntry[];
  drops: number;
  drop_reasons?: Counts;
  evicted_packets: number;
  source: SourceStats;
  rules?: RuleStats[];
  top_functions?: Counts;
  in_flight_total?: number;
  max_functions?: number;
  functions_dropped?: number;
  rules_dropped?: number;
  reordered_events?: number;
  untracked_end_events?: number;
  max_tracked_skbs?: number;
}

export interface StatsUpdate {
  session_id: string;
  stats: Stats;
}

export type SessionState = 'running' | 'stopped' | 'interrupted' | 'failed' | string;

export interface SessionSource {
  kind: 'live' | 'replay' | 'synthetic' | string;
  path?: string;
  speed?: number;
  rate?: number;
  seed?: number;
  drop_share?: number;
  [key: string]: unknown;
}

export interface Session {
  id: string;
  mode: string;
  state: SessionState;
  source: SessionSource;
  created_at?: string;
  uptime_seconds: number;
  total_packets: number;
  /** NaN when the server's session list does not carry drops. */
  drops: number;
  packets_per_second: number;
  has_recording: boolean;
  filter?: Record<string, unknown>;
  max_functions?: number;
  max_tracked_skbs?: number;
  error?: string;
}

export interface Capabilities {
  live?: {
    available: boolean;
    reason?: string;
    nodes?: Record<string, { observable: boolean; reason?: string }>;
  };
  [key: string]: unknown;
}

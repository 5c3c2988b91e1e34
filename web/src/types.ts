// Shapes of the skbscope REST and Socket.IO payloads (the stats object is spec section 4 of the
// trace-events contract). Sessions are normalised in api.ts; stats objects are used as sent.

export type Counts = Record<string, number>;

// The stats object of spec section 4 as the server sends it (StatsSnapshot in skbscope-engine).
// Every field the server always sends is required here, so the UI shows it as sent and never
// recomputes or defaults it; optional fields are the ones the server omits when they are empty.

export interface NodeStats {
  id: string;
  label: string;
  /** L2, L3, L4 or socket; absent for `other`. */
  layer?: string;
  /** inbound, local, forward or outbound; absent for `other`. */
  path?: string;
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
  observable: boolean;
  /** Why this machine cannot observe the node (only when observable is false). */
  unobserved_reason?: string;
  /** False when the node cannot exist for this session's packets (NIC receive on veth): not the same as not observable. */
  applicable: boolean;
  /** Why the node does not apply (only when applicable is false). */
  not_applicable_reason?: string;
  /** Id of a kept packet whose time here is at (nearest above) the node's p99 (sessions that keep packets). */
  p99_exemplar?: string;
  /** 95 % confidence intervals [low, high] of p50/p99 (absent without samples). */
  p50_ci_us?: [number, number];
  p99_ci_us?: [number, number];
}

export interface EdgeStats {
  from: string;
  to: string;
  count: number;
  avg_us: number;
  p50_us: number;
  p99_us: number;
}

export interface PipelineStats {
  name: string;
  started: number;
  in_flight: number;
  completed: number;
  dropped: number;
  evicted: number;
  /** Closed by the idle timeout: the kernel never reported their end. */
  expired: number;
}

export interface HookStats {
  count: number;
  verdicts: Counts;
}

export interface LayerStats {
  count: number;
  avg_us: number;
  samples: number;
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
  /** Absent (or negative) for a chain's policy. */
  handle?: number;
  /** The rule as nft lists it, when the source knows it. */
  text?: string;
  hits: number;
  verdicts: Counts;
  /** Id of the latest packet the rule gave a verdict (sessions that keep packets). */
  exemplar?: string;
}

export interface SourceStats {
  kind: string;
  bad_lines: number;
  lost_events: number;
  events_read: number;
  /** 1: every packet traced; N: one packet in N, counts are estimates scaled by N. */
  sample_one_in: number;
  /** A short description (file name, probes attached ...), when the source gives one. */
  detail?: string;
}

export interface Stats {
  session_id: string;
  total_packets: number;
  total_events: number;
  packets_per_second: number;
  uptime_seconds: number;
  mode: string;
  hooks: Record<string, HookStats>;
  nodes: Record<string, NodeStats>;
  edges: EdgeStats[];
  pipelines: PipelineStats[];
  layers: Record<string, LayerStats>;
  total_verdicts: Counts;
  top_latency: LatencyEntry[];
  drops: number;
  evicted_packets: number;
  source: SourceStats;
  drop_reasons: Counts;
  top_functions: Counts;
  max_functions: number;
  functions_dropped: number;
  rules: RuleStats[];
  rules_dropped: number;
  in_flight_total: number;
  max_tracked_skbs: number;
  reordered_events: number;
  untracked_end_events: number;
  idle_ended_packets: number;
  /** Wall-clock time (ms since the epoch) the snapshot was taken. */
  taken_at_ms: number;
  /** Packets closed by the idle timeout because the kernel never reported their end. */
  expired_packets: number;
  /** Per network namespace (live sources): absent when no event named one. */
  netns?: NetnsStats[];
  /** Drop reason → id of the latest packet dropped with it (sessions that keep packets). */
  drop_exemplars?: Record<string, string>;
  /** Newest event time (the trace clock, ns). */
  event_time_ns?: number;
  /** Finished packets kept for queries (absent when the session keeps none). */
  packets_kept?: number;
}

export interface NetnsStats {
  /** The namespace's inode (0: events that named none; -1: the namespaces past the first 15). */
  netns: number;
  name?: string;
  packets: number;
  nodes: Record<string, { count: number; packets: number }>;
  edges: { from: string; to: string; count: number }[];
}

/** One packet (journey) as GET /api/sessions/<id>/packets lists it; the detail adds hops and verdicts. */
export interface PacketView {
  id: string;
  skb?: string;
  trace_id?: string;
  journey: number;
  start_ns: number;
  end_ns: number;
  duration_us: number;
  /** inbound, local, forward, outbound or unknown. */
  path: string;
  /** completed, dropped, expired, evicted or in_flight. */
  end: string;
  drop?: { node?: string; label?: string; reason?: string };
  end_probe?: string;
  proto?: string;
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  ifindex?: number;
  netns?: number;
  len?: number;
  weight: number;
  nodes: string[];
  verdict?: string;
  events: number;
  steps_omitted?: number;
  node_latency_us?: number;
  hops?: PacketHop[];
  verdicts?: PacketVerdict[];
}

export interface PacketHop {
  node: string;
  label: string;
  probe?: string;
  functions?: string[];
  ts_ns: number;
  offset_us: number;
  /** Time at the node; absent when unknown (no end event). */
  spent_us?: number;
  events: number;
}

export interface PacketVerdict {
  node: string;
  hook?: string;
  verdict?: string;
  probe: string;
  ts_ns: number;
  table?: string;
  chain?: string;
  rule_handle?: number;
  rule_text?: string;
}

export interface PacketPage {
  session_id: string;
  /** live (the session's kept packets) or recording. */
  from: string;
  packets: PacketView[];
  count: number;
  matched: number;
  kept: number;
  next_cursor?: string;
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
  packet_history?: number;
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

// GET /api/sessions/{a}/compare/{b} (StatsComparison in skbscope-engine): what changed from A to B.

export interface CompareSide {
  name: string;
  session_id: string;
  mode: string;
  total_packets: number;
  total_events: number;
  drops: number;
  drop_rate: number;
  sample_one_in: number;
  uptime_seconds: number;
}

export interface CompareMetric {
  a: number;
  b: number;
  /** (b - a) / a; absent when a is 0. */
  change?: number;
  z: number;
  significant: boolean;
}

export interface CompareVolume extends CompareMetric {
  share_a: number;
  share_b: number;
  basis: 'reach' | 'entry';
  reach_a?: number;
  reach_b?: number;
}

export interface CompareCount {
  name: string;
  a: number;
  b: number;
  share_a: number;
  share_b: number;
  status: 'appeared' | 'vanished' | 'up' | 'down' | 'same';
  z: number;
  significant: boolean;
}

export interface CompareRule {
  table: string;
  chain: string;
  handle?: number;
  text?: string;
  a: number;
  b: number;
  status: CompareCount['status'];
  verdicts_a: Counts;
  verdicts_b: Counts;
  z: number;
  significant: boolean;
}

export interface NodeChange {
  id: string;
  label: string;
  path?: string;
  significant: boolean;
  score: number;
  summary: string[];
  observable_a: boolean;
  observable_b: boolean;
  unobserved_reason?: string;
  packets: CompareVolume;
  drop_rate?: CompareMetric;
  p50_us?: CompareMetric;
  p99_us?: CompareMetric;
  verdicts: CompareCount[];
  drop_reasons: CompareCount[];
}

export interface Comparison {
  a: CompareSide;
  b: CompareSide;
  z_threshold: number;
  significant_nodes: number;
  nodes: NodeChange[];
  drop_reasons: CompareCount[];
  rules: CompareRule[];
}

/** One skbscope host as the Hosts page shows it (GET /api/fleet/hosts), read from Prometheus. */
export interface FleetHost {
  job: string;
  instance: string;
  version: string | null;
  up: boolean;
  /** That host's own UI. */
  url: string;
  packets_per_second: number | null;
  drop_ratio: number | null;
  worst_p99_seconds: number | null;
  worst_p99_node: string | null;
  alerts_firing: number;
  running_sessions: number;
  lost_events_per_second: number | null;
}

export interface FleetHosts {
  prometheus: string;
  /** The PromQL rate window, e.g. "1m". */
  window: string;
  hosts: FleetHost[];
  /** Every PromQL query the page is built from, by column. */
  queries: Record<string, string>;
}

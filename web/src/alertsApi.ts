// REST client for alert rules, active alerts, the alert log and session history.
import { request } from './api';

export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** An alert as the server sends it (Socket.IO 'alert' event, GET /api/alerts, the alert log). */
export interface AlertInfo {
  session_id: string;
  rule: string;
  title: string;
  severity: Severity;
  state: 'pending' | 'firing' | 'resolved';
  value: number;
  threshold: number;
  comparison?: string;
  expression?: string;
  unit?: string;
  node?: string;
  hook?: string;
  reason?: string;
  since: string;
  fired_at?: string;
  resolved_at?: string | null;
  resolution?: string | null;
  id?: number;
}

export interface AlertEventMsg {
  session_id: string;
  alert: Omit<AlertInfo, 'session_id'>;
}

export interface AlertRule {
  name: string;
  title: string;
  expression: string;
  comparison: string;
  threshold: number;
  for: number;
  keep_firing_for: number;
  severity: Severity;
  node: string | null;
  hook: string | null;
  reason: string | null;
  enabled: boolean;
  unit?: string;
  condition?: string;
  origin?: 'global' | 'session';
}

export interface ActiveAlerts {
  alerts: AlertInfo[];
  firing: number;
  pending: number;
}

const enc = encodeURIComponent;

export function getActiveAlerts(session?: string): Promise<ActiveAlerts> {
  return request('GET', '/api/alerts' + (session ? `?session=${enc(session)}` : ''));
}

export async function getAlertLog(opts: { session?: string; limit?: number; since?: string } = {}): Promise<AlertInfo[]> {
  const q = new URLSearchParams();
  if (opts.session) q.set('session', opts.session);
  if (opts.limit) q.set('limit', String(opts.limit));
  if (opts.since) q.set('since', opts.since);
  const r = await request<{ alerts: AlertInfo[] }>('GET', '/api/alerts/history' + (q.size ? `?${q}` : ''));
  return r.alerts;
}

export function clearAlerts(body: { session?: string; active?: boolean; history?: boolean } = {}): Promise<{ cleared_active: number; cleared_history: number }> {
  return request('POST', '/api/alerts/clear', body);
}

function rulesPath(session?: string): string {
  return session ? `/api/sessions/${enc(session)}/alerts/rules` : '/api/alerts/rules';
}

export async function getRules(session?: string): Promise<AlertRule[]> {
  return (await request<{ rules: AlertRule[] }>('GET', rulesPath(session))).rules;
}

/** Changes fields of a rule (for a session: makes or updates its own copy of the rule). */
export function updateRule(name: string, changes: Partial<AlertRule>, session?: string): Promise<AlertRule> {
  return request('PUT', `${rulesPath(session)}/${enc(name)}`, changes);
}

/** Removes a session's own rule (the global rule of that name applies again) or a global rule. */
export function deleteRule(name: string, session?: string): Promise<unknown> {
  return request('DELETE', `${rulesPath(session)}/${enc(name)}`);
}

export interface HistoryResponse {
  session_id: string;
  from: number;
  to: number;
  step: number;
  resolution: string;
  points: number;
  extent: { first: number; last: number } | null;
  t: number[];
  series: {
    packets_per_second?: number[];
    drops_per_second?: number[];
    in_flight?: number[];
    lost_events_per_second?: number[];
    verdicts_per_second?: Record<string, (number | null)[]>;
    node_packets_per_second?: Record<string, (number | null)[]>;
    node_p99_us?: Record<string, (number | null)[]>;
    node_p50_us?: Record<string, (number | null)[]>;
  };
}

export function getHistory(session: string, params: { from?: string | number; to?: string | number; step?: string; series?: string[] }): Promise<HistoryResponse> {
  const q = new URLSearchParams();
  if (params.from !== undefined) q.set('from', String(params.from));
  if (params.to !== undefined) q.set('to', String(params.to));
  if (params.step) q.set('step', params.step);
  if (params.series) q.set('series', params.series.join(','));
  return request('GET', `/api/sessions/${enc(session)}/history?${q}`);
}

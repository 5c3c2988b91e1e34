// REST client for the skbscope server. Normalises payloads so the UI tolerates small naming
// differences (id/session_id, state/status) and maps validation errors onto form fields.

import { authHeaders, token } from './auth';
import type { Capabilities, Comparison, FleetHosts, PacketPage, PacketView, Session, Stats } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly field?: string;
  constructor(message: string, status: number, field?: string) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? authHeaders() : { 'Content-Type': 'application/json', ...authHeaders() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('Server unreachable', 0);
  }
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    const obj = (json ?? {}) as Record<string, unknown>;
    const message = typeof obj.error === 'string' ? obj.error : typeof obj.message === 'string' ? obj.message : `HTTP ${res.status}`;
    const field = typeof obj.field === 'string' ? obj.field : errorField(message);
    throw new ApiError(message, res.status, field);
  }
  return json as T;
}

/** Form fields a server message may name, most specific first. */
export const FORM_FIELDS = [
  'idle_timeout_ms',
  'max_tracked_skbs',
  'packet_history',
  'max_functions',
  'drop_share',
  'ifindex',
  'netns',
  'protocol',
  'sport',
  'dport',
  'port',
  'src',
  'dst',
  'host',
  'path',
  'speed',
  'rate',
  'seed',
  'kind',
  'mode',
];

/** The form field a validation message refers to, e.g. "filter.sport must be 0-65535" -> "sport". */
export function errorField(message: string): string | undefined {
  // The server's convention: "source.rate: must be within ..." names the field before the colon.
  const prefix = /^([a-z_]+(?:\.[a-z_]+)*):/.exec(message.trim());
  if (prefix) {
    const last = prefix[1].split('.').pop()!;
    if (FORM_FIELDS.includes(last) || last === 'record') return last;
    if (['filter', 'source', 'body', 'id'].includes(last)) return undefined;
  }
  const lower = message.toLowerCase();
  for (const f of FORM_FIELDS) {
    const re = new RegExp(`(^|[^a-z_])${f}([^a-z_]|$)`);
    if (re.test(lower)) return f;
  }
  if (/protocol|proto\b/.test(lower)) return 'protocol';
  if (/recording|file/.test(lower)) return 'path';
  if (/drop[ _-]?share/.test(lower)) return 'drop_share';
  return undefined;
}

/** Seconds between started_at and stopped_at (or now, while running). */
function uptimeFrom(raw: Record<string, unknown>): number {
  const start = Date.parse(String(raw.started_at ?? ''));
  if (!Number.isFinite(start)) return 0;
  const stop = raw.stopped_at ? Date.parse(String(raw.stopped_at)) : NaN;
  const end = (raw.state ?? raw.status) === 'running' || !Number.isFinite(stop) ? Date.now() : stop;
  return Math.max(0, (end - start) / 1000);
}

function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function normalizeSession(raw: Record<string, unknown>): Session {
  const stats = (raw.stats ?? {}) as Record<string, unknown>;
  const source = (raw.source && typeof raw.source === 'object' ? raw.source : { kind: String(raw.source ?? 'unknown') }) as Session['source'];
  return {
    id: String(raw.id ?? raw.session_id ?? ''),
    mode: String(raw.mode ?? stats.mode ?? 'full'),
    state: String(raw.state ?? raw.status ?? 'unknown'),
    source,
    created_at: raw.created_at as string | undefined,
    uptime_seconds: num(raw.uptime_seconds, num(stats.uptime_seconds, uptimeFrom(raw))),
    total_packets: num(raw.total_packets, num(stats.total_packets)),
    drops: num(raw.drops, num(stats.drops, NaN)),
    packets_per_second: num(raw.packets_per_second, num(stats.packets_per_second)),
    has_recording: raw.has_recording === true,
    filter: raw.filter as Record<string, unknown> | undefined,
    max_functions: raw.max_functions as number | undefined,
    max_tracked_skbs: raw.max_tracked_skbs as number | undefined,
    packet_history: raw.packet_history as number | undefined,
    error: (raw.error ?? raw.restart_error ?? raw.reason ?? undefined) as string | undefined,
  };
}

export async function listSessions(): Promise<Session[]> {
  const raw = await request<unknown>('GET', '/api/sessions');
  const list = Array.isArray(raw) ? raw : ((raw as Record<string, unknown>)?.sessions as unknown[]) ?? [];
  return list.map((s) => normalizeSession(s as Record<string, unknown>));
}

export async function getSession(id: string): Promise<Session | null> {
  const all = await listSessions();
  return all.find((s) => s.id === id) ?? null;
}

export interface CreateSessionRequest {
  mode: string;
  max_functions: number;
  max_tracked_skbs?: number;
  /** Packets whose end the kernel never reports expire after this long without an event (default 1000). */
  idle_timeout_ms?: number;
  packet_history?: number;
  record?: boolean;
  filter: Record<string, string | number>;
  source: Record<string, string | number>;
}

export async function createSession(req: CreateSessionRequest): Promise<Session> {
  const raw = await request<Record<string, unknown>>('POST', '/api/sessions', req);
  return normalizeSession((raw.session as Record<string, unknown>) ?? raw);
}

export function startSession(id: string): Promise<unknown> {
  return request('POST', `/api/session/${encodeURIComponent(id)}/start`);
}

export function stopSession(id: string): Promise<unknown> {
  return request('POST', `/api/session/${encodeURIComponent(id)}/stop`);
}

export function deleteSession(id: string): Promise<unknown> {
  return request('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
}

export async function getStats(id: string): Promise<Stats | null> {
  const raw = await request<Record<string, unknown>>('GET', `/api/sessions/${encodeURIComponent(id)}/stats`);
  return ((raw?.stats ?? raw) as Stats) ?? null;
}

/** What changed from session a to session b (GET /api/sessions/{a}/compare/{b}). */
export function compareSessions(a: string, b: string): Promise<Comparison> {
  return request<Comparison>('GET', `/api/sessions/${encodeURIComponent(a)}/compare/${encodeURIComponent(b)}`);
}

export async function getCapabilities(): Promise<Capabilities> {
  try {
    return await request<Capabilities>('GET', '/api/capabilities');
  } catch {
    return {};
  }
}

/**
 * A page of a session's packets; {@code filters} are the REST query parameters (node, drop_reason,
 * ...). With {@code detail}, each packet comes whole (hops, verdicts).
 */
export function getPackets(id: string, filters: Record<string, string>, cursor?: string, limit = 1000, detail = false): Promise<PacketPage> {
  const q = new URLSearchParams(filters);
  q.set('limit', String(limit));
  if (detail) q.set('detail', 'true');
  if (cursor) q.set('cursor', cursor);
  return request<PacketPage>('GET', `/api/sessions/${encodeURIComponent(id)}/packets?${q}`);
}

/** One packet's whole journey (hops, verdicts). */
export function getPacket(id: string, packetId: string, from?: string): Promise<PacketView> {
  const q = from ? `?from=${encodeURIComponent(from)}` : '';
  return request<PacketView>('GET', `/api/sessions/${encodeURIComponent(id)}/packets/${encodeURIComponent(packetId)}${q}`);
}

export function recordingUrl(id: string): string {
  const t = token();
  return `/api/sessions/${encodeURIComponent(id)}/recording${t ? `?token=${encodeURIComponent(t)}` : ''}`;
}

export async function getHealth(): Promise<Record<string, unknown>> {
  return request('GET', '/api/health');
}

/** The hosts a Prometheus scrapes (serve --prometheus URL); ApiError 404 when none is configured. */
export function getFleetHosts(): Promise<FleetHosts> {
  return request('GET', '/api/fleet/hosts');
}

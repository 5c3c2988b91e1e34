// Live stats of one session: a Socket.IO subscription (join_session -> session_stats_update every
// second) feeding a bounded History. React reads it through useSyncExternalStore; the socket
// callbacks run on the browser's single thread, so no locking is needed.

import { io, type Socket } from 'socket.io-client';
import { getStats } from './api';
import { socketAuth } from './auth';
import { createHistory, recordUpdate, type History } from './history';
import type { Stats, StatsUpdate } from './types';

export type ConnState = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

export interface StoreSnapshot {
  conn: ConnState;
  reason?: string;
  stats: Stats | null;
  /** Increments on every stats update; components memoise on it. */
  version: number;
  lastUpdateMs: number;
  history: History;
}

/** Consecutive failed connection attempts before the indicator says "unavailable". */
const FAILURES_BEFORE_UNAVAILABLE = 2;

export class SessionStatsStore {
  readonly sessionId: string;
  private socket: Socket | null = null;
  private snap: StoreSnapshot;
  private readonly listeners = new Set<() => void>();
  private failures = 0;
  private closed = false;
  /** Raw event log for the debug view (bounded). */
  readonly log: { t: number; dir: 'in' | 'out' | 'sys'; event: string; data?: unknown }[] = [];

  constructor(sessionId: string, capacity?: number) {
    this.sessionId = sessionId;
    this.snap = { conn: 'connecting', stats: null, version: 0, lastUpdateMs: 0, history: createHistory(capacity) };
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): StoreSnapshot => this.snap;

  /** Opens the socket and joins the session room; also loads the current stats over REST. */
  connect(): void {
    if (this.socket) return;
    const socket = io({ reconnectionDelay: 500, reconnectionDelayMax: 2000, timeout: 4000, ...socketAuth() });
    this.socket = socket;
    socket.on('connect', () => {
      this.failures = 0;
      this.note('sys', 'connect');
      this.setConn('connecting', undefined);
      socket.emit('join_session', { session_id: this.sessionId });
      this.note('out', 'join_session', { session_id: this.sessionId });
    });
    socket.on('joined_session', (data: unknown) => {
      this.note('in', 'joined_session', data);
      this.setConn('live', undefined);
    });
    socket.on('session_stats_update', (data: StatsUpdate) => {
      if (!data || data.session_id !== this.sessionId || !data.stats) return;
      if (this.snap.conn !== 'live') this.setConn('live', undefined);
      this.ingest(data.stats);
    });
    socket.on('error', (data: { message?: string } | undefined) => {
      this.note('in', 'error', data);
      this.setConn('unavailable', data?.message ?? 'server error');
    });
    socket.on('disconnect', (reason: string) => {
      this.note('sys', 'disconnect', reason);
      if (!this.closed) this.setConn('reconnecting', `connection lost (${reason})`);
    });
    socket.on('connect_error', (err: Error) => {
      this.failures++;
      this.note('sys', 'connect_error', err.message);
      if (this.failures >= FAILURES_BEFORE_UNAVAILABLE) {
        this.setConn('unavailable', `server unreachable (${err.message}); retrying`);
      } else {
        this.setConn('reconnecting', err.message);
      }
    });
    getStats(this.sessionId)
      .then((s) => {
        if (s && this.snap.version === 0 && s.nodes) this.ingest(s);
      })
      .catch(() => {
        /* the socket reports reachability */
      });
  }

  close(): void {
    this.closed = true;
    if (this.socket) {
      if (this.socket.connected) this.socket.emit('leave_session', { session_id: this.sessionId });
      this.socket.removeAllListeners();
      this.socket.disconnect();
      this.socket = null;
    }
    this.listeners.clear();
  }

  /** Applies one stats object (from the socket or REST). */
  ingest(stats: Stats, wallMs: number = Date.now()): void {
    recordUpdate(this.snap.history, stats, wallMs);
    this.snap = {
      ...this.snap,
      stats,
      version: this.snap.version + 1,
      lastUpdateMs: wallMs,
    };
    this.emit();
  }

  private setConn(conn: ConnState, reason: string | undefined): void {
    if (this.snap.conn === conn && this.snap.reason === reason) return;
    this.snap = { ...this.snap, conn, reason };
    this.emit();
  }

  private note(dir: 'in' | 'out' | 'sys', event: string, data?: unknown): void {
    this.log.push({ t: Date.now(), dir, event, data });
    if (this.log.length > 200) this.log.splice(0, this.log.length - 200);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

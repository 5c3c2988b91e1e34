// Alerts for the whole app: one Socket.IO connection subscribed to every session's 'alert' events
// (join_alerts), the active alerts (REST, refreshed on each event and every few seconds), toasts
// and, per session, recent alert times for the chart markers. React reads it through
// useSyncExternalStore; callbacks run on the browser's single thread.
import { useEffect, useSyncExternalStore } from 'react';
import { io, type Socket } from 'socket.io-client';
import { getActiveAlerts, getAlertLog, type AlertEventMsg, type AlertInfo } from './alertsApi';
import { socketAuth } from './auth';

/** How long a non-critical toast stays (critical ones stay until dismissed). */
export const TOAST_MS = 10_000;
const MARKERS_PER_SESSION = 200;
const POLL_MS = 5_000;

export interface Toast {
  id: number;
  alert: AlertInfo;
}

/** A fired or resolved alert on a session's time axis. */
export interface AlertMarker {
  /** Epoch seconds. */
  t: number;
  state: 'firing' | 'resolved';
  severity: AlertInfo['severity'];
  rule: string;
  title: string;
  node?: string;
}

export interface AlertSnapshot {
  active: AlertInfo[];
  firing: number;
  toasts: Toast[];
  /** Bumped whenever markers change. */
  markersVersion: number;
  connected: boolean;
}

export class AlertStore {
  private socket: Socket | null = null;
  private users = 0;
  private poll: ReturnType<typeof setInterval> | null = null;
  private nextToast = 1;
  private snap: AlertSnapshot = { active: [], firing: 0, toasts: [], markersVersion: 0, connected: false };
  private readonly listeners = new Set<() => void>();
  private readonly markers = new Map<string, AlertMarker[]>();
  private readonly loaded = new Set<string>();

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): AlertSnapshot => this.snap;

  /** Starts listening (reference-counted: the first user connects, the last disconnects). */
  acquire(): void {
    if (this.users++ > 0) return;
    const socket = io({ reconnectionDelay: 500, reconnectionDelayMax: 3000, timeout: 5000, ...socketAuth() });
    this.socket = socket;
    socket.on('connect', () => {
      socket.emit('join_alerts', {});
      this.set({ connected: true });
      void this.refresh();
    });
    socket.on('disconnect', () => this.set({ connected: false }));
    socket.on('alert', (msg: AlertEventMsg) => this.onAlert(msg));
    this.poll = setInterval(() => void this.refresh(), POLL_MS);
    void this.refresh();
  }

  release(): void {
    if (--this.users > 0) return;
    this.socket?.close();
    this.socket = null;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  /** Reloads the active alerts. */
  async refresh(): Promise<void> {
    try {
      const a = await getActiveAlerts();
      this.set({ active: a.alerts, firing: a.firing });
    } catch {
      // the server is away: the bell keeps its last count until it answers again
    }
  }

  /** Handles an 'alert' event: a toast, a marker, and a fresh active list. */
  onAlert(msg: AlertEventMsg): void {
    if (!msg || !msg.alert) return;
    const alert: AlertInfo = { ...msg.alert, session_id: msg.session_id };
    const toast: Toast = { id: this.nextToast++, alert };
    this.set({ toasts: [...this.snap.toasts, toast].slice(-6) });
    if (!(alert.state === 'firing' && alert.severity === 'critical')) {
      setTimeout(() => this.dismiss(toast.id), TOAST_MS);
    }
    const at = alert.state === 'resolved' ? alert.resolved_at : alert.fired_at ?? alert.since;
    if (at) this.addMarkers(msg.session_id, [markerOf(alert, alert.state === 'resolved' ? 'resolved' : 'firing', at)]);
    void this.refresh();
  }

  dismiss(id: number): void {
    if (this.snap.toasts.some((t) => t.id === id)) this.set({ toasts: this.snap.toasts.filter((t) => t.id !== id) });
  }

  /** Markers of a session (newest last), loading its alert log once. */
  markersOf(session: string): AlertMarker[] {
    if (!this.loaded.has(session)) {
      this.loaded.add(session);
      getAlertLog({ session, limit: MARKERS_PER_SESSION })
        .then((log) => {
          const m: AlertMarker[] = [];
          for (const e of log) {
            if (e.fired_at) m.push(markerOf(e, 'firing', e.fired_at));
            if (e.resolved_at) m.push(markerOf(e, 'resolved', e.resolved_at));
          }
          this.addMarkers(session, m);
        })
        .catch(() => this.loaded.delete(session));
    }
    return this.markers.get(session) ?? [];
  }

  private addMarkers(session: string, add: AlertMarker[]): void {
    const seen = new Set((this.markers.get(session) ?? []).map(key));
    const all = [...(this.markers.get(session) ?? []), ...add.filter((m) => !seen.has(key(m)))];
    all.sort((a, b) => a.t - b.t);
    this.markers.set(session, all.slice(-MARKERS_PER_SESSION));
    this.set({ markersVersion: this.snap.markersVersion + 1 });
  }

  private set(p: Partial<AlertSnapshot>): void {
    this.snap = { ...this.snap, ...p };
    for (const l of this.listeners) l();
  }
}

function markerOf(a: AlertInfo, state: 'firing' | 'resolved', at: string): AlertMarker {
  return { t: Date.parse(at) / 1000, state, severity: a.severity, rule: a.rule, title: a.title, node: a.node };
}

function key(m: AlertMarker): string {
  return `${m.t}|${m.state}|${m.rule}|${m.node ?? ''}`;
}

export const alertStore = new AlertStore();

/** The app's alerts, live for as long as the calling component is mounted. */
export function useAlerts(): AlertSnapshot {
  useEffect(() => {
    alertStore.acquire();
    return () => alertStore.release();
  }, []);
  return useSyncExternalStore(alertStore.subscribe, alertStore.getSnapshot);
}

/** A short description: "drop_rate 30.1 % > 20 %" (with the node, hook or reason). */
export function describeAlert(a: AlertInfo): string {
  const unit = a.unit ? ` ${a.unit}` : '';
  const where = a.node ? ` at ${a.node}` : a.hook ? ` at ${a.hook}` : a.reason ? ` (${a.reason})` : '';
  const value = Number.isFinite(a.value) ? +a.value.toPrecision(4) : a.value;
  return `${a.expression ?? 'value'}${where} ${value}${unit} ${a.comparison ?? '>'} ${a.threshold}${unit}`;
}

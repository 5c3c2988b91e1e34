import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { listSessions } from '../api';
import { socketAuth } from '../auth';
import type { Session } from '../types';

interface LogEntry {
  id: number;
  t: string;
  dir: 'in' | 'out' | 'sys';
  event: string;
  data: string;
}

const MAX_LOG = 300;

/** Raw Socket.IO console (the equivalent of the guide's SessionRealtimeStatsTest.html). */
export function DebugPage({ initialSession }: { initialSession?: string }) {
  const [url, setUrl] = useState(window.location.origin);
  const [sessionId, setSessionId] = useState(initialSession ?? '');
  const [sessions, setSessions] = useState<Session[]>([]);
  const [connected, setConnected] = useState(false);
  const [log, setLog] = useState<LogEntry[]>([]);
  const [last, setLast] = useState<string>('');
  const [paused, setPaused] = useState(false);
  const socket = useRef<Socket | null>(null);
  const seq = useRef(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    listSessions()
      .then((s) => {
        setSessions(s);
        if (!initialSession && s[0]) setSessionId((cur) => cur || s[0].id);
      })
      .catch(() => setSessions([]));
    return () => {
      socket.current?.disconnect();
    };
  }, [initialSession]);

  function add(dir: LogEntry['dir'], event: string, data?: unknown) {
    if (pausedRef.current && event === 'session_stats_update') return;
    const text = data === undefined ? '' : typeof data === 'string' ? data : JSON.stringify(data);
    setLog((l) => {
      const next = [...l, { id: seq.current++, t: new Date().toISOString().slice(11, 23), dir, event, data: text }];
      return next.length > MAX_LOG ? next.slice(next.length - MAX_LOG) : next;
    });
  }

  function connect() {
    socket.current?.disconnect();
    const s = io(url, { reconnectionDelayMax: 2000, ...socketAuth() });
    socket.current = s;
    add('sys', 'connecting', url);
    s.on('connect', () => {
      setConnected(true);
      add('sys', 'connect', { id: s.id, transport: s.io.engine?.transport?.name });
    });
    s.on('disconnect', (r) => {
      setConnected(false);
      add('sys', 'disconnect', r);
    });
    s.on('connect_error', (e) => add('sys', 'connect_error', e.message));
    s.onAny((event, data) => {
      add('in', event, data);
      if (event === 'session_stats_update') setLast(JSON.stringify(data, null, 2));
    });
  }

  function disconnect() {
    socket.current?.disconnect();
    socket.current = null;
    setConnected(false);
  }

  function emit(event: string) {
    const payload = { session_id: sessionId };
    socket.current?.emit(event, payload);
    add('out', event, payload);
  }

  return (
    <div className="debug">
      <div className="section-head">
        <h1>Socket.IO debug</h1>
        <span className={`conn-status conn-${connected ? 'live' : 'unavailable'}`} data-testid="debug-status">
          <span className="conn-dot" />
          {connected ? 'connected' : 'disconnected'}
        </span>
      </div>
      <div className="panel debug-controls">
        <label className="field inline">
          <span className="field-label">Server</span>
          <input value={url} onChange={(e) => setUrl(e.target.value)} data-testid="debug-url" />
        </label>
        {connected ? (
          <button className="btn" onClick={disconnect}>
            Disconnect
          </button>
        ) : (
          <button className="btn primary" onClick={connect} data-testid="debug-connect">
            Connect
          </button>
        )}
        <label className="field inline">
          <span className="field-label">Session</span>
          <input list="debug-sessions" value={sessionId} onChange={(e) => setSessionId(e.target.value)} data-testid="debug-session" />
          <datalist id="debug-sessions">
            {sessions.map((s) => (
              <option key={s.id} value={s.id} />
            ))}
          </datalist>
        </label>
        <button className="btn" disabled={!connected || !sessionId} onClick={() => emit('join_session')} data-testid="debug-join">
          Join session
        </button>
        <button className="btn ghost" disabled={!connected || !sessionId} onClick={() => emit('leave_session')}>
          Leave
        </button>
        <span className="spacer" />
        <label className="check">
          <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} /> pause stats in log
        </label>
        <button className="btn ghost" onClick={() => setLog([])}>
          Clear
        </button>
      </div>
      <div className="row row-2">
        <section className="panel">
          <div className="panel-head">
            <h2>Event log</h2>
            <span className="muted">{log.length} messages (last {MAX_LOG})</span>
          </div>
          <div className="event-log mono" data-testid="debug-log">
            {log
              .slice()
              .reverse()
              .map((e) => (
                <div key={e.id} className={`log-${e.dir}`}>
                  <span className="log-t">{e.t}</span>
                  <span className="log-dir">{e.dir === 'in' ? '⇠' : e.dir === 'out' ? '⇢' : '•'}</span>
                  <span className="log-ev">{e.event}</span>
                  <span className="log-data">{e.data.length > 300 ? e.data.slice(0, 300) + '…' : e.data}</span>
                </div>
              ))}
          </div>
        </section>
        <section className="panel">
          <div className="panel-head">
            <h2>Latest session_stats_update</h2>
          </div>
          <pre className="json tall" data-testid="debug-last">
            {last || '—'}
          </pre>
        </section>
      </div>
    </div>
  );
}

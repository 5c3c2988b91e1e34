import { useCallback, useEffect, useState } from 'react';
import { getSession, recordingUrl, startSession, stopSession } from '../api';
import { formatCount, formatUptime } from '../format';
import type { Session } from '../types';
import { RealtimeStats } from './RealtimeStats';
import { describeSource, StatePill } from './SessionsPage';

export function SessionDetail({ sessionId, tab }: { sessionId: string; tab: string }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState('');
  const refresh = useCallback(async () => {
    try {
      setSession(await getSession(sessionId));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [sessionId]);
  useEffect(() => {
    refresh();
    const t = setInterval(refresh, 2000);
    return () => clearInterval(t);
  }, [refresh]);

  async function act(fn: () => Promise<unknown>) {
    setError('');
    try {
      await fn();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
    refresh();
  }

  const base = `#/sessions/${encodeURIComponent(sessionId)}`;
  return (
    <div className="detail">
      <div className="detail-head">
        <a href="#/sessions" className="back">
          ← Sessions
        </a>
        <h1 className="mono" data-testid="detail-session-id">
          {sessionId}
        </h1>
        {session && <StatePill state={session.state} />}
        {session && <span className="mode-badge">{session.mode}</span>}
        {session && <span className="muted">{describeSource(session.source)}</span>}
        <span className="spacer" />
        {session &&
          (session.state === 'running' ? (
            <button className="btn" onClick={() => act(() => stopSession(sessionId))} data-testid="detail-stop">
              ■ Stop
            </button>
          ) : (
            <button className="btn" onClick={() => act(() => startSession(sessionId))} data-testid="detail-start">
              ▶ Start
            </button>
          ))}
      </div>
      {session === null && <div className="callout warn">Session {sessionId} is not known to the server (deleted?).</div>}
      {error && <div className="callout bad">{error}</div>}
      <div className="tabs">
        <a href={`${base}/stats`} className={tab === 'stats' ? 'active' : ''} data-testid="tab-stats">
          Realtime Stats
        </a>
        <a href={`${base}/info`} className={tab === 'info' ? 'active' : ''} data-testid="tab-info">
          Info
        </a>
      </div>
      {tab === 'info' ? <SessionInfo s={session ?? null} /> : <RealtimeStats sessionId={sessionId} sessionState={session?.state} />}
    </div>
  );
}

function SessionInfo({ s }: { s: Session | null }) {
  if (!s) return <div className="muted">Loading…</div>;
  const rows: [string, string][] = [
    ['Id', s.id],
    ['State', s.state],
    ['Mode', s.mode],
    ['Source', describeSource(s.source)],
    ['Created', s.created_at ?? '–'],
    ['Uptime', formatUptime(s.uptime_seconds)],
    ['Packets', formatCount(s.total_packets)],
    ['Drops', Number.isFinite(s.drops) ? formatCount(s.drops) : '–'],
    ['Max functions', String(s.max_functions ?? '–')],
    ['Max tracked skbs', String(s.max_tracked_skbs ?? '–')],
  ];
  return (
    <div className="info-grid">
      <section className="panel">
        <div className="panel-head">
          <h2>Session</h2>
        </div>
        <table className="kv">
          <tbody>
            {rows.map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td className="mono">{v}</td>
              </tr>
            ))}
            {s.error && (
              <tr>
                <th>Error</th>
                <td className="bad">{s.error}</td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>Source &amp; filter</h2>
        </div>
        <pre className="json">{JSON.stringify({ source: s.source, filter: s.filter ?? {} }, null, 2)}</pre>
        {s.has_recording && (
          <p>
            <a className="btn" href={recordingUrl(s.id)} download data-testid="download-recording">
              ⬇ Download recording
            </a>
          </p>
        )}
      </section>
    </div>
  );
}

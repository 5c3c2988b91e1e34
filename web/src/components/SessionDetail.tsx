import { useCallback, useEffect, useState } from 'react';
import { getSession, startSession, stopSession } from '../api';
import { SESSION_TABS, tabOf } from '../sessionTabs';
import type { Session } from '../types';
import { describeSource, StatePill } from './SessionsPage';

export function SessionDetail({ sessionId, tab, item, params = {} }: { sessionId: string; tab: string; item?: string; params?: Record<string, string> }) {
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
  const current = tabOf(tab);
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
        {SESSION_TABS.map((t) => (
          <a key={t.id} href={`${base}/${t.id}`} className={current.id === t.id ? 'active' : ''} data-testid={`tab-${t.id}`}>
            {t.label}
          </a>
        ))}
      </div>
      {current.render({ sessionId, session: session ?? null, item, params })}
    </div>
  );
}

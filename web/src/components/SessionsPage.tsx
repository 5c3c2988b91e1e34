import { useCallback, useEffect, useState } from 'react';
import { deleteSession, getCapabilities, getStats, listSessions, startSession, stopSession } from '../api';
import { formatCount, formatUptime } from '../format';
import { go } from '../route';
import type { Capabilities, Session } from '../types';
import { SessionForm } from './SessionForm';

export function describeSource(s: Session['source']): string {
  switch (s.kind) {
    case 'synthetic':
      return `synthetic · ${formatCount(Number(s.rate ?? 0))} pkt/s · seed ${s.seed ?? '–'}`;
    case 'replay': {
      const name = String(s.path ?? '').split('/').pop() || 'recording';
      return `recording · ${name}${s.speed !== undefined ? ` · ×${s.speed}` : ''}`;
    }
    case 'live':
      return 'live kernel';
    default:
      return String(s.kind ?? 'unknown');
  }
}

export function StatePill({ state }: { state: string }) {
  return (
    <span className={`state-pill state-${state}`} data-testid="session-state" data-state={state}>
      <span className="dot" />
      {state}
    </span>
  );
}

/**
 * Drops of sessions whose list entry lacks them, from their stats: refreshed for running sessions,
 * fetched once for the others (their numbers no longer change).
 */
const dropsCache = new Map<string, { drops: number; final: boolean }>();

async function fillDrops(list: Session[]): Promise<Session[]> {
  await Promise.all(
    list
      .filter((s) => !Number.isFinite(s.drops))
      .map(async (s) => {
        const cached = dropsCache.get(s.id);
        if (cached?.final && s.state !== 'running') return;
        try {
          const st = await getStats(s.id);
          if (st && typeof st.drops === 'number') dropsCache.set(s.id, { drops: st.drops, final: s.state !== 'running' });
        } catch {
          /* keep the previous value */
        }
      }),
  );
  return list.map((s) => (Number.isFinite(s.drops) ? s : { ...s, drops: dropsCache.get(s.id)?.drops ?? NaN }));
}

/** Polls the session list; the list is small and changes at human speed, so 2 s is enough. */
function useSessions() {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState('');
  const refresh = useCallback(async () => {
    try {
      setSessions(await fillDrops(await listSessions()));
      setError('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => {
    refresh();
    const t = setInterval(refresh, 2000);
    return () => clearInterval(t);
  }, [refresh]);
  return { sessions, error, refresh };
}

export function SessionsPage() {
  const { sessions, error, refresh } = useSessions();
  const [caps, setCaps] = useState<Capabilities>({});
  const [actionError, setActionError] = useState('');
  useEffect(() => {
    getCapabilities().then(setCaps);
  }, []);

  async function act(fn: () => Promise<unknown>) {
    setActionError('');
    try {
      await fn();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    }
    refresh();
  }

  return (
    <div className="sessions-layout">
      <SessionForm caps={caps} onCreated={() => refresh()} />
      <section className="sessions-list">
        <div className="section-head">
          <h1>Sessions</h1>
          <span className="muted">{sessions ? `${sessions.length} session${sessions.length === 1 ? '' : 's'}` : ''}</span>
        </div>
        {error && (
          <div className="callout bad" data-testid="sessions-error">
            Cannot load sessions: {error}
          </div>
        )}
        {actionError && <div className="callout bad">{actionError}</div>}
        {sessions && sessions.length === 0 && (
          <div className="empty">
            <div className="empty-title">No trace sessions yet</div>
            <div className="muted">Start one with the form: “Full” mode with a synthetic source works on any machine.</div>
          </div>
        )}
        <div className="cards">
          {sessions?.map((s) => (
            <SessionCard
              key={s.id}
              s={s}
              onStart={() => act(() => startSession(s.id))}
              onStop={() => act(() => stopSession(s.id))}
              onDelete={() => act(() => deleteSession(s.id))}
            />
          ))}
        </div>
      </section>
    </div>
  );
}

function SessionCard({ s, onStart, onStop, onDelete }: { s: Session; onStart: () => void; onStop: () => void; onDelete: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const running = s.state === 'running';
  const stop = (e: React.MouseEvent) => e.stopPropagation();
  return (
    <article
      className={`card session-card state-${s.state}`}
      data-testid="session-card"
      data-session-id={s.id}
      onClick={() => go(`/sessions/${encodeURIComponent(s.id)}`)}
      tabIndex={0}
      onKeyDown={(e) => e.key === 'Enter' && go(`/sessions/${encodeURIComponent(s.id)}`)}
    >
      <div className="card-top">
        <span className="session-id mono">{s.id}</span>
        <StatePill state={s.state} />
      </div>
      <div className="card-meta">
        <span className="mode-badge">{s.mode}</span>
        <span className="muted">{describeSource(s.source)}</span>
      </div>
      <div className="card-stats">
        <div>
          <span className="k">Uptime</span>
          <span className="v">{formatUptime(s.uptime_seconds)}</span>
        </div>
        <div>
          <span className="k">Packets</span>
          <span className="v" data-testid="card-packets">
            {formatCount(s.total_packets)}
          </span>
        </div>
        {Number.isFinite(s.drops) ? (
          <div>
            <span className="k">Drops</span>
            <span className={'v' + (s.drops > 0 ? ' bad' : '')}>{formatCount(s.drops)}</span>
          </div>
        ) : (
          <div>
            <span className="k">Packets/s</span>
            <span className="v">{formatCount(s.packets_per_second)}</span>
          </div>
        )}
      </div>
      {s.error && <div className="card-error">{s.error}</div>}
      <div className="card-actions" onClick={stop}>
        {running ? (
          <button className="btn" onClick={onStop} data-testid="session-stop">
            ■ Stop
          </button>
        ) : (
          <button className="btn" onClick={onStart} data-testid="session-start">
            ▶ Start
          </button>
        )}
        {confirm ? (
          <>
            <button className="btn danger" onClick={onDelete} data-testid="session-delete-confirm">
              Delete?
            </button>
            <button className="btn ghost" onClick={() => setConfirm(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button className="btn ghost" onClick={() => setConfirm(true)} data-testid="session-delete">
            Delete
          </button>
        )}
        <span className="spacer" />
        <a className="btn link" href={`#/sessions/${encodeURIComponent(s.id)}`} data-testid="session-open">
          Open →
        </a>
      </div>
    </article>
  );
}

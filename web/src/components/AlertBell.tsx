import { useEffect, useRef, useState } from 'react';
import { clearAlerts, getAlertLog, type AlertInfo } from '../alertsApi';
import { alertStore, describeAlert, useAlerts } from '../alertStore';
import { formatTimeAgo } from './alertFormat';

/** The bell in the header: the number of firing alerts, and a panel of active and recent alerts. */
export function AlertBell() {
  const { firing, active } = useAlerts();
  const [open, setOpen] = useState(false);
  const [log, setLog] = useState<AlertInfo[] | null>(null);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const close = () => setOpen(false);
    window.addEventListener('hashchange', close);
    return () => window.removeEventListener('hashchange', close);
  }, []);

  useEffect(() => {
    if (!open) return;
    getAlertLog({ limit: 20 }).then(setLog).catch(() => setLog([]));
    const close = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open, firing]);

  return (
    <div className="bell-box" ref={box}>
      <button
        className={`icon-btn bell ${firing > 0 ? 'ringing' : ''}`}
        title={firing > 0 ? `${firing} alert(s) firing` : 'No alert firing'}
        data-testid="alert-bell"
        data-firing={firing}
        onClick={() => setOpen(!open)}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden>
          <path d="M6 16V11a6 6 0 1 1 12 0v5l2 2H4l2-2Zm4 4h4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
        </svg>
        {firing > 0 && <span className="bell-badge" data-testid="alert-badge">{firing}</span>}
      </button>
      {open && (
        <div className="bell-panel" data-testid="alert-panel">
          <div className="bell-head">
            <b>Alerts</b>
            <span className="spacer" />
            <a href="#/alerts" onClick={() => setOpen(false)}>Rules & history →</a>
          </div>
          <div className="bell-section">Active</div>
          {active.length === 0 && <div className="muted small bell-empty">No alert is firing or pending.</div>}
          {active.map((a) => (
            <AlertLine key={`${a.session_id}/${a.rule}/${a.node ?? a.hook ?? a.reason ?? ''}`} a={a} />
          ))}
          <div className="bell-section">
            Recent
            <span className="spacer" />
            {log && log.length > 0 && (
              <button
                className="btn link"
                data-testid="alert-clear"
                onClick={async () => {
                  await clearAlerts({ history: true });
                  setLog([]);
                  void alertStore.refresh();
                }}
              >
                Clear
              </button>
            )}
          </div>
          {log === null && <div className="muted small bell-empty">Loading…</div>}
          {log && log.length === 0 && <div className="muted small bell-empty">No alert has fired.</div>}
          {log?.map((a) => <AlertLine key={a.id} a={a} />)}
        </div>
      )}
    </div>
  );
}

function AlertLine({ a }: { a: AlertInfo }) {
  const when = a.state === 'resolved' ? a.resolved_at : a.fired_at ?? a.since;
  return (
    <div className={`alert-line sev-${a.severity}`} data-testid="alert-line" data-rule={a.rule} data-state={a.state}>
      <span className={`sev-dot sev-${a.severity}`} />
      <div className="alert-line-body">
        <div>
          <b>{a.title}</b> <span className={`alert-state st-${a.state}`}>{a.state}</span>
        </div>
        <div className="muted small">
          <a href={`#/sessions/${encodeURIComponent(a.session_id)}/stats`} className="mono">{a.session_id}</a> · {describeAlert(a)}
          {when ? ` · ${formatTimeAgo(when)}` : ''}
        </div>
      </div>
    </div>
  );
}

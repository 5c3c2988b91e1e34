import { useCallback, useEffect, useState } from 'react';
import { clearAlerts, getAlertLog, type AlertInfo } from '../alertsApi';
import { alertStore, describeAlert, useAlerts } from '../alertStore';
import { RulesEditor } from './RulesEditor';

/** #/alerts: what fires now, the rules every session uses, and the alert history. */
export function AlertsPage() {
  const { active } = useAlerts();
  const [log, setLog] = useState<AlertInfo[] | null>(null);
  const load = useCallback(() => {
    getAlertLog({ limit: 100 }).then(setLog).catch(() => setLog([]));
  }, []);
  useEffect(() => {
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, [load]);

  return (
    <div className="alerts-page">
      <h1>Alerts</h1>
      <section className="panel" data-testid="active-alerts">
        <div className="panel-head">
          <h2>Active</h2>
          <span className="muted">firing and pending, every session</span>
        </div>
        {active.length === 0 ? <div className="muted">No alert is firing or pending.</div> : <AlertTable rows={active} />}
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>Rules</h2>
          <span className="muted">
            for every session and the realtime tracer; a session's own changes are on its Alerts tab ·{' '}
            <a href="/api/alerts/rules/prometheus" target="_blank" rel="noreferrer">as Prometheus rules</a>
          </span>
        </div>
        <RulesEditor />
      </section>
      <section className="panel" data-testid="alert-history">
        <div className="panel-head">
          <h2>History</h2>
          <span className="muted">last 100 alerts</span>
          <span className="spacer" />
          <button
            className="btn"
            onClick={async () => {
              await clearAlerts({ history: true });
              load();
              void alertStore.refresh();
            }}
          >
            Clear
          </button>
        </div>
        {log === null ? <div className="muted">Loading…</div> : log.length === 0 ? <div className="muted">No alert has fired.</div> : <AlertTable rows={log} history />}
      </section>
    </div>
  );
}

export function AlertTable({ rows, history }: { rows: AlertInfo[]; history?: boolean }) {
  return (
    <table className="table">
      <thead>
        <tr>
          <th>Alert</th>
          <th>Session</th>
          <th>State</th>
          <th>Condition</th>
          <th>Since</th>
          {history && <th>Resolved</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((a, i) => (
          <tr key={a.id ?? `${a.session_id}/${a.rule}/${a.node ?? a.hook ?? a.reason ?? ''}/${i}`} data-testid="alert-row" data-rule={a.rule} data-state={a.state}>
            <td>
              <span className={`sev-dot sev-${a.severity}`} /> <b>{a.title}</b> <span className="muted small">{a.severity}</span>
            </td>
            <td>
              <a className="mono" href={`#/sessions/${encodeURIComponent(a.session_id)}/stats`}>{a.session_id}</a>
            </td>
            <td>
              <span className={`alert-state st-${a.state}`}>{a.state}</span>
            </td>
            <td className="mono small">{describeAlert(a)}</td>
            <td className="small">{new Date(a.fired_at ?? a.since).toLocaleString()}</td>
            {history && (
              <td className="small">
                {a.resolved_at ? new Date(a.resolved_at).toLocaleString() : '—'}
                {a.resolution ? <div className="muted">{a.resolution}</div> : null}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

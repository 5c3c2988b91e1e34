import { alertStore, describeAlert, useAlerts } from '../alertStore';

const ICON: Record<string, string> = { critical: '⛔', error: '✖', warning: '⚠', info: 'ℹ' };

/** Alert toasts, top right: non-critical ones close after 10 s, critical ones when dismissed. */
export function Toasts() {
  const { toasts } = useAlerts();
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map(({ id, alert: a }) => (
        <div
          key={id}
          className={`toast sev-${a.severity} ${a.state === 'resolved' ? 'resolved' : ''}`}
          role={a.severity === 'critical' && a.state === 'firing' ? 'alert' : 'status'}
          data-testid="toast"
          data-rule={a.rule}
          data-state={a.state}
          data-severity={a.severity}
        >
          <span className="toast-icon" aria-hidden>{a.state === 'resolved' ? '✔' : ICON[a.severity] ?? '•'}</span>
          <div className="toast-body">
            <div className="toast-title">
              {a.title} {a.state === 'resolved' ? <span className="muted">resolved</span> : null}
            </div>
            <div className="toast-text">
              <a href={`#/sessions/${encodeURIComponent(a.session_id)}/stats`} className="mono">{a.session_id}</a> · {describeAlert(a)}
            </div>
            {a.state === 'resolved' && a.resolution && <div className="muted small">{a.resolution}</div>}
          </div>
          <button className="icon-btn toast-close" title="Dismiss" data-testid="toast-dismiss" onClick={() => alertStore.dismiss(id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

import { useEffect, useState } from 'react';
import { getAlertLog, type AlertInfo } from '../alertsApi';
import { useAlerts } from '../alertStore';
import { AlertTable } from './AlertsPage';
import { RulesEditor } from './RulesEditor';

/** A session's Alerts tab: its active alerts, its rules (its own changes to the global ones) and its alert history. */
export function SessionAlerts({ sessionId }: { sessionId: string }) {
  const { active, markersVersion } = useAlerts();
  const [log, setLog] = useState<AlertInfo[] | null>(null);
  useEffect(() => {
    getAlertLog({ session: sessionId, limit: 100 }).then(setLog).catch(() => setLog([]));
  }, [sessionId, markersVersion]);
  const mine = active.filter((a) => a.session_id === sessionId);
  return (
    <div className="session-alerts">
      <section className="panel">
        <div className="panel-head">
          <h2>Active</h2>
        </div>
        {mine.length === 0 ? <div className="muted">No alert is firing or pending in this session.</div> : <AlertTable rows={mine} />}
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>Rules of this session</h2>
          <span className="muted">a change here applies to this session only</span>
        </div>
        <RulesEditor session={sessionId} />
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>History</h2>
        </div>
        {log === null ? <div className="muted">Loading…</div> : log.length === 0 ? <div className="muted">No alert has fired in this session.</div> : <AlertTable rows={log} history />}
      </section>
    </div>
  );
}

import { recordingUrl } from '../api';
import { formatCount, formatUptime } from '../format';
import type { Session } from '../types';
import { describeSource } from './SessionsPage';

/** The Info tab: a session's configuration, timestamps, error and recording download. */
export function SessionInfo({ s }: { s: Session | null }) {
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
    ['Packets kept', String(s.packet_history ?? '–')],
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

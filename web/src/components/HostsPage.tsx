// The Hosts page: every skbscope a Prometheus scrapes, one row each, built by the server from PromQL
// only (GET /api/fleet/hosts; serve --prometheus URL). Polls every 5 s.
import { useCallback, useEffect, useState } from 'react';
import { ApiError, getFleetHosts } from '../api';
import { formatMicros, formatRate } from '../format';
import { NODE_LABELS } from '../pipeline';
import type { FleetHost, FleetHosts } from '../types';

const POLL_MS = 5000;

function useFleet() {
  const [data, setData] = useState<FleetHosts | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const refresh = useCallback(async () => {
    try {
      setData(await getFleetHosts());
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(String(e), 0));
    }
  }, []);
  useEffect(() => {
    refresh();
    const t = setInterval(refresh, POLL_MS);
    return () => clearInterval(t);
  }, [refresh]);
  return { data, error };
}

function ratio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '–';
  const p = r * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return (p < 10 ? p.toFixed(1) : p.toFixed(0)) + '%';
}

function HostRow({ h }: { h: FleetHost }) {
  return (
    <tr
      data-testid="host-row"
      data-instance={h.instance}
      data-up={h.up ? '1' : '0'}
      data-pps={h.packets_per_second ?? ''}
      data-drop-ratio={h.drop_ratio ?? ''}
      data-p99-seconds={h.worst_p99_seconds ?? ''}
      data-alerts={h.alerts_firing}
    >
      <td>
        <div className="mono">{h.instance}</div>
        <div className="muted small">
          job {h.job}
          {h.version ? ` · v${h.version}` : ''}
        </div>
      </td>
      <td>
        <span className={`state-pill ${h.up ? 'state-running' : 'state-failed'}`}>
          <span className="dot" />
          {h.up ? 'up' : 'down'}
        </span>
      </td>
      <td className="num">{formatRate(h.packets_per_second)}</td>
      <td className={'num' + (h.drop_ratio && h.drop_ratio > 0.05 ? ' bad' : '')}>{ratio(h.drop_ratio)}</td>
      <td className="num">
        {formatMicros(h.worst_p99_seconds === null ? null : h.worst_p99_seconds * 1e6)}
        {h.worst_p99_node && <div className="muted small">{NODE_LABELS[h.worst_p99_node] ?? h.worst_p99_node}</div>}
      </td>
      <td className={'num' + (h.alerts_firing > 0 ? ' bad' : '')}>{h.alerts_firing}</td>
      <td className="num">{h.running_sessions}</td>
      <td className={'num' + (h.lost_events_per_second ? ' warn' : '')}>{formatRate(h.lost_events_per_second)}</td>
      <td>
        <a href={h.url} target="_blank" rel="noopener noreferrer" data-testid="host-link">
          Open UI ↗
        </a>
      </td>
    </tr>
  );
}

export function HostsPage() {
  const { data, error } = useFleet();
  return (
    <div className="hosts-page" data-testid="hosts-page">
      <div className="section-head">
        <h1>Hosts</h1>
        <span className="muted">
          {data ? `${data.hosts.length} host${data.hosts.length === 1 ? '' : 's'} scraped by ${data.prometheus} · rates over ${data.window}` : ''}
        </span>
      </div>
      {error && error.status === 404 && (
        <div className="callout info" data-testid="hosts-unconfigured">
          The Hosts page lists every skbscope a Prometheus scrapes. Start this server with <code>--prometheus URL</code> (or{' '}
          <code>prometheus_url</code> in its config file), pointing at a Prometheus that scrapes your skbscope hosts (see{' '}
          <code>deploy/prometheus/</code>).
        </div>
      )}
      {error && error.status !== 404 && (
        <div className="callout bad" data-testid="hosts-error">
          {error.message}
        </div>
      )}
      {data && data.hosts.length === 0 && (
        <div className="empty">
          <div className="empty-title">Prometheus scrapes no skbscope yet</div>
          <div className="muted">No target exported skbscope_build_info in the last hour.</div>
        </div>
      )}
      {data && data.hosts.length > 0 && (
        <section className="panel">
          <table className="table hosts-table">
            <thead>
              <tr>
                <th>Host</th>
                <th>Status</th>
                <th className="num">Packets/s</th>
                <th className="num">Drop rate</th>
                <th className="num">Worst node p99</th>
                <th className="num">Firing alerts</th>
                <th className="num">Sessions</th>
                <th className="num">Lost events/s</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.hosts.map((h) => (
                <HostRow key={`${h.job}/${h.instance}`} h={h} />
              ))}
            </tbody>
          </table>
        </section>
      )}
      {data && (
        <details className="panel hosts-queries">
          <summary>PromQL behind this page</summary>
          <table className="table">
            <tbody>
              {Object.entries(data.queries).map(([k, q]) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td className="mono">{q}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}

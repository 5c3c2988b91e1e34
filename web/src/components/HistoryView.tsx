import { useEffect, useMemo, useState } from 'react';
import { getHistory, type HistoryResponse } from '../alertsApi';
import { alertStore, useAlerts } from '../alertStore';
import { formatCount, formatMicros } from '../format';
import type { Session } from '../types';
import { colourOf, HistoryChart, type ChartSeries } from './HistoryChart';

export const RANGES = [
  { id: '15m', label: '15 min', seconds: 900 },
  { id: '1h', label: '1 h', seconds: 3600 },
  { id: '6h', label: '6 h', seconds: 6 * 3600 },
  { id: '24h', label: '24 h', seconds: 86400 },
  { id: '3d', label: '3 days', seconds: 3 * 86400 },
];
const MAX_NODES = 8;
const REFRESH_MS = 5000;

/**
 * A session's History tab: packets/s and drops/s, p99 latency per node and verdicts/s over a chosen
 * range, read from the server's history (kept across restarts). A running session's range ends
 * now; a stopped or interrupted one's ends where its data ends.
 */
export function HistoryView({ sessionId, session }: { sessionId: string; session: Session | null }) {
  const [range, setRange] = useState(RANGES[1]);
  const [data, setData] = useState<HistoryResponse | null>(null);
  const [error, setError] = useState('');
  const running = session?.state === 'running';
  const { markersVersion } = useAlerts();

  useEffect(() => {
    let stop = false;
    async function load() {
      try {
        const nowS = Math.floor(Date.now() / 1000);
        let to = nowS + 1;
        if (!running) {
          // where this session's data ends (a cheap coarse query), so a stopped session shows its last hours
          const probe = await getHistory(sessionId, { from: '-3d', step: '1d', series: ['packets_per_second'] });
          if (probe.extent) to = Math.min(to, probe.extent.last);
        }
        const h = await getHistory(sessionId, { from: to - range.seconds, to });
        if (!stop) {
          setData(h);
          setError('');
        }
      } catch (e) {
        if (!stop) setError(e instanceof Error ? e.message : String(e));
      }
    }
    void load();
    const t = running ? setInterval(load, REFRESH_MS) : null;
    return () => {
      stop = true;
      if (t) clearInterval(t);
    };
  }, [sessionId, range, running]);

  const markers = useMemo(() => alertStore.markersOf(sessionId), [sessionId, markersVersion]);
  const charts = useMemo(() => (data ? chartsOf(data) : null), [data]);

  return (
    <div className="history-view" data-testid="history-view">
      <div className="history-head">
        <div className="segmented" role="radiogroup" aria-label="Range">
          {RANGES.map((r) => (
            <label key={r.id} className={r.id === range.id ? 'selected' : ''} data-testid={`history-range-${r.id}`}>
              <input type="radio" name="history-range" checked={r.id === range.id} onChange={() => setRange(r)} />
              {r.label}
            </label>
          ))}
        </div>
        {data && (
          <span className="muted small" data-testid="history-meta" data-points={data.points} data-step={data.step}>
            {data.points} points, every {formatStep(data.step)} ({data.resolution}) ·{' '}
            {new Date(data.from * 1000).toLocaleString()} – {new Date(data.to * 1000).toLocaleString()}
          </span>
        )}
      </div>
      {error && <div className="callout bad">{error}</div>}
      {data && data.points === 0 && (
        <div className="empty">
          <div className="empty-title">No history in this range</div>
          <div className="muted">History is recorded every second while the session runs.</div>
        </div>
      )}
      {data && charts && data.points > 0 && (
        <>
          <section className="panel">
            <div className="panel-head">
              <h2>Packets/s and drops/s</h2>
            </div>
            <HistoryChart t={data.t} series={charts.traffic} step={data.step} from={data.from} to={data.to} format={formatCount} markers={markers} testid="history-chart-traffic" />
          </section>
          <div className="row row-2">
            <section className="panel">
              <div className="panel-head">
                <h2>p99 latency per node</h2>
                <span className="muted">busiest {MAX_NODES} nodes</span>
              </div>
              <HistoryChart t={data.t} series={charts.p99} step={data.step} from={data.from} to={data.to} format={formatMicros} markers={markers} testid="history-chart-p99" />
            </section>
            <section className="panel">
              <div className="panel-head">
                <h2>Verdicts/s</h2>
              </div>
              <HistoryChart t={data.t} series={charts.verdicts} step={data.step} from={data.from} to={data.to} format={formatCount} markers={markers} testid="history-chart-verdicts" />
            </section>
          </div>
        </>
      )}
    </div>
  );
}

function chartsOf(h: HistoryResponse): { traffic: ChartSeries[]; p99: ChartSeries[]; verdicts: ChartSeries[] } {
  const s = h.series;
  const traffic: ChartSeries[] = [
    { label: 'packets/s', values: s.packets_per_second ?? [], colour: colourOf(0) },
    { label: 'drops/s', values: s.drops_per_second ?? [], colour: colourOf(1), side: 'right' },
  ];
  const load = (k: string) => (s.node_packets_per_second?.[k] ?? []).reduce<number>((a, v) => a + (v ?? 0), 0);
  const nodes = Object.keys(s.node_p99_us ?? {}).sort((a, b) => load(b) - load(a)).slice(0, MAX_NODES);
  const p99 = nodes.map((n, i) => ({ label: n, values: s.node_p99_us![n], colour: colourOf(i) }));
  const VERDICT_COLOURS: Record<string, string> = { ACCEPT: '#16a34a', DROP: '#dc2626' };
  const verdicts = Object.keys(s.verdicts_per_second ?? {}).map((v, i) => ({
    label: v,
    values: s.verdicts_per_second![v],
    colour: VERDICT_COLOURS[v] ?? colourOf(i + 3),
  }));
  return { traffic, p99, verdicts };
}

function formatStep(s: number): string {
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

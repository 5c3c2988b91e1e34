import { useCallback, useEffect, useMemo, useState } from 'react';
import { compareSessions, getStats, listSessions } from '../api';
import { changeMarks, formatChange, metricTone, toneOf } from '../compare';
import { formatCount, formatMicros } from '../format';
import { go } from '../route';
import type { CompareCount, CompareMetric, Comparison, Session, Stats } from '../types';
import { Panel } from '../panels/Panel';
import { PipelineGraph } from './PipelineGraph';

const REFRESH_MS = 2000;

function pct(share: number): string {
  const p = share * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return `${p.toFixed(2)}%`;
  if (p < 10) return `${p.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}

/**
 * "Compare with…": what changed from another session (A, the reference) to this one (B), node by
 * node, beyond noise — the table of `skbscope diff` and the flow graph coloured by change. Reads
 * GET /api/sessions/{a}/compare/{b} and B's stats every 2 s while either session runs.
 */
export function CompareView({ sessionId, other }: { sessionId: string; other?: string }) {
  const [sessions, setSessions] = useState<Session[]>([]);
  const [reversed, setReversed] = useState(false);
  const [cmp, setCmp] = useState<Comparison | null>(null);
  const [statsB, setStatsB] = useState<Stats | null>(null);
  const [error, setError] = useState('');
  const a = reversed ? sessionId : other;
  const b = reversed ? other : sessionId;

  const refresh = useCallback(async () => {
    try {
      const list = await listSessions();
      setSessions(list);
      if (!a || !b) return;
      const [c, s] = await Promise.all([compareSessions(a, b), getStats(b)]);
      setCmp(c);
      setStatsB(s);
      setError('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [a, b]);

  useEffect(() => {
    setCmp(null);
    setStatsB(null);
    refresh();
  }, [refresh]);

  const running = sessions.some((s) => (s.id === a || s.id === b) && s.state === 'running');
  useEffect(() => {
    if (!running && cmp) return;
    const t = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(t);
  }, [refresh, running, cmp]);

  const marks = useMemo(() => (cmp ? changeMarks(cmp) : undefined), [cmp]);
  const base = `#/sessions/${encodeURIComponent(sessionId)}/compare`;
  const others = sessions.filter((s) => s.id !== sessionId);

  return (
    <div className="compare" data-testid="compare-view">
      <div className="compare-bar">
        <label htmlFor="compare-with">Compare with</label>
        <select
          id="compare-with"
          data-testid="compare-select"
          value={other ?? ''}
          onChange={(e) => go(e.target.value ? `${base}/${encodeURIComponent(e.target.value)}` : base)}
        >
          <option value="">choose a session…</option>
          {others.map((s) => (
            <option key={s.id} value={s.id}>
              {s.id} ({s.state}, {s.mode}, {s.source.kind})
            </option>
          ))}
        </select>
        {other && (
          <button className="btn" data-testid="compare-swap" onClick={() => setReversed(!reversed)} title="Swap A and B">
            ⇄ Swap
          </button>
        )}
        {other && (
          <span className="muted">
            changes from <b className="mono">{a}</b> (A) to <b className="mono">{b}</b> (B)
          </span>
        )}
      </div>
      {!other && (
        <div className="callout info">
          Pick a session to compare this one with: the table shows, node by node, what changed from that session (A) to this
          one (B) — packets, drop rate, p50/p99 latency, verdicts, drop reasons and nftables rules — and whether each change is
          beyond noise. The same comparison is <span className="mono">skbscope diff server:A server:B</span>.
        </div>
      )}
      {error && <div className="callout bad">{error}</div>}
      {cmp && <CompareResult cmp={cmp} />}
      {cmp && statsB && (
        <Panel title="Packet pipeline flow, coloured by change" className="graph-panel" testid="compare-graph" head={<Legend />}>
          <PipelineGraph stats={statsB} changes={marks} />
        </Panel>
      )}
    </div>
  );
}

function CompareResult({ cmp }: { cmp: Comparison }) {
  const reasons = cmp.drop_reasons.filter((r) => r.significant || r.status === 'appeared' || r.status === 'vanished');
  const rules = cmp.rules.filter((r) => r.significant || r.status === 'appeared' || r.status === 'vanished');
  return (
    <>
      <Panel
        title="Changes by node"
        note={`${cmp.significant_nodes} of ${cmp.nodes.length} nodes changed beyond noise`}
        testid="compare-table"
      >
        <div className="compare-sides small">
          {[cmp.a, cmp.b].map((s, i) => (
            <div key={i} style={{ display: 'contents' }}>
              <b>{i === 0 ? 'A' : 'B'}</b>
              <span>
                <span className="mono">{s.name}</span> · {s.mode} · {formatCount(s.total_packets)} packets · {formatCount(s.drops)} drops (
                {pct(s.drop_rate)}){s.sample_one_in > 1 ? ` · sampled 1 in ${s.sample_one_in}` : ''}
              </span>
            </div>
          ))}
        </div>
        <table className="table cmp-table">
          <thead>
            <tr>
              <th>Node</th>
              <th>What changed</th>
              <th className="num">Packets A → B</th>
              <th className="num">Drop rate</th>
              <th className="num">p50</th>
              <th className="num">p99</th>
            </tr>
          </thead>
          <tbody>
            {cmp.nodes.map((n) => (
              <tr key={n.id} className={n.significant ? `changed tone-${toneOf(n)}` : ''} data-testid={`compare-row-${n.id}`} data-significant={n.significant}>
                <td title={n.id}>{n.label}</td>
                <td className="cmp-summary">
                  {!n.observable_a && !n.observable_b ? `not observable${n.unobserved_reason ? ': ' + n.unobserved_reason : ''}` : n.summary.join('; ') || '—'}
                </td>
                <td className={'num ' + (n.packets.significant ? 'sig' : 'noise')} title={n.packets.basis === 'reach' ? `share of the packets its predecessors passed on: ${pct(n.packets.reach_a ?? 0)} → ${pct(n.packets.reach_b ?? 0)}` : `share of all packets: ${pct(n.packets.share_a)} → ${pct(n.packets.share_b)}`}>
                  {formatCount(n.packets.a)} → {formatCount(n.packets.b)}
                </td>
                <Cell m={n.drop_rate} fmt={pct} />
                <Cell m={n.p50_us} fmt={formatMicros} />
                <Cell m={n.p99_us} fmt={formatMicros} />
              </tr>
            ))}
          </tbody>
        </table>
        <div className="muted small">
          Bold: beyond noise ({cmp.z_threshold} standard errors; latency also beyond the histogram's precision). Grey: within noise.
        </div>
      </Panel>
      {(reasons.length > 0 || rules.length > 0) && (
        <div className="grid-2">
          {reasons.length > 0 && (
            <Panel title="Drop reasons" note="drops per packet" testid="compare-reasons">
              <CountTable rows={reasons} />
            </Panel>
          )}
          {rules.length > 0 && (
            <Panel title="nftables rules" note="hits" testid="compare-rules">
              <table className="table cmp-table">
                <tbody>
                  {rules.map((r) => (
                    <tr key={`${r.table}/${r.chain}/${r.handle ?? 'policy'}`}>
                      <td>{r.status}</td>
                      <td className="mono" title={r.text}>
                        {r.table} {r.chain} {r.handle === undefined ? 'policy' : `handle ${r.handle}`}
                        {r.text ? <div className="muted small">{r.text}</div> : null}
                      </td>
                      <td className={'num ' + (r.significant ? 'sig' : 'noise')}>
                        {formatCount(r.a)} → {formatCount(r.b)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Panel>
          )}
        </div>
      )}
    </>
  );
}

function Cell({ m, fmt }: { m: CompareMetric | undefined; fmt: (v: number) => string }) {
  if (!m || (m.a === 0 && m.b === 0)) return <td className="num noise">—</td>;
  const tone = metricTone(m);
  return (
    <td className={'num ' + (m.significant ? `sig ${tone}` : 'noise')} title={`z = ${m.z}`}>
      {fmt(m.a)} → {fmt(m.b)} {m.significant ? <span className="small">{formatChange(m)}</span> : null}
    </td>
  );
}

function CountTable({ rows }: { rows: CompareCount[] }) {
  return (
    <table className="table cmp-table">
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <td>{r.status}</td>
            <td className="mono">{r.name}</td>
            <td className={'num ' + (r.significant ? 'sig worse' : 'noise')}>
              {formatCount(r.a)} → {formatCount(r.b)}
            </td>
            <td className="num muted">
              {pct(r.share_a)} → {pct(r.share_b)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Legend() {
  return (
    <div className="legend">
      <span>
        <i className="lg-worse" /> worse (drops, latency)
      </span>
      <span>
        <i className="lg-better" /> better
      </span>
      <span>
        <i className="lg-changed" /> changed
      </span>
      <span className="muted">faded: within noise</span>
    </div>
  );
}

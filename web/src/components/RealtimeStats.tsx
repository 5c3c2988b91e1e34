import { useEffect, useLayoutEffect, useState } from 'react';
import { formatCount, formatExact, formatMicros, formatPercent, formatRate, formatUptime, sumValues, topEntries } from '../format';
import { HOOK_ORDER, NODE_LABELS, PIPELINE_LABELS, verdictTone } from '../pipeline';
import type { StoreSnapshot } from '../statsStore';
import type { Stats } from '../types';
import { testHook, useSessionStats } from '../useSessionStats';
import { Heatmap } from './Heatmap';
import { LiveChart } from './LiveChart';
import { PipelineGraph } from './PipelineGraph';

function useNow(periodMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(t);
  }, [periodMs]);
  return now;
}

export function RealtimeStats({ sessionId, sessionState }: { sessionId: string; sessionState?: string }) {
  const snap = useSessionStats(sessionId);
  // Time from ingesting an update to the end of the dashboard's commit (children's layout effects,
  // where the charts redraw, run before this one).
  useLayoutEffect(() => {
    if (snap.ingestedAt > 0) {
      const times = testHook().renderTimes;
      times.push(performance.now() - snap.ingestedAt);
      if (times.length > 2000) times.splice(0, times.length - 2000);
    }
  }, [snap.version, snap.ingestedAt]);
  const s = snap.stats;
  return (
    <div className="dashboard" data-testid="dashboard" data-version={snap.version}>
      <ConnectionStatus snap={snap} sessionState={sessionState} />
      {!s ? (
        <div className="empty">
          <div className="empty-title">Waiting for the first stats update…</div>
          <div className="muted">Updates arrive every second while the session runs.</div>
        </div>
      ) : (
        <>
          <Overview s={s} snap={snap} />
          <div className="row row-2-1">
            <PipelinesPanel s={s} />
            <VerdictsPanel verdicts={s.total_verdicts} />
          </div>
          <section className="panel graph-panel">
            <div className="panel-head">
              <h2>Packet pipeline flow</h2>
              <Legend />
            </div>
            <PipelineGraph stats={s} />
          </section>
          <div className="row row-2-1">
            <section className="panel">
              <div className="panel-head">
                <h2>Throughput</h2>
                <span className="muted">last 5 minutes</span>
              </div>
              <LiveChart history={snap.history} version={snap.version} />
            </section>
            <TopLatencyPanel s={s} />
          </div>
          <section className="panel">
            <div className="panel-head">
              <h2>Latency heatmap</h2>
              <span className="muted">mean latency per node and second, last 5 minutes</span>
            </div>
            <Heatmap history={snap.history} version={snap.version} nodes={s.nodes} />
          </section>
          <div className="row row-3">
            <HooksPanel s={s} />
            <DropReasonsPanel s={s} />
            <TopFunctionsPanel s={s} />
          </div>
          {s.rules && s.rules.length > 0 ? (
            <div className="row row-2-1">
              <RulesPanel s={s} />
              <SourcePanel s={s} />
            </div>
          ) : (
            <div className="row row-2">
              <SourcePanel s={s} />
              <LayersPanel s={s} />
            </div>
          )}
        </>
      )}
    </div>
  );
}

export function ConnectionStatus({ snap, sessionState }: { snap: StoreSnapshot; sessionState?: string }) {
  const now = useNow(1000);
  const age = snap.lastUpdateMs ? (now - snap.lastUpdateMs) / 1000 : Infinity;
  let state: string = snap.conn;
  let text: string;
  switch (snap.conn) {
    case 'live':
      if (snap.lastUpdateMs && age > 3) {
        state = 'stale';
        text =
          sessionState && sessionState !== 'running'
            ? `Connected · session ${sessionState}, showing its last stats`
            : `Connected · no update for ${formatUptime(age)}`;
      } else {
        text = snap.lastUpdateMs ? 'Live · updates every 1 s' : 'Connected · waiting for updates';
      }
      break;
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'reconnecting':
      text = `Reconnecting…${snap.reason ? ` (${snap.reason})` : ''}`;
      break;
    default:
      text = `Realtime stats unavailable${snap.reason ? `: ${snap.reason}` : ''}`;
  }
  return (
    <div className={`conn-status conn-${state}`} data-testid="conn-status" data-state={state} role="status">
      <span className="conn-dot" />
      <span>{text}</span>
    </div>
  );
}

function Kpi({ label, value, raw, sub, testid, tone }: { label: string; value: string; raw?: number; sub?: string; testid: string; tone?: string }) {
  return (
    <div className={'kpi' + (tone ? ' ' + tone : '')}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={testid} data-value={raw}>
        {value}
      </div>
      {sub && <div className="kpi-sub">{sub}</div>}
    </div>
  );
}

function Overview({ s, snap }: { s: Stats; snap: StoreSnapshot }) {
  const dps = snap.history.dropsPerSec.last();
  const inFlight =
    s.in_flight_total ?? (s.pipelines ?? []).filter((p) => p.name === 'inbound' || p.name === 'outbound').reduce((a, p) => a + p.in_flight, 0);
  return (
    <div className="kpis" data-testid="overview">
      <Kpi label="Total packets" value={formatCount(s.total_packets)} raw={s.total_packets} sub={`${formatExact(s.total_packets)} · ${formatCount(s.total_events)} events`} testid="kpi-total-packets" />
      <Kpi label="Packets / s" value={formatCount(s.packets_per_second)} sub="last 1 s window" testid="kpi-pps" />
      <Kpi label="Uptime" value={formatUptime(s.uptime_seconds)} raw={s.uptime_seconds} testid="kpi-uptime" />
      <Kpi label="Mode" value={(s.mode ?? '').toUpperCase()} sub={s.source?.kind ? `source: ${s.source.kind}` : undefined} testid="kpi-mode" />
      <Kpi
        label="Drops"
        value={formatCount(s.drops)}
        sub={`${formatRate(Number.isFinite(dps) ? dps : 0)} · ${formatPercent(s.drops, s.total_packets)}`}
        testid="kpi-drops"
        tone={s.drops > 0 ? 'bad' : undefined}
      />
      <Kpi label="In flight" value={formatCount(inFlight)} sub={`${formatCount(s.evicted_packets ?? 0)} evicted${s.max_tracked_skbs ? ` · max ${formatCount(s.max_tracked_skbs)}` : ''}`} testid="kpi-inflight" />
    </div>
  );
}

function PipelinesPanel({ s }: { s: Stats }) {
  const order = ['inbound', 'local_delivery', 'forward', 'outbound'];
  const pipes = [...(s.pipelines ?? [])].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return (
    <section className="panel">
      <div className="panel-head">
        <h2>Pipeline statistics</h2>
        {s.mode !== 'full' && <span className="muted">complete in full mode</span>}
      </div>
      <div className="pipes">
        {pipes.map((p) => {
          const done = p.completed + p.dropped;
          return (
            <div className="pipe" key={p.name} data-testid={`pipeline-${p.name}`}>
              <div className="pipe-name">{PIPELINE_LABELS[p.name] ?? p.name}</div>
              <div className="pipe-started">{formatCount(p.started)}</div>
              <div className="pipe-bar" title={`${formatExact(p.completed)} completed, ${formatExact(p.dropped)} dropped, ${formatExact(p.in_flight)} in flight`}>
                <span className="seg ok" style={{ flexGrow: p.completed }} />
                <span className="seg bad" style={{ flexGrow: p.dropped }} />
                <span className="seg info" style={{ flexGrow: p.in_flight }} />
                {done + p.in_flight === 0 && <span className="seg none" style={{ flexGrow: 1 }} />}
              </div>
              <dl className="pipe-kv">
                <dt>in flight</dt>
                <dd>{formatCount(p.in_flight)}</dd>
                <dt>completed</dt>
                <dd>{formatCount(p.completed)}</dd>
                <dt>dropped</dt>
                <dd className={p.dropped > 0 ? 'bad' : ''}>{formatCount(p.dropped)}</dd>
              </dl>
            </div>
          );
        })}
        {pipes.length === 0 && <div className="muted">No pipeline data in this mode.</div>}
      </div>
    </section>
  );
}

export function VerdictBadge({ verdict, count, total }: { verdict: string; count: number; total?: number }) {
  return (
    <span className={`badge tone-${verdictTone(verdict)}`} title={`${verdict}: ${formatExact(count)}`}>
      {verdict} <b>{formatCount(count)}</b>
      {total ? <i>{formatPercent(count, total)}</i> : null}
    </span>
  );
}

function VerdictsPanel({ verdicts }: { verdicts: Record<string, number> }) {
  const total = sumValues(verdicts);
  const entries = topEntries(verdicts, 12);
  return (
    <section className="panel" data-testid="verdicts">
      <div className="panel-head">
        <h2>Netfilter verdicts</h2>
        <span className="muted">{formatCount(total)} total</span>
      </div>
      {entries.length === 0 ? (
        <div className="muted">No verdicts yet.</div>
      ) : (
        <div className="verdicts">
          {entries.map(([v, c]) => (
            <div className="verdict-row" key={v}>
              <span className={`badge tone-${verdictTone(v)}`}>{v}</span>
              <div className="bar">
                <span className={`fill tone-${verdictTone(v)}`} style={{ width: `${(c / total) * 100}%` }} />
              </div>
              <span className="num">{formatCount(c)}</span>
              <span className="pct">{formatPercent(c, total)}</span>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

function TopLatencyPanel({ s }: { s: Stats }) {
  const list = (s.top_latency ?? []).slice(0, 5);
  const max = Math.max(1e-9, ...list.map((l) => l.p99_us || l.avg_us));
  return (
    <section className="panel" data-testid="top-latency">
      <div className="panel-head">
        <h2>Top latency contributors</h2>
        <span className="muted">avg · p99</span>
      </div>
      {list.length === 0 ? (
        <div className="muted">No latency samples yet.</div>
      ) : (
        <ol className="latency-list">
          {list.map((l, i) => (
            <li key={l.node}>
              <span className="rank">{i + 1}</span>
              <div className="lat-main">
                <div className="lat-name">
                  {l.label || NODE_LABELS[l.node] || l.node}
                  <span className="muted"> · {formatCount(l.samples)} samples</span>
                </div>
                <div className="lat-bar">
                  <span className="fill avg" style={{ width: `${(l.avg_us / max) * 100}%` }} />
                  <span className="fill p99" style={{ width: `${((l.p99_us || 0) / max) * 100}%` }} />
                </div>
              </div>
              <span className="lat-val">
                {formatMicros(l.avg_us)}
                <span className="muted"> / {formatMicros(l.p99_us)}</span>
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function HooksPanel({ s }: { s: Stats }) {
  const hooks = s.hooks ?? {};
  // The five netfilter hooks always; INGRESS/EGRESS and others only once they have events.
  const names = [...HOOK_ORDER, ...Object.keys(hooks).filter((h) => !HOOK_ORDER.includes(h) && hooks[h]?.count > 0)];
  return (
    <section className="panel" data-testid="hooks">
      <div className="panel-head">
        <h2>Hook-based flow</h2>
      </div>
      <div className="hooks">
        {names.map((h) => {
          const hs = hooks[h];
          const total = sumValues(hs?.verdicts);
          return (
            <div className={'hook-row' + (hs && hs.count ? '' : ' idle')} key={h} data-testid={`hook-${h}`}>
              <span className="hook-name">{h}</span>
              <span className="hook-count">{formatCount(hs?.count ?? 0)}</span>
              <span className="hook-verdicts">
                {topEntries(hs?.verdicts, 3).map(([v, c]) => (
                  <VerdictBadge key={v} verdict={v} count={c} total={total} />
                ))}
              </span>
            </div>
          );
        })}
      </div>
    </section>
  );
}

function DropReasonsPanel({ s }: { s: Stats }) {
  // Session-wide reasons when the server sends them; otherwise the sum over nodes.
  let reasons: Record<string, number> = s.drop_reasons ?? {};
  const where: Record<string, string[]> = {};
  for (const [id, n] of Object.entries(s.nodes ?? {})) {
    for (const r of Object.keys(n.drop_reasons ?? {})) (where[r] ??= []).push(n.label || id);
  }
  if (!s.drop_reasons) {
    reasons = {};
    for (const n of Object.values(s.nodes ?? {})) for (const [r, c] of Object.entries(n.drop_reasons ?? {})) reasons[r] = (reasons[r] ?? 0) + c;
  }
  const total = sumValues(reasons);
  const list = topEntries(reasons, 8);
  return (
    <section className="panel" data-testid="drop-reasons">
      <div className="panel-head">
        <h2>Drop reasons</h2>
        <span className="muted">{formatCount(s.drops)} drops</span>
      </div>
      {list.length === 0 ? (
        <div className="muted">No drops.</div>
      ) : (
        <table className="table">
          <tbody>
            {list.map(([r, c]) => (
              <tr key={r}>
                <td className="mono">{r}</td>
                <td className="muted small" title={(where[r] ?? []).join(', ')}>
                  {(where[r] ?? []).slice(0, 2).join(', ')}
                  {(where[r] ?? []).length > 2 ? ` +${(where[r] ?? []).length - 2}` : ''}
                </td>
                <td className="num">{formatCount(c)}</td>
                <td className="num muted">{formatPercent(c, total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RulesPanel({ s }: { s: Stats }) {
  const rules = [...(s.rules ?? [])].sort((a, b) => b.hits - a.hits).slice(0, 12);
  return (
    <section className="panel" data-testid="rules">
      <div className="panel-head">
        <h2>Rules hit</h2>
        <span className="muted">nftables{s.rules_dropped ? ` · ${formatCount(s.rules_dropped)} not aggregated` : ''}</span>
      </div>
      <table className="table">
        <thead>
          <tr>
            <th>Rule</th>
            <th className="num">Hits</th>
            <th>Verdicts</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={`${r.table}/${r.chain}/${r.handle}`}>
              <td>
                <div className="mono small">
                  {r.table} {r.chain} {r.handle === null || r.handle === undefined || Number(r.handle) < 0 ? 'policy' : `#${r.handle}`}
                </div>
                {r.text && <div className="rule-text mono">{r.text}</div>}
              </td>
              <td className="num">{formatCount(r.hits)}</td>
              <td>
                {topEntries(r.verdicts, 2).map(([v, c]) => (
                  <VerdictBadge key={v} verdict={v} count={c} />
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SourcePanel({ s }: { s: Stats }) {
  const src = s.source ?? {};
  const withLayers = !!(s.rules && s.rules.length > 0);
  const layers = Object.entries(s.layers ?? {});
  return (
    <section className="panel" data-testid="source">
      <div className="panel-head">
        <h2>{withLayers ? 'Source & layers' : 'Source'}</h2>
        <span className="muted">{String(src.kind ?? '')}</span>
      </div>
      {src.detail && <div className="muted source-detail">{String(src.detail)}</div>}
      <table className="table">
        <tbody>
          <tr>
            <td>Events</td>
            <td className="num">{formatCount(s.total_events)}</td>
          </tr>
          <tr>
            <td>Bad lines</td>
            <td className={'num' + (src.bad_lines ? ' warn' : '')}>{formatCount(src.bad_lines ?? 0)}</td>
          </tr>
          <tr>
            <td>Lost events</td>
            <td className={'num' + (src.lost_events ? ' bad' : '')}>{formatCount(src.lost_events ?? 0)}</td>
          </tr>
          {(src.sample_one_in ?? 1) > 1 && (
            <tr title="Under load the kernel traces one packet in N; every count is scaled by N (an estimate)">
              <td>Sampling</td>
              <td className="num warn" data-testid="sampling">1 in {formatCount(src.sample_one_in ?? 1)}</td>
            </tr>
          )}
          {src.events_read !== undefined && (
            <tr>
              <td>Events read by source</td>
              <td className="num">{formatCount(src.events_read)}</td>
            </tr>
          )}
          {!!s.reordered_events && (
            <tr>
              <td>Reordered events</td>
              <td className="num warn">{formatCount(s.reordered_events)}</td>
            </tr>
          )}
          {!!s.untracked_end_events && (
            <tr>
              <td>End events of untracked packets</td>
              <td className="num">{formatCount(s.untracked_end_events)}</td>
            </tr>
          )}
          <tr>
            <td>Evicted packets</td>
            <td className="num">{formatCount(s.evicted_packets ?? 0)}</td>
          </tr>
          {withLayers &&
            layers.map(([name, l]) => (
              <tr key={name}>
                <td>Layer {name}</td>
                <td className="num">
                  {formatCount(l.count)} <span className="muted">· {formatMicros(l.avg_us)}</span>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </section>
  );
}

const LAYER_LABELS: Record<string, string> = { L2: 'L2 · NIC, driver, GRO, TC', L3: 'L3 · netfilter, conntrack, NAT, routing', L4: 'L4 · TCP/UDP', socket: 'Socket' };

function LayersPanel({ s }: { s: Stats }) {
  const layers = Object.entries(s.layers ?? {});
  const max = Math.max(1e-9, ...layers.map(([, l]) => l.avg_us));
  return (
    <section className="panel" data-testid="layers">
      <div className="panel-head">
        <h2>Layers</h2>
        <span className="muted">events · mean node latency</span>
      </div>
      {layers.length === 0 ? (
        <div className="muted">No layer data.</div>
      ) : (
        <div className="fn-list">
          {layers.map(([name, l]) => (
            <div className="layer-row" key={name}>
              <span>{LAYER_LABELS[name] ?? name}</span>
              <span className="num">{formatCount(l.count)}</span>
              <div className="bar">
                <span className="fill tone-warn" style={{ width: `${(l.avg_us / max) * 100}%` }} />
              </div>
              <span className="num">{formatMicros(l.avg_us)}</span>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

function TopFunctionsPanel({ s }: { s: Stats }) {
  let fns = s.top_functions;
  if (!fns) {
    fns = {};
    for (const n of Object.values(s.nodes ?? {})) for (const [f, c] of Object.entries(n.top_functions ?? {})) fns[f] = (fns[f] ?? 0) + c;
  }
  const list = topEntries(fns, 8);
  const max = list[0]?.[1] ?? 1;
  return (
    <section className="panel" data-testid="top-functions">
      <div className="panel-head">
        <h2>Top functions</h2>
        <span className="muted">
          {s.max_functions ? `max ${s.max_functions} kept` : ''}
          {s.functions_dropped ? ` · ${formatCount(s.functions_dropped)} events not kept` : ''}
        </span>
      </div>
      {list.length === 0 ? (
        <div className="muted">No events yet.</div>
      ) : (
        <div className="fn-list">
          {list.map(([f, c]) => (
            <div className="fn-row" key={f}>
              <span className="mono fn-name" title={f}>
                {f}
              </span>
              <div className="bar">
                <span className="fill tone-info" style={{ width: `${(c / max) * 100}%` }} />
              </div>
              <span className="num">{formatCount(c)}</span>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

function Legend() {
  return (
    <div className="legend">
      <span>
        <i className="lg-edge" /> width = packets
      </span>
      <span>
        <i className="lg-active" /> active
      </span>
      <span>
        <i className="lg-unobs" /> not observable
      </span>
    </div>
  );
}

// One packet's journey: its identity and 5-tuple, a waterfall of its hops with the time at each
// node, its verdict chain with the rule text, the drop point with its reason, and its sampling weight.
import { useEffect, useState } from 'react';
import { getPacket } from '../api';
import { formatMicros } from '../format';
import { NODE_LABELS, verdictTone } from '../pipeline';
import { packetsHash } from '../route';
import type { PacketView } from '../types';
import { flow } from './PacketsTab';

/**
 * @param known the packet as the list loaded it (whole, with hops): shown at once, and still shown
 *              when a fast session's history has moved on and the server no longer keeps it
 */
export function PacketDetail({ sessionId, packetId, from, filters, known, onClose }: {
  sessionId: string;
  packetId: string;
  from?: string;
  filters: Record<string, string>;
  known?: PacketView;
  onClose: () => void;
}) {
  const [fetched, setFetched] = useState<PacketView | null>(null);
  const [error, setError] = useState('');
  const have = known?.hops !== undefined;
  useEffect(() => {
    let live = true;
    setFetched(null);
    setError('');
    if (have) return;
    getPacket(sessionId, packetId, from)
      .then((v) => live && setFetched(v))
      .catch((e) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [sessionId, packetId, from, have]);
  const p = have ? known! : fetched;

  return (
    <section className="panel packet-detail" data-testid="packet-detail" data-id={packetId}>
      <div className="panel-head">
        <h2>
          Packet <span className="mono">{packetId}</span>
        </h2>
        {p && <span className={`end-tag end-${p.end}`} data-testid="packet-end">{p.end.replace('_', ' ')}</span>}
        <span className="spacer" />
        <button className="btn ghost" onClick={onClose} title="Close" data-testid="packet-close">
          ✕
        </button>
      </div>
      {error && <div className="callout bad">{error}</div>}
      {!p && !error && <div className="muted">Loading…</div>}
      {p && <Journey p={p} sessionId={sessionId} filters={filters} />}
    </section>
  );
}

function Journey({ p, sessionId, filters }: { p: PacketView; sessionId: string; filters: Record<string, string> }) {
  const hops = p.hops ?? [];
  const total = Math.max(p.duration_us, ...hops.map((h) => h.offset_us + (h.spent_us ?? 0)), 1e-9);
  const slowest = hops.reduce((m, h) => Math.max(m, h.spent_us ?? 0), 0);
  const identity = p.skb ? `skb ${p.skb}` : `nft trace ${p.trace_id}`;
  return (
    <>
      <table className="kv packet-kv">
        <tbody>
          <tr>
            <th>Identity</th>
            <td className="mono">
              {identity}
              {p.journey > 1 && <span className="muted"> · journey {p.journey} (came back in through veth/loopback)</span>}{' '}
              {p.skb && (
                <a href={packetsHash(sessionId, { skb: p.skb, from: filters.from })} className="small" data-testid="packet-skb-journeys">
                  all journeys of this skb
                </a>
              )}
            </td>
          </tr>
          <tr>
            <th>Flow</th>
            <td className="mono">
              {p.proto ?? ''} {flow(p)}
              {p.ifindex !== undefined && <span className="muted"> · ifindex {p.ifindex}</span>}
              {p.netns !== undefined && <span className="muted"> · netns {p.netns}</span>}
              {p.len !== undefined && <span className="muted"> · {p.len} bytes</span>}
            </td>
          </tr>
          <tr>
            <th>Path</th>
            <td>
              <span className={`path-tag g-${p.path}`}>{p.path}</span> · {formatMicros(p.duration_us)} · {p.events} events
              {p.steps_omitted ? <span className="muted"> ({p.steps_omitted} not kept)</span> : null}
              {p.end_probe && <span className="muted"> · ended by {p.end_probe}</span>}
            </td>
          </tr>
          {p.drop && (
            <tr className="drop-point" data-testid="packet-drop">
              <th>Dropped</th>
              <td>
                at <b>{p.drop.label ?? p.drop.node ?? '?'}</b>
                {p.drop.node && <span className="muted mono"> ({p.drop.node})</span>}
                {p.drop.reason ? (
                  <>
                    {' '}
                    — reason <b className="mono">{p.drop.reason}</b>
                  </>
                ) : (
                  <span className="muted"> — no drop reason (a DROP verdict without kfree_skb)</span>
                )}
              </td>
            </tr>
          )}
          <tr>
            <th>Weight</th>
            <td data-testid="packet-weight">
              {p.weight > 1 ? (
                <>
                  stands for <b>{p.weight}</b> packets: the source traced one packet in {p.weight} (counts are scaled estimates)
                </>
              ) : (
                '1 (every packet traced)'
              )}
            </td>
          </tr>
        </tbody>
      </table>

      <h3 className="sub">Hops</h3>
      <div className="waterfall" data-testid="packet-hops">
        {hops.map((h, i) => {
          const left = (h.offset_us / total) * 100;
          const width = h.spent_us === undefined ? 0 : Math.max(0.4, (h.spent_us / total) * 100);
          return (
            <div key={i} className={'wf-row' + (h.spent_us !== undefined && h.spent_us === slowest && hops.length > 1 ? ' slowest' : '')}
              data-testid={`hop-${h.node}`} title={h.functions ? h.functions.join(', ') : h.probe}>
              <span className="wf-node">{h.label || NODE_LABELS[h.node] || h.node}</span>
              <span className="wf-probe mono small">
                {h.probe}
                {h.functions && h.functions.length > 1 && <span className="muted"> +{h.functions.length - 1}</span>}
              </span>
              <span className="wf-track">
                <span className="wf-bar" style={{ left: `${left}%`, width: `${width}%` }} />
                {h.spent_us === undefined && <span className="wf-open" style={{ left: `${left}%` }} title="no end event: time unknown" />}
              </span>
              <span className="wf-val num mono">{h.spent_us === undefined ? '?' : formatMicros(h.spent_us)}</span>
              <span className="wf-off num mono muted">+{formatMicros(h.offset_us)}</span>
            </div>
          );
        })}
      </div>

      {p.verdicts && p.verdicts.length > 0 && (
        <>
          <h3 className="sub">Verdict chain</h3>
          <table className="table small" data-testid="packet-verdicts">
            <thead>
              <tr>
                <th>Node</th>
                <th>Hook</th>
                <th>Verdict</th>
                <th>Rule</th>
              </tr>
            </thead>
            <tbody>
              {p.verdicts.map((v, i) => (
                <tr key={i}>
                  <td>{NODE_LABELS[v.node] ?? v.node}</td>
                  <td className="mono">{v.hook ?? '–'}</td>
                  <td>{v.verdict ? <span className={`badge tone-${verdictTone(v.verdict)}`}>{v.verdict}</span> : '–'}</td>
                  <td className="mono">
                    {v.table ? (
                      <>
                        {v.table}/{v.chain}
                        {v.rule_handle !== undefined ? ` #${v.rule_handle}` : ' (policy)'}
                        {v.rule_text && <div className="rule-text">{v.rule_text}</div>}
                      </>
                    ) : (
                      <span className="muted">{v.probe}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

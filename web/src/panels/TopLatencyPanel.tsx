import { formatCount, formatMicros } from '../format';
import { NODE_LABELS } from '../pipeline';
import { Panel, type PanelProps } from './Panel';
import { slowPacketsHash } from './drill';

/** The nodes with the highest mean latency, with p99 and samples. */
export function TopLatencyPanel({ stats }: PanelProps) {
  const list = stats.top_latency.slice(0, 5);
  const max = Math.max(1e-9, ...list.map((l) => l.p99_us || l.avg_us));
  return (
    <Panel title="Top latency contributors" note="avg · p99" testid="top-latency">
      {list.length === 0 ? (
        <div className="muted">No latency samples yet.</div>
      ) : (
        <ol className="latency-list">
          {list.map((l, i) => (
            <li key={l.node}>
              <a className="drill lat-link" href={slowPacketsHash(stats, l.node)} title="The packets at or above this node's p99"
                data-testid={`top-latency-${l.node}`} />
              <span className="rank">{i + 1}</span>
              <div className="lat-main">
                <div className="lat-name">
                  {l.label || NODE_LABELS[l.node] || l.node}
                  <span className="muted"> · {formatCount(l.samples)} samples</span>
                </div>
                <div className="lat-bar">
                  <span className="fill avg" style={{ width: `${(l.avg_us / max) * 100}%` }} />
                  <span className="fill p99" style={{ width: `${(l.p99_us / max) * 100}%` }} />
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
    </Panel>
  );
}

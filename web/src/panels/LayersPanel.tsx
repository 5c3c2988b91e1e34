import { formatCount, formatMicros } from '../format';
import { Panel, type PanelProps } from './Panel';

const LAYER_LABELS: Record<string, string> = { L2: 'L2 · NIC, driver, GRO, TC', L3: 'L3 · netfilter, conntrack, NAT, routing', L4: 'L4 · TCP/UDP', socket: 'Socket' };

/** Events and mean node latency per layer. */
export function LayersPanel({ stats }: PanelProps) {
  const layers = Object.entries(stats.layers);
  const max = Math.max(1e-9, ...layers.map(([, l]) => l.avg_us));
  return (
    <Panel title="Layers" note="events · mean node latency" testid="layers">
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
    </Panel>
  );
}

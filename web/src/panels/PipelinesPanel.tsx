import { formatCount, formatExact } from '../format';
import { PIPELINE_LABELS } from '../pipeline';
import { Panel, type PanelProps } from './Panel';

const ORDER = ['inbound', 'local_delivery', 'forward', 'outbound'];

/** Started / in flight / completed / dropped per pipeline. */
export function PipelinesPanel({ stats: s }: PanelProps) {
  const pipes = [...s.pipelines].sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
  return (
    <Panel title="Pipeline statistics" note={s.mode !== 'full' ? 'complete in full mode' : undefined}>
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
    </Panel>
  );
}

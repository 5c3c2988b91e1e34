import { formatCount, topEntries } from '../format';
import { Panel, type PanelProps } from './Panel';

/** The session's busiest kernel functions. */
export function TopFunctionsPanel({ stats: s }: PanelProps) {
  const list = topEntries(s.top_functions, 8);
  const max = list[0]?.[1] ?? 1;
  return (
    <Panel
      title="Top functions"
      note={`max ${s.max_functions} kept${s.functions_dropped ? ` · ${formatCount(s.functions_dropped)} events not kept` : ''}`}
      testid="top-functions"
    >
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
    </Panel>
  );
}

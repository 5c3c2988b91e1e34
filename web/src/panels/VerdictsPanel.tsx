import { formatCount, formatPercent, sumValues, topEntries } from '../format';
import { verdictTone } from '../pipeline';
import { Panel, type PanelProps } from './Panel';

/** The session's netfilter and nft verdicts with their shares. */
export function VerdictsPanel({ stats }: PanelProps) {
  const verdicts = stats.total_verdicts;
  const total = sumValues(verdicts);
  const entries = topEntries(verdicts, 12);
  return (
    <Panel title="Netfilter verdicts" note={`${formatCount(total)} total`} testid="verdicts">
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
    </Panel>
  );
}

import { formatCount, topEntries } from '../format';
import { packetsHash } from '../route';
import { Panel, type PanelProps } from './Panel';
import { VerdictBadge } from './VerdictBadge';

/** nftables rules hit (the server sends them busiest first). */
export function RulesPanel({ stats: s }: PanelProps) {
  const rules = s.rules.slice(0, 12);
  return (
    <Panel title="Rules hit" note={`nftables${s.rules_dropped ? ` · ${formatCount(s.rules_dropped)} not aggregated` : ''}`} testid="rules">
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
                  {r.handle === undefined || r.handle < 0 ? (
                    `${r.table} ${r.chain} policy`
                  ) : (
                    <a className="drill" href={packetsHash(s.session_id, { rule_handle: r.handle })} title="The packets this rule gave a verdict"
                      data-testid={`rule-${r.handle}`}>
                      {r.table} {r.chain} #{r.handle}
                    </a>
                  )}
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
    </Panel>
  );
}

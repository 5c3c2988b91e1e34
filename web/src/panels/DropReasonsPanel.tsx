import { formatCount, formatPercent, sumValues, topEntries } from '../format';
import { packetsHash } from '../route';
import { Panel, type PanelProps } from './Panel';

/** The session's drop reasons, with the nodes each was seen at. */
export function DropReasonsPanel({ stats: s }: PanelProps) {
  const where: Record<string, string[]> = {};
  for (const [id, n] of Object.entries(s.nodes)) {
    for (const r of Object.keys(n.drop_reasons)) (where[r] ??= []).push(n.label || id);
  }
  const total = sumValues(s.drop_reasons);
  const list = topEntries(s.drop_reasons, 8);
  return (
    <Panel title="Drop reasons" note={`${formatCount(s.drops)} drops`} testid="drop-reasons">
      {list.length === 0 ? (
        <div className="muted">No drops.</div>
      ) : (
        <table className="table">
          <tbody>
            {list.map(([r, c]) => {
              const at = where[r] ?? [];
              return (
                <tr key={r}>
                  <td className="mono">
                    <a className="drill" href={packetsHash(s.session_id, { drop_reason: r })} title="The packets dropped for this reason"
                      data-testid={`drop-reason-${r}`}>
                      {r}
                    </a>
                  </td>
                  <td className="muted small" title={at.join(', ')}>
                    {at.slice(0, 2).join(', ')}
                    {at.length > 2 ? ` +${at.length - 2}` : ''}
                  </td>
                  <td className="num">{formatCount(c)}</td>
                  <td className="num muted">{formatPercent(c, total)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

import { formatCount } from '../format';
import { NODE_LABELS } from '../pipeline';
import { Panel, type PanelProps } from './Panel';

/** The session's packets by network namespace (live sources): where they were first seen and which nodes each namespace's events reached. */
export function NamespacesPanel({ stats: s }: PanelProps) {
  const list = s.netns ?? [];
  if (list.length === 0) return null;
  const rows = [...list].sort((a, b) => b.packets - a.packets || sumCounts(b) - sumCounts(a));
  return (
    <Panel title="Network namespaces" note={`${rows.length}`} testid="namespaces">
      <table className="table">
        <thead>
          <tr>
            <th>Namespace</th>
            <th className="num">Packets</th>
            <th>Busiest nodes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((n) => (
            <tr key={n.netns} data-testid={`netns-${n.netns}`}>
              <td title={`inode ${n.netns}`}>{n.name ?? (n.netns === -1 ? 'other' : String(n.netns))}</td>
              <td className="num">{formatCount(n.packets)}</td>
              <td className="muted">
                {Object.entries(n.nodes)
                  .sort((a, b) => b[1].count - a[1].count)
                  .slice(0, 4)
                  .map(([id, v]) => `${NODE_LABELS[id] ?? id} ${formatCount(v.count)}`)
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function sumCounts(n: { nodes: Record<string, { count: number }> }): number {
  let t = 0;
  for (const v of Object.values(n.nodes)) t += v.count;
  return t;
}

import { Heatmap } from '../components/Heatmap';
import { go, packetsHash } from '../route';
import { Panel, type PanelProps } from './Panel';

/**
 * Mean latency per node and second over the last 5 minutes; a click on a cell opens the packets
 * that started at that node in that second (relative to the newest event), slowest first to find.
 */
export function HeatmapPanel({ stats, view }: PanelProps) {
  return (
    <Panel title="Latency heatmap" note="mean latency per node and second, last 5 minutes · click a cell for its packets">
      <Heatmap history={view.history} version={view.version} nodes={stats.nodes}
        onCell={(node, ago) => go(packetsHash(stats.session_id, { node, since: `-${ago + 1}s`, until: ago === 0 ? undefined : `-${ago}s` }))} />
    </Panel>
  );
}

import { Heatmap } from '../components/Heatmap';
import { Panel, type PanelProps } from './Panel';

/** Mean latency per node and second over the last 5 minutes. */
export function HeatmapPanel({ stats, view }: PanelProps) {
  return (
    <Panel title="Latency heatmap" note="mean latency per node and second, last 5 minutes">
      <Heatmap history={view.history} version={view.version} nodes={stats.nodes} />
    </Panel>
  );
}

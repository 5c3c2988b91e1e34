import { PipelineGraph } from '../components/PipelineGraph';
import { Panel, type PanelProps } from './Panel';

/** The pipeline flow graph with its legend. */
export function FlowGraphPanel({ stats }: PanelProps) {
  return (
    <Panel title="Packet pipeline flow" className="graph-panel" head={<Legend />}>
      <PipelineGraph stats={stats} />
    </Panel>
  );
}

function Legend() {
  return (
    <div className="legend">
      <span>
        <i className="lg-edge" /> width = packets
      </span>
      <span>
        <i className="lg-active" /> active
      </span>
      <span>
        <i className="lg-unobs" /> not observable
      </span>
    </div>
  );
}

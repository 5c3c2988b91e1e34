import { PipelineGraph } from '../components/PipelineGraph';
import { go } from '../route';
import { Panel, type PanelProps } from './Panel';
import { slowPacketsHash } from './drill';

/** The pipeline flow graph with its legend; a click on a node opens its packets at or above its p99. */
export function FlowGraphPanel({ stats }: PanelProps) {
  return (
    <Panel title="Packet pipeline flow" className="graph-panel" head={<Legend />}>
      <PipelineGraph stats={stats} onNode={(id) => stats.nodes[id] && go(slowPacketsHash(stats, id))} />
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
      <span>
        <i className="lg-na" /> not applicable
      </span>
    </div>
  );
}

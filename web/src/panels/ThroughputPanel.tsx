import { LiveChart } from '../components/LiveChart';
import { Panel, type PanelProps } from './Panel';

/** Packets/s and drops/s over the last 5 minutes. */
export function ThroughputPanel({ view }: PanelProps) {
  return (
    <Panel title="Throughput" note="last 5 minutes">
      <LiveChart history={view.history} version={view.version} />
    </Panel>
  );
}

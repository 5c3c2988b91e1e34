import { alertStore, useAlerts } from '../alertStore';
import { LiveChart } from '../components/LiveChart';
import { Panel, type PanelProps } from './Panel';

/** Packets/s and drops/s over the last 5 minutes, with the session's alerts marked. */
export function ThroughputPanel({ stats, view }: PanelProps) {
  const { markersVersion } = useAlerts();
  const markers = alertStore.markersOf(stats.session_id);
  return (
    <Panel title="Throughput" note="last 5 minutes · alert markers: dashed = fired, green = resolved">
      <LiveChart history={view.history} version={view.version} markers={markers} markersVersion={markersVersion} />
    </Panel>
  );
}

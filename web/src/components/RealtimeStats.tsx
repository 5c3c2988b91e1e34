// The Realtime Stats tab: the dashboard's layout. Each panel is one file in ../panels and takes
// PanelProps ({ stats, view }); to add a panel, write it there and place it in a row below.
import { DropReasonsPanel } from '../panels/DropReasonsPanel';
import { FlowGraphPanel } from '../panels/FlowGraphPanel';
import { HeatmapPanel } from '../panels/HeatmapPanel';
import { HooksPanel } from '../panels/HooksPanel';
import { LayersPanel } from '../panels/LayersPanel';
import { OverviewPanel } from '../panels/OverviewPanel';
import type { PanelProps } from '../panels/Panel';
import { PipelinesPanel } from '../panels/PipelinesPanel';
import { RulesPanel } from '../panels/RulesPanel';
import { SourcePanel } from '../panels/SourcePanel';
import { ThroughputPanel } from '../panels/ThroughputPanel';
import { TopFunctionsPanel } from '../panels/TopFunctionsPanel';
import { TopLatencyPanel } from '../panels/TopLatencyPanel';
import { VerdictsPanel } from '../panels/VerdictsPanel';
import { useSessionStats } from '../useSessionStats';
import { ConnectionStatus } from './ConnectionStatus';

export function RealtimeStats({ sessionId, sessionState }: { sessionId: string; sessionState?: string }) {
  const view = useSessionStats(sessionId);
  return (
    <div className="dashboard" data-testid="dashboard" data-version={view.version}>
      <ConnectionStatus snap={view} sessionState={sessionState} />
      {view.stats ? (
        <Dashboard stats={view.stats} view={view} />
      ) : (
        <div className="empty">
          <div className="empty-title">Waiting for the first stats update…</div>
          <div className="muted">Updates arrive every second while the session runs.</div>
        </div>
      )}
    </div>
  );
}

function Dashboard(p: PanelProps) {
  const nft = p.stats.rules.length > 0;
  return (
    <>
      <OverviewPanel {...p} />
      <div className="row row-2-1">
        <PipelinesPanel {...p} />
        <VerdictsPanel {...p} />
      </div>
      <FlowGraphPanel {...p} />
      <div className="row row-2-1">
        <ThroughputPanel {...p} />
        <TopLatencyPanel {...p} />
      </div>
      <HeatmapPanel {...p} />
      <div className="row row-3">
        <HooksPanel {...p} />
        <DropReasonsPanel {...p} />
        <TopFunctionsPanel {...p} />
      </div>
      {nft ? (
        <div className="row row-2-1">
          <RulesPanel {...p} />
          <SourcePanel {...p} />
        </div>
      ) : (
        <div className="row row-2">
          <SourcePanel {...p} />
          <LayersPanel {...p} />
        </div>
      )}
    </>
  );
}

import { formatCount, formatExact, formatPercent, formatRate, formatUptime } from '../format';
import { Kpi } from './Kpi';
import type { PanelProps } from './Panel';

/** The headline figures: packets, rate, uptime, mode, drops, in flight. */
export function OverviewPanel({ stats: s, view }: PanelProps) {
  const dps = view.history.dropsPerSec.last();
  return (
    <div className="kpis" data-testid="overview">
      <Kpi label="Total packets" value={formatCount(s.total_packets)} raw={s.total_packets} sub={`${formatExact(s.total_packets)} · ${formatCount(s.total_events)} events`} testid="kpi-total-packets" />
      <Kpi label="Packets / s" value={formatCount(s.packets_per_second)} sub="last 1 s window" testid="kpi-pps" />
      <Kpi label="Uptime" value={formatUptime(s.uptime_seconds)} raw={s.uptime_seconds} testid="kpi-uptime" />
      <Kpi label="Mode" value={s.mode.toUpperCase()} sub={`source: ${s.source.kind}`} testid="kpi-mode" />
      <Kpi
        label="Drops"
        value={formatCount(s.drops)}
        sub={`${formatRate(Number.isFinite(dps) ? dps : 0)} · ${formatPercent(s.drops, s.total_packets)}`}
        testid="kpi-drops"
        tone={s.drops > 0 ? 'bad' : undefined}
      />
      <Kpi label="In flight" value={formatCount(s.in_flight_total)} sub={`${formatCount(s.evicted_packets)} evicted · max ${formatCount(s.max_tracked_skbs)}`} testid="kpi-inflight" />
    </div>
  );
}

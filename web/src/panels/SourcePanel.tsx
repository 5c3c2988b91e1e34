import { formatCount, formatMicros } from '../format';
import { Panel, type PanelProps } from './Panel';

/** What the source reports (events, bad lines, lost events, sampling) and the engine's side counters; with rules on screen, also the layers. */
export function SourcePanel({ stats: s }: PanelProps) {
  const src = s.source;
  const withLayers = s.rules.length > 0;
  return (
    <Panel title={withLayers ? 'Source & layers' : 'Source'} note={src.kind} testid="source">
      {src.detail && <div className="muted source-detail">{src.detail}</div>}
      <table className="table">
        <tbody>
          <tr>
            <td>Events</td>
            <td className="num">{formatCount(s.total_events)}</td>
          </tr>
          <tr>
            <td>Bad lines</td>
            <td className={'num' + (src.bad_lines ? ' warn' : '')}>{formatCount(src.bad_lines)}</td>
          </tr>
          <tr>
            <td>Lost events</td>
            <td className={'num' + (src.lost_events ? ' bad' : '')}>{formatCount(src.lost_events)}</td>
          </tr>
          {src.sample_one_in > 1 && (
            <tr title="Under load the kernel traces one packet in N; every count is scaled by N (an estimate)">
              <td>Sampling</td>
              <td className="num warn" data-testid="sampling">1 in {formatCount(src.sample_one_in)}</td>
            </tr>
          )}
          <tr>
            <td>Events read by source</td>
            <td className="num">{formatCount(src.events_read)}</td>
          </tr>
          {s.reordered_events > 0 && (
            <tr>
              <td>Reordered events</td>
              <td className="num warn">{formatCount(s.reordered_events)}</td>
            </tr>
          )}
          {s.untracked_end_events > 0 && (
            <tr>
              <td>End events of untracked packets</td>
              <td className="num">{formatCount(s.untracked_end_events)}</td>
            </tr>
          )}
          <tr>
            <td>Evicted packets</td>
            <td className="num">{formatCount(s.evicted_packets)}</td>
          </tr>
          {withLayers &&
            Object.entries(s.layers).map(([name, l]) => (
              <tr key={name}>
                <td>Layer {name}</td>
                <td className="num">
                  {formatCount(l.count)} <span className="muted">· {formatMicros(l.avg_us)}</span>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </Panel>
  );
}

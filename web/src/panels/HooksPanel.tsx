import { formatCount, sumValues, topEntries } from '../format';
import { HOOK_ORDER } from '../pipeline';
import { Panel, type PanelProps } from './Panel';
import { VerdictBadge } from './VerdictBadge';

/** Events and verdicts per netfilter hook. */
export function HooksPanel({ stats }: PanelProps) {
  const hooks = stats.hooks;
  // The five netfilter hooks always; INGRESS/EGRESS and others only once they have events.
  const names = [...HOOK_ORDER, ...Object.keys(hooks).filter((h) => !HOOK_ORDER.includes(h) && hooks[h].count > 0)];
  return (
    <Panel title="Hook-based flow" testid="hooks">
      <div className="hooks">
        {names.map((h) => {
          const hs = hooks[h];
          const total = sumValues(hs?.verdicts);
          return (
            <div className={'hook-row' + (hs && hs.count ? '' : ' idle')} key={h} data-testid={`hook-${h}`}>
              <span className="hook-name">{h}</span>
              <span className="hook-count">{formatCount(hs?.count ?? 0)}</span>
              <span className="hook-verdicts">
                {topEntries(hs?.verdicts, 3).map(([v, c]) => (
                  <VerdictBadge key={v} verdict={v} count={c} total={total} />
                ))}
              </span>
            </div>
          );
        })}
      </div>
    </Panel>
  );
}

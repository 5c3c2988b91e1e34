import { formatCount, formatExact, formatPercent } from '../format';
import { verdictTone } from '../pipeline';

/** A verdict with its count (and share of {@code total}), coloured by verdict. */
export function VerdictBadge({ verdict, count, total }: { verdict: string; count: number; total?: number }) {
  return (
    <span className={`badge tone-${verdictTone(verdict)}`} title={`${verdict}: ${formatExact(count)}`}>
      {verdict} <b>{formatCount(count)}</b>
      {total ? <i>{formatPercent(count, total)}</i> : null}
    </span>
  );
}

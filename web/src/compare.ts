// Reading a comparison (GET /api/sessions/{a}/compare/{b}) for display: whether each node got worse,
// better or just different, and how to write a metric's change.
import type { NodeChangeMark } from './components/PipelineGraph';
import type { CompareMetric, Comparison, NodeChange } from './types';

/** worse: more drops, slower, a drop reason appeared; better: the opposite; changed: neither (e.g. where packets go). */
export function toneOf(n: NodeChange): NodeChangeMark['tone'] {
  if (!n.significant) return 'same';
  let worse = false;
  let better = false;
  const up = (m: CompareMetric | undefined) => !!m && m.significant && m.b > m.a;
  const down = (m: CompareMetric | undefined) => !!m && m.significant && m.b < m.a;
  if (up(n.drop_rate) || up(n.p50_us) || up(n.p99_us)) worse = true;
  if (down(n.drop_rate) || down(n.p50_us) || down(n.p99_us)) better = true;
  for (const v of n.verdicts) {
    if (!v.significant || v.name !== 'DROP') continue;
    if (v.share_b > v.share_a) worse = true;
    else better = true;
  }
  for (const r of n.drop_reasons) {
    if (!r.significant) continue;
    if (r.share_b > r.share_a) worse = true;
    else better = true;
  }
  if (n.observable_a !== n.observable_b) return 'changed';
  if (worse) return 'worse';
  if (better) return 'better';
  return 'changed';
}

/** Node id → how it changed, for colouring the flow graph. */
export function changeMarks(c: Comparison): Record<string, NodeChangeMark> {
  const out: Record<string, NodeChangeMark> = {};
  for (const n of c.nodes) out[n.id] = { tone: toneOf(n), score: n.score, summary: n.summary };
  return out;
}

/** Whether a significant change of a metric where more is worse (drops, latency) is worse or better. */
export function metricTone(m: CompareMetric | undefined): 'worse' | 'better' | '' {
  if (!m || !m.significant) return '';
  return m.b > m.a ? 'worse' : 'better';
}

/** "+12%" / "−40%" for a relative change; "new" when there was nothing before. */
export function formatChange(m: CompareMetric | undefined): string {
  if (!m) return '';
  if (m.change === undefined || m.change === null) return m.b > 0 ? 'new' : '';
  const p = m.change * 100;
  const r = Math.abs(p) >= 10 ? Math.round(p) : Math.round(p * 10) / 10;
  return `${p >= 0 ? '+' : '−'}${Math.abs(r)}%`;
}

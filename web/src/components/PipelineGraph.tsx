import { Handle, Position, ReactFlow, ReactFlowProvider, useReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { memo, useEffect, useMemo, useRef } from 'react';
import { formatCount, formatExact, formatMicros, formatPercent, formatRate, sumValues, topEntries } from '../format';
import { NODE_DEFS, PIPELINE_EDGES, verdictTone, type NodeDef } from '../pipeline';
import { useTheme } from '../theme';
import type { NodeStats, Stats } from '../types';

const W = 156;
const H = 112;
const STEP_X = 180;
const STEP_Y = 140;

const DEF_BY_ID = new Map(NODE_DEFS.map((d) => [d.id, d]));

interface PNodeData extends Record<string, unknown> {
  def: NodeDef;
  n: NodeStats | undefined;
  hot: boolean;
}

interface LabelData extends Record<string, unknown> {
  text: string;
  align: 'left' | 'right';
}

function hidden(): React.CSSProperties {
  return { opacity: 0, pointerEvents: 'none' };
}

const PipelineNode = memo(function PipelineNode({ data }: NodeProps<Node<PNodeData>>) {
  const { def, n, hot } = data;
  const observable = n?.observable !== false;
  const count = n?.count ?? 0;
  const verdictTotal = sumValues(n?.verdicts);
  const fn = topEntries(n?.top_functions, 1)[0];
  const reason = n?.unobserved_reason ?? 'not observable with this source';
  const title = observable
    ? `${n?.label ?? def.label} (${def.id})\n${formatExact(count)} events, ${formatExact(n?.packets ?? 0)} packets\np50 ${formatMicros(n?.p50_us)} · p90 ${formatMicros(n?.p90_us)} · p99 ${formatMicros(n?.p99_us)} · max ${formatMicros(n?.max_us)}\n` +
      topEntries(n?.top_functions, 5)
        .map(([f, c]) => `${f}: ${formatExact(c)}`)
        .join('\n')
    : `${def.label}: not observable — ${reason}`;
  const cls = ['pnode', `grp-${def.group}`, observable ? '' : 'unobserved', count === 0 && observable ? 'idle' : '', hot ? 'hot' : '', n && n.drops > 0 ? 'has-drops' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={cls} data-testid={`node-${def.id}`} data-observable={observable} title={title} style={{ width: W, height: H }}>
      <Handle type="target" position={Position.Left} id="l" style={hidden()} isConnectable={false} />
      <Handle type="target" position={Position.Top} id="t" style={hidden()} isConnectable={false} />
      <Handle type="target" position={Position.Bottom} id="tb" style={hidden()} isConnectable={false} />
      <Handle type="target" position={Position.Right} id="tr" style={hidden()} isConnectable={false} />
      <Handle type="source" position={Position.Right} id="r" style={hidden()} isConnectable={false} />
      <Handle type="source" position={Position.Bottom} id="b" style={hidden()} isConnectable={false} />
      <Handle type="source" position={Position.Top} id="st" style={hidden()} isConnectable={false} />
      <div className="pnode-head">
        <span className="pnode-label">{n?.label ?? def.label}</span>
        {n && n.drops > 0 && <span className="pnode-drops">▼{formatCount(n.drops)}</span>}
      </div>
      {observable ? (
        <>
          <div className="pnode-count">
            {formatCount(count)}
            <span className="pnode-rate">{formatRate(n?.packets_per_second ?? 0)}</span>
          </div>
          <div className="pnode-metrics">
            <span title="in flight">⧗ {formatCount(n?.in_flight ?? 0)}</span>
            <span title="p50 latency">p50 {formatMicros(n?.p50_us)}</span>
          </div>
          <div className="pnode-fn mono" title={fn ? `${fn[0]}: ${formatExact(fn[1])}` : ''}>
            {fn ? fn[0] : '\u00a0'}
          </div>
          <div className="pnode-verdicts">
            {topEntries(n?.verdicts, 2).map(([v, c]) => (
              <span key={v} className={`mini tone-${verdictTone(v)}`}>
                {v} {formatPercent(c, verdictTotal)}
              </span>
            ))}
            {n && n.errors > 0 && <span className="mini tone-bad">err {formatCount(n.errors)}</span>}
          </div>
        </>
      ) : (
        <div className="pnode-unobs">{reason}</div>
      )}
    </div>
  );
});

function GroupLabel({ data }: NodeProps<Node<LabelData>>) {
  return <div className={`glabel ${data.align}`}>{data.text}</div>;
}

const nodeTypes = { pipeline: PipelineNode, glabel: GroupLabel };

interface Placed {
  def: NodeDef;
  x: number;
  y: number;
}

/** Grid positions: the known pipeline, then any node id the server adds, in the free middle area. */
export function layout(ids: string[]): Map<string, Placed> {
  const placed = new Map<string, Placed>();
  for (const d of NODE_DEFS) placed.set(d.id, { def: d, x: d.col * STEP_X, y: d.row * STEP_Y });
  let slot = 0;
  for (const id of ids) {
    if (placed.has(id)) continue;
    const col = 1 + (slot % 5);
    const row = 1 + Math.floor(slot / 5);
    slot++;
    const def: NodeDef = { id, label: id, col, row: Math.min(row, 3), group: 'other' };
    placed.set(id, { def, x: col * STEP_X, y: Math.min(row, 3) * STEP_Y + (row > 3 ? (row - 3) * 20 : 0) });
  }
  return placed;
}

/** Which handles an edge uses so it is drawn around, not through, the nodes between its ends. */
export function handlesFor(a: NodeDef, b: NodeDef): { sourceHandle: string; targetHandle: string; kind: 'straight' | 'skip' } {
  if (a.row === b.row) {
    if (b.col === a.col + 1) return { sourceHandle: 'r', targetHandle: 'l', kind: 'straight' };
    return a.row === 4 ? { sourceHandle: 'b', targetHandle: 'tb', kind: 'skip' } : { sourceHandle: 'st', targetHandle: 't', kind: 'skip' };
  }
  if (a.col === b.col && b.row > a.row) {
    if (b.row === a.row + 1) return { sourceHandle: 'b', targetHandle: 't', kind: 'straight' };
    return { sourceHandle: 'r', targetHandle: 'tr', kind: 'skip' };
  }
  if (b.row > a.row) return { sourceHandle: 'b', targetHandle: 't', kind: a.row === 0 && b.row === 1 ? 'straight' : 'skip' };
  return { sourceHandle: 'r', targetHandle: 'l', kind: 'skip' };
}

function Graph({ stats }: { stats: Stats }) {
  const theme = useTheme();
  const prevCounts = useRef(new Map<string, number>());
  const ids = useMemo(() => Object.keys(stats.nodes ?? {}), [stats.nodes]);
  const idKey = ids.join(',');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const placed = useMemo(() => layout(ids), [idKey]);

  const hotId = stats.top_latency?.[0]?.node;
  const nodes: Node[] = useMemo(() => {
    const out: Node[] = [];
    for (const [id, p] of placed) {
      out.push({
        id,
        type: 'pipeline',
        position: { x: p.x, y: p.y },
        data: { def: p.def, n: stats.nodes?.[id], hot: id === hotId } satisfies PNodeData,
        draggable: false,
        selectable: false,
      });
    }
    out.push(
      { id: 'lbl-in', type: 'glabel', position: { x: 0, y: -26 }, data: { text: 'Inbound', align: 'left' }, draggable: false, selectable: false },
      { id: 'lbl-out', type: 'glabel', position: { x: 0, y: 4 * STEP_Y - 26 }, data: { text: 'Outbound', align: 'left' }, draggable: false, selectable: false },
      { id: 'lbl-fwd', type: 'glabel', position: { x: 6 * STEP_X, y: 3 * STEP_Y + H + 2 }, data: { text: 'Forward', align: 'left' }, draggable: false, selectable: false },
      { id: 'lbl-loc', type: 'glabel', position: { x: 7 * STEP_X, y: 3 * STEP_Y + H + 2 }, data: { text: 'Local delivery', align: 'left' }, draggable: false, selectable: false },
    );
    return out;
  }, [placed, stats.nodes, hotId]);

  const edges: Edge[] = useMemo(() => {
    const byKey = new Map<string, { from: string; to: string; count: number; avg_us?: number }>();
    for (const [from, to] of PIPELINE_EDGES) byKey.set(`${from}>${to}`, { from, to, count: 0 });
    for (const e of stats.edges ?? []) {
      if (!placed.has(e.from) || !placed.has(e.to) || e.from === e.to) continue;
      byKey.set(`${e.from}>${e.to}`, { from: e.from, to: e.to, count: e.count, avg_us: e.avg_us });
    }
    let max = 1;
    for (const e of byKey.values()) max = Math.max(max, e.count);
    const logMax = Math.log1p(max);
    const prev = prevCounts.current;
    const next = new Map<string, number>();
    const out: Edge[] = [];
    for (const [key, e] of byKey) {
      const a = placed.get(e.from)!.def;
      const b = placed.get(e.to)!.def;
      const h = handlesFor(a, b);
      const active = e.count > (prev.get(key) ?? 0) && prev.size > 0;
      next.set(key, e.count);
      const width = e.count > 0 ? 1.5 + (7 * Math.log1p(e.count)) / logMax : 1;
      // A smoothstep edge; pathOptions is part of its (unexported) edge type.
      const edge: Edge & { pathOptions?: { offset?: number; borderRadius?: number } } = {
        id: key,
        source: e.from,
        target: e.to,
        sourceHandle: h.sourceHandle,
        targetHandle: h.targetHandle,
        // Skips are drawn as brackets above (inbound) or below (outbound) the row they jump over.
        type: 'smoothstep' as const,
        pathOptions: h.kind === 'skip' ? { offset: 10, borderRadius: 6 } : { offset: 14, borderRadius: 6 },
        animated: active,
        className: ['pedge', e.count === 0 ? 'empty' : '', active ? 'active' : '', h.kind === 'skip' ? 'skip' : ''].join(' '),
        style: { strokeWidth: width },
        data: { count: e.count },
        focusable: false,
        selectable: false,
      };
      out.push(edge);
    }
    prevCounts.current = next;
    return out;
  }, [stats.edges, placed]);

  const rf = useReactFlow();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const ro = new ResizeObserver(() => rf.fitView({ padding: 0.03 }));
    ro.observe(box.current);
    return () => ro.disconnect();
  }, [rf]);

  return (
    <div className="graph" ref={box} data-testid="pipeline-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        colorMode={theme}
        fitView
        fitViewOptions={{ padding: 0.03 }}
        minZoom={0.2}
        maxZoom={2}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        zoomOnScroll={false}
        preventScrolling={false}
        panOnDrag
        zoomOnDoubleClick
        proOptions={{ hideAttribution: true }}
      />
    </div>
  );
}

export function PipelineGraph({ stats }: { stats: Stats }) {
  return (
    <ReactFlowProvider>
      <Graph stats={stats} />
    </ReactFlowProvider>
  );
}

export const GRAPH_NODE_SIZE = { W, H };
export { DEF_BY_ID };

import {
  BaseEdge,
  getSmoothStepPath,
  Handle,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Edge,
  type EdgeProps,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import { createContext, memo, useContext, useEffect, useMemo, useRef } from 'react';
import { formatCount, formatExact, formatMicros, formatRate, sumValues, topEntries } from '../format';
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
}

interface EdgeInfo {
  count: number;
  width: number;
  active: boolean;
  skip: boolean;
}

/**
 * The numbers the graph shows, passed by context rather than through React Flow's node and edge
 * arrays: those stay the same objects between updates, so React Flow does no diffing, measuring or
 * re-layout per update and only the node and edge components re-render.
 */
interface GraphStats {
  nodes: Record<string, NodeStats>;
  hotId: string | undefined;
  /** Whether a click on a node does something (the dashboard opens its packets). */
  clickable?: boolean;
  edges: Map<string, EdgeInfo>;
  /** Compare mode: how each node changed (absent: the normal live graph). */
  changes?: Record<string, NodeChangeMark>;
}

/** How a node changed in a comparison, for colouring it. */
export interface NodeChangeMark {
  /** worse (more drops, slower), better, changed (neither: e.g. where packets go), same (within noise). */
  tone: 'worse' | 'better' | 'changed' | 'same';
  /** 0..2: how much it changed (StatsComparison's score). */
  score: number;
  summary: string[];
}

const GraphStatsContext = createContext<GraphStats>({ nodes: {}, hotId: undefined, edges: new Map() });

interface LabelData extends Record<string, unknown> {
  text: string;
  align: 'left' | 'right';
}

/** Whole percent for the small node badges: 97%, 3%, <1%. */
function compactPercent(part: number, total: number): string {
  if (!total) return '';
  const p = (part / total) * 100;
  return p > 0 && p < 1 ? '<1%' : `${Math.round(p)}%`;
}

function hidden(): React.CSSProperties {
  return { opacity: 0, pointerEvents: 'none' };
}

const PipelineNode = memo(function PipelineNode({ data }: NodeProps<Node<PNodeData>>) {
  const { def } = data;
  const ctx = useContext(GraphStatsContext);
  const n: NodeStats | undefined = ctx.nodes[def.id];
  const hot = ctx.hotId === def.id;
  const observable = n?.observable !== false;
  const applicable = n?.applicable !== false;
  const count = n?.count ?? 0;
  const verdictTotal = sumValues(n?.verdicts);
  const fn = topEntries(n?.top_functions, 1)[0];
  const reason = !applicable
    ? (n?.not_applicable_reason ?? 'does not apply to these packets')
    : (n?.unobserved_reason ?? 'not observable with this source');
  const shown = observable && applicable;
  const title = shown
    ? `${n?.label ?? def.label} (${def.id})\n${formatExact(count)} events, ${formatExact(n?.packets ?? 0)} packets\np50 ${formatMicros(n?.p50_us)} · p90 ${formatMicros(n?.p90_us)} · p99 ${formatMicros(n?.p99_us)} · max ${formatMicros(n?.max_us)}\n` +
      topEntries(n?.top_functions, 5)
        .map(([f, c]) => `${f}: ${formatExact(c)}`)
        .join('\n') +
      (ctx.clickable && (n?.samples ?? 0) > 0 ? `\nclick: the packets that spent ≥ p99 here` : '')
    : `${def.label}: ${applicable ? 'not observable' : 'not applicable'} — ${reason}`;
  const change = ctx.changes ? (ctx.changes[def.id] ?? { tone: 'same', score: 0, summary: [] }) : undefined;
  const cls = ['pnode', `grp-${def.group}`, !applicable ? 'notapplicable' : observable ? '' : 'unobserved', count === 0 && shown ? 'idle' : '', hot && !change ? 'hot' : '',
    n && n.drops > 0 && !change ? 'has-drops' : '', change ? `chg chg-${change.tone}` : '']
    .filter(Boolean)
    .join(' ');
  const style: React.CSSProperties & Record<string, string | number> = { width: W, height: H };
  if (change) style['--chg'] = `${Math.round(25 + 37.5 * Math.min(2, change.score))}%`;
  const fullTitle = change && change.summary.length > 0 ? `${title}\n\nChanged:\n${change.summary.join('\n')}` : title;
  return (
    <div className={cls} data-testid={`node-${def.id}`} data-observable={observable} data-applicable={applicable} data-change={change?.tone} title={fullTitle} style={style}>
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
      {shown ? (
        <>
          <div className="pnode-count">
            {formatCount(count)}
            <span className="pnode-rate">{formatRate(n?.packets_per_second ?? 0)}</span>
          </div>
          <div className="pnode-metrics">
            <span title="packets in flight at this node">in-fl {formatCount(n?.in_flight ?? 0)}</span>
            <span title="p50 latency">p50 {formatMicros(n?.p50_us)}</span>
          </div>
          {change ? (
            <div className={`pnode-fn pnode-chg tone-${change.tone}`} title={change.summary.join('\n')}>
              {change.summary[0] ?? 'no significant change'}
            </div>
          ) : (
            <div className="pnode-fn mono" title={fn ? `${fn[0]}: ${formatExact(fn[1])}` : ''}>
              {fn ? fn[0] : '\u00a0'}
            </div>
          )}
          <div className="pnode-verdicts">
            {topEntries(n?.verdicts, 2).map(([v, c]) => (
              <span key={v} className={`mini tone-${verdictTone(v)}`}>
                {v} {compactPercent(c, verdictTotal)}
              </span>
            ))}
            {n && n.errors > 0 && <span className="mini tone-bad">err {formatCount(n.errors)}</span>}
          </div>
        </>
      ) : (
        <div className="pnode-unobs">
          {!applicable && <span className="pnode-na">n/a </span>}
          {reason}
        </div>
      )}
    </div>
  );
});

function GroupLabel({ data }: NodeProps<Node<LabelData>>) {
  return <div className={`glabel ${data.align}`}>{data.text}</div>;
}

function PipeEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition }: EdgeProps) {
  const info = useContext(GraphStatsContext).edges.get(id);
  const [path] = getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 6, offset: info?.skip ? 10 : 14 });
  const cls = ['pedge', !info || info.count === 0 ? 'empty' : '', info?.active ? 'active' : '', info?.skip ? 'skip' : ''].join(' ');
  return <BaseEdge path={path} className={cls} style={{ strokeWidth: info?.width ?? 1 }} />;
}

const nodeTypes = { pipeline: PipelineNode, glabel: GroupLabel };
const edgeTypes = { pipe: PipeEdge };

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

function Graph({ stats, onNode, changes }: { stats: Stats; onNode?: (id: string) => void; changes?: Record<string, NodeChangeMark> }) {
  const theme = useTheme();
  const prevCounts = useRef(new Map<string, number>());
  const ids = useMemo(() => Object.keys(stats.nodes), [stats.nodes]);
  const idKey = ids.join(',');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const placed = useMemo(() => layout(ids), [idKey]);

  const hotId = stats.top_latency?.[0]?.node;
  const clickable = !!onNode;
  const nodes: Node[] = useMemo(() => {
    const out: Node[] = [];
    for (const [id, p] of placed) {
      out.push({
        id,
        type: 'pipeline',
        position: { x: p.x, y: p.y },
        data: { def: p.def } satisfies PNodeData,
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
  }, [placed]);

  const graphStats: GraphStats = useMemo(() => {
    const byKey = new Map<string, { from: string; to: string; count: number }>();
    for (const [from, to] of PIPELINE_EDGES) byKey.set(`${from}>${to}`, { from, to, count: 0 });
    for (const e of stats.edges) {
      if (!placed.has(e.from) || !placed.has(e.to) || e.from === e.to) continue;
      byKey.set(`${e.from}>${e.to}`, { from: e.from, to: e.to, count: e.count });
    }
    let max = 1;
    for (const e of byKey.values()) max = Math.max(max, e.count);
    const logMax = Math.log1p(max);
    const prev = prevCounts.current;
    const next = new Map<string, number>();
    const infos = new Map<string, EdgeInfo>();
    for (const [key, e] of byKey) {
      const h = handlesFor(placed.get(e.from)!.def, placed.get(e.to)!.def);
      // Edges that carried packets since the last update are highlighted (not dash-animated:
      // a constant SVG animation would repaint the graph every frame).
      const active = prev.size > 0 && e.count > (prev.get(key) ?? 0);
      next.set(key, e.count);
      infos.set(key, { count: e.count, width: e.count > 0 ? 1.5 + (7 * Math.log1p(e.count)) / logMax : 1, active, skip: h.kind === 'skip' });
    }
    prevCounts.current = next;
    return { nodes: stats.nodes, hotId, edges: infos, clickable, changes };
  }, [stats.edges, stats.nodes, placed, hotId, clickable, changes]);

  const edgeKey = [...graphStats.edges.keys()].join(',');
  const edges: Edge[] = useMemo(
    () =>
      [...graphStats.edges.keys()].map((key) => {
        const [from, to] = key.split('>');
        const h = handlesFor(placed.get(from)!.def, placed.get(to)!.def);
        return { id: key, source: from, target: to, sourceHandle: h.sourceHandle, targetHandle: h.targetHandle, type: 'pipe', focusable: false, selectable: false };
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [edgeKey, placed],
  );

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
      <GraphStatsContext.Provider value={graphStats}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
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
        onNodeClick={onNode ? (_, n) => { if (!n.id.startsWith('lbl-')) onNode(n.id); } : undefined}
      />
      </GraphStatsContext.Provider>
    </div>
  );
}

/**
 * The pipeline graph of {@code stats}; with {@code changes}, nodes are coloured by how they changed (compare view).
 * @param onNode a click on a pipeline node (its id), e.g. to open the packets behind it
 */
export function PipelineGraph({ stats, onNode, changes }: { stats: Stats; onNode?: (id: string) => void; changes?: Record<string, NodeChangeMark> }) {
  return (
    <ReactFlowProvider>
      <Graph stats={stats} onNode={onNode} changes={changes} />
    </ReactFlowProvider>
  );
}

export const GRAPH_NODE_SIZE = { W, H };
export { DEF_BY_ID };

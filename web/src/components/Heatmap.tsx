import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { formatMicros } from '../format';
import type { History } from '../history';
import { NODE_DEFS, NODE_LABELS } from '../pipeline';
import { useTheme } from '../theme';
import type { NodeStats } from '../types';

const LABEL_W = 150;
const ROW_H = 15;
const AXIS_H = 18;

// A perceptually ordered ramp (viridis-like, ending in warm) so slow cells stand out in both themes.
const STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
  [244, 109, 67],
  [215, 48, 39],
];

export function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return `rgb(${Math.round(a[0] + (b[0] - a[0]) * f)},${Math.round(a[1] + (b[1] - a[1]) * f)},${Math.round(a[2] + (b[2] - a[2]) * f)})`;
}

function themeColors(el: Element): { fg: string; empty: string } {
  const css = getComputedStyle(el);
  return {
    fg: css.getPropertyValue('--fg-muted').trim() || '#888',
    empty: css.getPropertyValue('--heat-empty').trim() || 'rgba(128,128,128,0.08)',
  };
}

/** 256 packed RGBA colours of the ramp (little-endian ABGR words for a Uint32Array over ImageData). */
const LUT: Uint32Array = (() => {
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(rampColor(i / 255))!;
    lut[i] = (255 << 24) | (Number(m[3]) << 16) | (Number(m[2]) << 8) | Number(m[1]);
  }
  return lut;
})();

/** Rows: nodes with latency samples, in pipeline order (unknown ids last). */
function rowsOf(history: History, nodes: Record<string, NodeStats>): string[] {
  const order = new Map(NODE_DEFS.map((d, i) => [d.id, i]));
  return [...history.latency.keys()]
    .filter((id) => (nodes[id]?.samples ?? 0) > 0)
    .sort((a, b) => (order.get(a) ?? 999) - (order.get(b) ?? 999) || a.localeCompare(b));
}

/** @param onCell a click on a cell: its node and how many seconds (updates) ago it is */
export function Heatmap({ history, version, nodes, onCell }: {
  history: History;
  version: number;
  nodes: Record<string, NodeStats>;
  onCell?: (node: string, agoSeconds: number) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [tip, setTip] = useState<{ x: number; y: number; text: string } | null>(null);
  const scale = useRef({ lo: 0, hi: 1 });
  const theme = useTheme();
  const rows = rowsOf(history, nodes);
  // Theme colours read once per theme, not on every redraw.
  const colors = useRef<{ fg: string; empty: string } | null>(null);
  const offscreen = useRef<HTMLCanvasElement | null>(null);
  useLayoutEffect(() => {
    colors.current = null;
  }, [theme]);

  useEffect(() => {
    if (!box.current) return;
    const ro = new ResizeObserver((e) => setWidth(Math.max(300, Math.floor(e[0].contentRect.width))));
    ro.observe(box.current);
    return () => ro.disconnect();
  }, []);

  const height = rows.length * ROW_H + AXIS_H;

  useLayoutEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    // Resizing a canvas re-allocates it and invalidates layout: only when the size really changed.
    if (c.width !== Math.round(width * dpr)) c.width = Math.round(width * dpr);
    if (c.height !== Math.round(height * dpr)) c.height = Math.round(height * dpr);
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const { fg, empty } = colors.current ?? (colors.current = themeColors(c));
    ctx.clearRect(0, 0, width, height);
    const cap = history.capacity;
    const n = history.times.length;
    const cellW = (width - LABEL_W) / cap;
    // Log colour scale over what is on screen: latency spans decades (ns in GRO, ms in a socket).
    let lo = Infinity;
    let hi = -Infinity;
    for (const id of rows) {
      const ring = history.latency.get(id)!;
      for (let i = 0; i < ring.length; i++) {
        const v = ring.at(i);
        if (v > 0) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!Number.isFinite(lo)) {
      lo = 1;
      hi = 10;
    }
    const llo = Math.log10(lo);
    const lhi = Math.max(llo + 0.3, Math.log10(hi));
    scale.current = { lo: llo, hi: lhi };
    ctx.font = '11px ui-sans-serif, system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    // Cells go into an ImageData of one pixel per cell, scaled up in one drawImage: thousands of
    // fillRect calls with parsed colour strings cost several ms per update.
    const img = new ImageData(cap, Math.max(1, rows.length));
    const px = new Uint32Array(img.data.buffer);
    const span = lhi - llo;
    rows.forEach((id, r) => {
      const ring = history.latency.get(id)!;
      const off = cap - ring.length;
      for (let i = 0; i < ring.length; i++) {
        const v = ring.at(i);
        if (!(v > 0)) continue;
        const t = Math.min(1, Math.max(0, (Math.log10(v) - llo) / span));
        px[r * cap + off + i] = LUT[Math.round(t * 255)];
      }
    });
    const off = offscreen.current ?? (offscreen.current = document.createElement('canvas'));
    if (off.width !== cap) off.width = cap;
    if (off.height !== img.height) off.height = img.height;
    off.getContext('2d')!.putImageData(img, 0, 0);
    rows.forEach((id, r) => {
      const y = r * ROW_H;
      ctx.fillStyle = fg;
      ctx.textAlign = 'right';
      ctx.fillText(nodes[id]?.label ?? NODE_LABELS[id] ?? id, LABEL_W - 8, y + ROW_H / 2);
      ctx.fillStyle = empty;
      ctx.fillRect(LABEL_W, y + 1, width - LABEL_W, ROW_H - 2);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(off, 0, r, cap, 1, LABEL_W, y + 1, width - LABEL_W, ROW_H - 2);
    });
    // Time axis: newest at the right edge.
    ctx.fillStyle = fg;
    ctx.textAlign = 'center';
    const yAxis = rows.length * ROW_H + AXIS_H / 2 + 1;
    for (const ago of [300, 240, 180, 120, 60, 0]) {
      if (ago > cap) continue;
      const x = LABEL_W + (cap - ago) * cellW;
      ctx.fillText(ago === 0 ? 'now' : `-${ago / 60}m`, Math.min(width - 14, Math.max(LABEL_W + 10, x)), yAxis);
    }
    void n;
  }, [version, width, height, rows.join(','), theme, history, nodes]);

  /** The cell under the pointer: its node, seconds ago and value, or null. */
  function cellAt(e: React.MouseEvent<HTMLCanvasElement>) {
    const rect = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const r = Math.floor(y / ROW_H);
    if (x < LABEL_W || r < 0 || r >= rows.length) return null;
    const cap = history.capacity;
    const col = Math.floor(((x - LABEL_W) / (width - LABEL_W)) * cap);
    const ring = history.latency.get(rows[r])!;
    const i = col - (cap - ring.length);
    if (i < 0 || i >= ring.length) return null;
    return { x, y, node: rows[r], ago: ring.length - 1 - i, v: ring.at(i) };
  }

  function onMove(e: React.MouseEvent<HTMLCanvasElement>) {
    const c = cellAt(e);
    if (!c) return setTip(null);
    const label = nodes[c.node]?.label ?? c.node;
    setTip({ x: c.x, y: c.y, text: `${label} · ${c.ago === 0 ? 'now' : `${c.ago} s ago`} · ${c.v > 0 ? formatMicros(c.v) : 'no samples'}${onCell && c.v > 0 ? ' · click for packets' : ''}` });
  }

  function onClick(e: React.MouseEvent<HTMLCanvasElement>) {
    const c = cellAt(e);
    if (c && c.v > 0 && onCell) onCell(c.node, c.ago);
  }

  return (
    <div className="heatmap" ref={box} data-testid="heatmap">
      {rows.length === 0 ? (
        <div className="muted">No latency samples yet.</div>
      ) : (
        <>
          <canvas ref={canvas} style={{ width, height, cursor: onCell ? 'pointer' : undefined }} onMouseMove={onMove} onMouseLeave={() => setTip(null)} onClick={onClick} />
          {tip && (
            <div className="heat-tip" style={{ left: Math.min(tip.x + 12, width - 220), top: tip.y + 12 }}>
              {tip.text}
            </div>
          )}
          <div className="heat-legend">
            <span>{formatMicros(10 ** scale.current.lo)}</span>
            <span className="heat-ramp" style={{ background: `linear-gradient(90deg, ${STOPS.map((_, i) => rampColor(i / (STOPS.length - 1))).join(',')})` }} />
            <span>{formatMicros(10 ** scale.current.hi)}</span>
            <span className="muted">log scale · empty = no packet left the node in that second</span>
          </div>
        </>
      )}
    </div>
  );
}

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { AlertMarker } from '../alertStore';
import { useTheme } from '../theme';
import { markersPlugin } from './alertMarkers';
import { axisColours, valueAxis } from './chartAxes';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  colour: string;
  /** Axis: 'left' (default) or 'right'. */
  side?: 'left' | 'right';
}

const HEIGHT = 200;
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#9333ea', '#0d9488', '#ea580c', '#4f46e5'];

export function colourOf(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/**
 * Inserts a null after any point followed by a gap longer than 1.5 steps, so a line does not join
 * samples across the time the session was not running.
 */
export function withGaps(t: number[], series: (number | null)[][], step: number): [number[], (number | null)[][]] {
  const tt: number[] = [];
  const ss: (number | null)[][] = series.map(() => []);
  for (let i = 0; i < t.length; i++) {
    tt.push(t[i]);
    series.forEach((s, k) => ss[k].push(s[i] ?? null));
    if (i + 1 < t.length && t[i + 1] - t[i] > step * 1.5) {
      tt.push(t[i] + step);
      ss.forEach((s) => s.push(null));
    }
  }
  return [tt, ss];
}

/** A time chart of history series (x in epoch seconds) over a fixed range, with alert markers. */
export function HistoryChart({ t, series, step, from, to, format, markers, testid }: {
  t: number[];
  series: ChartSeries[];
  step: number;
  from: number;
  to: number;
  format: (v: number) => string;
  markers: AlertMarker[];
  testid: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  const markersRef = useRef(markers);
  markersRef.current = markers;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const colours = axisColours(el);
    const { fg, grid } = colours;
    const [tt, ss] = withGaps(t, series.map((s) => s.values), step);
    const right = series.some((s) => s.side === 'right');
    const axis = (scale: string, side?: number): uPlot.Axis => valueAxis(colours, scale, format, side, 56);
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: () => [from, to] },
        left: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 0) * 1.1)] },
        right: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 0) * 1.2)] },
      },
      axes: [{ stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }, axis('left'), ...(right ? [axis('right', 1)] : [])],
      series: [{}, ...series.map((s) => ({ label: s.label, scale: s.side === 'right' ? 'right' : 'left', stroke: s.colour, width: 1.5, spanGaps: false }))],
      plugins: [markersPlugin(() => markersRef.current)],
    };
    const u = new uPlot(opts, [tt, ...ss] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height: HEIGHT }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [t, series, step, from, to, format, theme]);

  return (
    <div>
      <div className="chart-legend">
        {series.map((s) => (
          <span key={s.label}>
            <i className="sw" style={{ background: s.colour }} /> {s.label}
          </span>
        ))}
      </div>
      <div className="live-chart" ref={box} data-testid={testid} data-points={t.length} />
    </div>
  );
}

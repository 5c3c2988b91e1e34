// Axes shared by the uPlot charts (live throughput, history): the theme's colours and grid, and
// a value axis on either side.
import type uPlot from 'uplot';

export interface AxisColours {
  fg: string;
  grid: string;
}

/** The theme's axis colours, read from the CSS variables around {@code el}. */
export function axisColours(el: Element): AxisColours {
  const style = getComputedStyle(el);
  return {
    fg: style.getPropertyValue('--fg-muted').trim() || '#888',
    grid: style.getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.15)',
  };
}

/** A value axis on {@code scale}, left (side 3, the default) with grid lines or right (side 1) without. */
export function valueAxis(c: AxisColours, scale: string, format: (v: number) => string, side?: number, size = 52): uPlot.Axis {
  return {
    scale,
    side,
    stroke: c.fg,
    grid: { stroke: c.grid, width: 1, show: side !== 1 },
    ticks: { stroke: c.grid, width: 1 },
    values: (_u, vals) => vals.map((v) => format(v)),
    size,
  };
}

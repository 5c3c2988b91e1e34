import { useEffect, useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatCount } from '../format';
import type { AlertMarker } from '../alertStore';
import type { History } from '../history';
import { useTheme } from '../theme';
import { markersPlugin } from './alertMarkers';
import { axisColours, valueAxis } from './chartAxes';

const HEIGHT = 220;
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

/**
 * Packets/s and drops/s over the bounded history, redrawn in place on each update, with the
 * session's alerts marked where they fired and resolved.
 */
export function LiveChart({ history, version, markers = [], markersVersion = 0 }: {
  history: History;
  version: number;
  markers?: AlertMarker[];
  markersVersion?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useTheme();
  const markerList = useRef(markers);
  markerList.current = markers;

  const data = (): uPlot.AlignedData => [history.times.toArray(), history.pps.toArray(), history.dropsPerSec.toArray()];

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const colours = axisColours(el);
    const { fg, grid } = colours;
    const accent = cssVar(el, '--accent', '#3b82f6');
    const bad = cssVar(el, '--bad', '#ef4444');
    const axis = (scale: string, side?: number): uPlot.Axis => valueAxis(colours, scale, formatCount, side);
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // A fixed 5-minute window, like the heatmap, so the graph does not stretch while history fills.
        x: { time: true, range: (_u, _min, max) => [max - history.capacity, max] }, pps: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] }, dps: { range: (_u, _min, max) => [0, Math.max(1, max * 1.2)] } },
      axes: [
        {
          stroke: fg,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u, vals) => vals.map((v) => CLOCK.format(v * 1000)),
        },
        axis('pps'),
        axis('dps', 1),
      ],
      series: [
        {},
        { label: 'packets/s', scale: 'pps', stroke: accent, width: 2, fill: accent + '22', value: (_u, v) => (v == null ? '–' : formatCount(v)) },
        { label: 'drops/s', scale: 'dps', stroke: bad, width: 1.5, value: (_u, v) => (v == null ? '–' : formatCount(v)) },
      ],
      plugins: [markersPlugin(() => markerList.current)],
    };
    const u = new uPlot(opts, data(), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height: HEIGHT }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [theme, history]);

  useLayoutEffect(() => {
    plot.current?.setData(data());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version]);

  useLayoutEffect(() => {
    plot.current?.redraw(false);
  }, [markersVersion]);

  const pps = history.pps.last();
  const dps = history.dropsPerSec.last();
  return (
    <div>
      <div className="chart-legend">
        <span>
          <i className="sw accent" /> packets/s <b>{Number.isFinite(pps) ? formatCount(pps) : '–'}</b>
        </span>
        <span>
          <i className="sw bad" /> drops/s <b>{Number.isFinite(dps) ? formatCount(dps) : '–'}</b>
        </span>
      </div>
      <div className="live-chart" ref={box} data-testid="live-chart" data-markers={markers.length} />
    </div>
  );
}

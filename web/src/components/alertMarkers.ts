// A uPlot plugin drawing alert markers: a dashed vertical line where an alert fired (its
// severity's colour) and a solid green one where it resolved, with a small flag on top.
import type uPlot from 'uplot';
import type { AlertMarker } from '../alertStore';

const SEVERITY_VAR: Record<string, string> = { critical: '--bad', error: '--bad', warning: '--warn', info: '--info' };

export function markersPlugin(markers: () => AlertMarker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const list = markers();
          if (list.length === 0) return;
          const min = u.scales.x.min ?? -Infinity;
          const max = u.scales.x.max ?? Infinity;
          const style = getComputedStyle(u.root);
          const ctx = u.ctx;
          const { top, height } = u.bbox;
          ctx.save();
          for (const m of list) {
            if (m.t < min || m.t > max) continue;
            const x = Math.round(u.valToPos(m.t, 'x', true));
            const colour = style.getPropertyValue(m.state === 'resolved' ? '--ok' : SEVERITY_VAR[m.severity] ?? '--warn').trim() || '#e11';
            ctx.strokeStyle = colour;
            ctx.fillStyle = colour;
            ctx.lineWidth = Math.max(1, devicePixelRatio);
            ctx.setLineDash(m.state === 'resolved' ? [] : [4 * devicePixelRatio, 3 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.setLineDash([]);
            const f = 5 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x + f * 1.6, top + f * 0.6);
            ctx.lineTo(x, top + f * 1.2);
            ctx.closePath();
            ctx.fill();
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** The markers' titles for a legend line: the latest few, newest first. */
export function markerSummary(list: AlertMarker[], fromSec: number): AlertMarker[] {
  return list.filter((m) => m.t >= fromSec).slice(-4).reverse();
}

// Numbers for people: compact counts (1.2 k), durations from microseconds (3.4 µs, 2.1 ms),
// uptimes (1h 02m) and percentages. Pure functions; every dashboard number goes through here.

const UNITS = ['', ' k', ' M', ' G', ' T'];

/** Compact count: 999 -> "999", 1234 -> "1.2 k", 15_300 -> "15 k", 2_500_000 -> "2.5 M". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1000) {
    // Whole counts stay whole; rates keep one decimal below 10 so "0.5 pkt/s" is not shown as 1.
    if (Number.isInteger(v)) return sign + String(v);
    return sign + (v < 10 ? v.toFixed(1) : String(Math.round(v)));
  }
  let unit = 0;
  while (v >= 999.95 && unit < UNITS.length - 1) {
    v /= 1000;
    unit++;
  }
  const digits = v < 10 ? 1 : 0;
  return sign + v.toFixed(digits).replace(/\.0$/, '') + UNITS[unit];
}

/** Packet rate: like formatCount, with "/s". */
export function formatRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return formatCount(n) + '/s';
}

/** A latency given in microseconds: 0.42 µs, 3.4 µs, 57 µs, 2.1 ms, 1.3 s. */
export function formatMicros(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '–';
  const v = Math.abs(us);
  if (v === 0) return '0 µs';
  if (v < 10) return trim(us.toFixed(v < 1 ? 2 : 1)) + ' µs';
  if (v < 1000) return Math.round(us) + ' µs';
  if (v < 1_000_000) return trim((us / 1000).toFixed(v < 10_000 ? 1 : 0)) + ' ms';
  return trim((us / 1_000_000).toFixed(1)) + ' s';
}

/** Uptime in seconds: 42s, 3m 05s, 1h 02m, 2d 03h. */
export function formatUptime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad(h % 24)}h`;
}

/** part/total as a percentage with sensible precision: 99.5%, 12%, 0.3%, <0.1%. */
export function formatPercent(part: number, total: number): string {
  if (!total || !Number.isFinite(part) || !Number.isFinite(total)) return '–';
  const p = (part / total) * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  if (p < 10 && p !== Math.round(p)) return trim(p.toFixed(1)) + '%';
  if (p > 99.9 && p < 100) return '>99.9%';
  return Math.round(p) + '%';
}

// One formatter for all calls: toLocaleString builds a new Intl formatter every time (slow).
const EXACT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** Exact count with thousands separators for tooltips. */
export function formatExact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return EXACT.format(n);
}

/** Sorted [name, count] entries, largest first, at most `limit`. */
export function topEntries(counts: Record<string, number> | undefined, limit: number): [string, number][] {
  if (!counts) return [];
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit);
}

export function sumValues(counts: Record<string, number> | undefined): number {
  if (!counts) return 0;
  let s = 0;
  for (const k in counts) s += counts[k];
  return s;
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function pad(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

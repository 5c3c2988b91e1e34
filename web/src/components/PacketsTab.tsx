// The Packets tab: the packets behind a session's numbers. A filter bar (the REST filters of
// GET /api/sessions/<id>/packets, kept in the URL so dashboard links and the back button work), a
// virtualized table that stays fast at 10,000 rows, and the detail of the packet opened.
import { useVirtualizer } from '@tanstack/react-virtual';
import { type FormEvent, type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, getPackets, recordingUrl } from '../api';
import { formatCount, formatMicros } from '../format';
import { NODE_DEFS, NODE_LABELS } from '../pipeline';
import { go, packetsHash } from '../route';
import type { PacketPage, PacketView, Session } from '../types';
import { PacketDetail } from './PacketDetail';

/** Rows the table loads at most (pages of 1,000). */
export const MAX_ROWS = 10_000;
const PAGE = 1000;
const ROW_H = 28;

interface FieldDef {
  key: string;
  label: string;
  placeholder?: string;
  options?: string[];
  width?: number;
}

/** The filter bar's fields, in order; the first line is shown, the rest behind "More filters". */
const MAIN_FIELDS: FieldDef[] = [
  { key: 'node', label: 'Node', options: ['', ...NODE_DEFS.map((d) => d.id), 'other'] },
  { key: 'min_latency_us', label: 'Min µs', placeholder: 'at node / total', width: 90 },
  { key: 'max_latency_us', label: 'Max µs', width: 80 },
  { key: 'end', label: 'End', options: ['', 'completed', 'dropped', 'expired', 'evicted', 'in_flight'] },
  { key: 'drop_reason', label: 'Drop reason', placeholder: 'NO_SOCKET', width: 140 },
  { key: 'path', label: 'Path', options: ['', 'inbound', 'local', 'forward', 'outbound'] },
  { key: 'proto', label: 'Proto', placeholder: 'tcp', width: 70 },
  { key: 'host', label: 'Host', placeholder: '10.0.0.0/8', width: 130 },
  { key: 'port', label: 'Port', width: 70 },
];
const MORE_FIELDS: FieldDef[] = [
  { key: 'src', label: 'Src', placeholder: 'CIDR', width: 130 },
  { key: 'dst', label: 'Dst', placeholder: 'CIDR', width: 130 },
  { key: 'sport', label: 'Sport', width: 70 },
  { key: 'dport', label: 'Dport', width: 70 },
  { key: 'verdict', label: 'Verdict', options: ['', 'ACCEPT', 'DROP', 'STOLEN', 'QUEUE', 'REPEAT', 'STOP', 'CONTINUE', 'RETURN', 'JUMP', 'GOTO', 'BREAK'] },
  { key: 'rule_handle', label: 'Rule handle', width: 80 },
  { key: 'ifindex', label: 'Ifindex', width: 70 },
  { key: 'netns', label: 'Netns', width: 110 },
  { key: 'since', label: 'Since', placeholder: '-30s, +2s, ns', width: 100 },
  { key: 'until', label: 'Until', placeholder: '-10s', width: 90 },
  { key: 'skb', label: 'Skb', placeholder: '0xffff…', width: 150 },
  { key: 'from', label: 'From', options: ['', 'live', 'recording'] },
];
const ALL_KEYS = [...MAIN_FIELDS, ...MORE_FIELDS].map((f) => f.key);

export function PacketsTab({ sessionId, session, packetId, filters }: {
  sessionId: string;
  session: Session | null;
  packetId?: string;
  filters: Record<string, string>;
}) {
  const key = JSON.stringify(filters);
  const [rows, setRows] = useState<PacketView[]>([]);
  const [page, setPage] = useState<PacketPage | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    // whole journeys: a fast session's history moves on within seconds, the rows must still open
    getPackets(sessionId, filters, undefined, PAGE, true)
      .then((p) => {
        if (!live) return;
        setPage(p);
        setRows(p.packets);
      })
      .catch((e) => live && (setError(e instanceof ApiError ? e : new ApiError(String(e), 0)), setRows([]), setPage(null)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sessionId, key, reload]);

  async function more() {
    if (!page?.next_cursor) return;
    setLoading(true);
    try {
      const p = await getPackets(sessionId, filters, page.next_cursor, Math.min(PAGE, MAX_ROWS - rows.length), true);
      setPage(p);
      setRows((r) => [...r, ...p.packets]);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(String(e), 0));
    } finally {
      setLoading(false);
    }
  }

  const open = (id: string) => go(packetsHash(sessionId, filters, id));
  const running = session?.state === 'running';
  return (
    <div className="packets" data-testid="packets-tab">
      <FilterBar sessionId={sessionId} filters={filters} error={error} />
      <div className={'packets-body' + (packetId ? ' with-detail' : '')}>
        <section className="panel packets-list">
          <div className="panel-head">
            <h2>Packets</h2>
            <span className="muted" data-testid="packets-summary">
              {page
                ? `${formatCount(rows.length)} of ${formatCount(page.matched)} matching · ${formatCount(page.kept)} kept (${page.from === 'live' ? 'last finished packets and exemplars' : 'recording'})`
                : loading
                  ? 'Loading…'
                  : ''}
            </span>
            <span className="spacer" />
            <button className="btn ghost" onClick={() => setReload((n) => n + 1)} title={running ? 'Newer packets finish all the time: load the newest' : 'Reload'}>
              ↻ Newest
            </button>
          </div>
          {error && !fieldOf(error.message) && <div className="callout bad" data-testid="packets-error">{error.message}</div>}
          <PacketTable rows={rows} selected={packetId} nodeLatency={!!filters.node} compact={!!packetId} onOpen={open} />
          {page?.next_cursor && rows.length < MAX_ROWS && (
            <div className="packets-more">
              <button className="btn" onClick={more} disabled={loading} data-testid="packets-more">
                Load {formatCount(Math.min(PAGE, MAX_ROWS - rows.length))} older
              </button>
            </div>
          )}
          {session?.has_recording && <CommandLine sessionId={sessionId} filters={filters} />}
          {!loading && page && rows.length === 0 && (
            <div className="muted packets-empty" data-testid="packets-empty">
              No kept packet matches.{' '}
              {page.from === 'live' ? 'The session keeps its last finished packets and exemplars; try from: recording for older ones.' : ''}
            </div>
          )}
        </section>
        {packetId && (
          <PacketDetail sessionId={sessionId} packetId={packetId} from={filters.from} filters={filters}
            known={rows.find((r) => r.id === packetId)} onClose={() => go(packetsHash(sessionId, filters))} />
        )}
      </div>
    </div>
  );
}

function FilterBar({ sessionId, filters, error }: { sessionId: string; filters: Record<string, string>; error: ApiError | null }) {
  const [values, setValues] = useState<Record<string, string>>(filters);
  const [more, setMore] = useState(() => MORE_FIELDS.some((f) => filters[f.key]));
  useEffect(() => setValues(filters), [filters]);
  const badField = fieldOf(error?.message);
  function apply(e: FormEvent) {
    e.preventDefault();
    const clean: Record<string, string> = {};
    for (const k of ALL_KEYS) if (values[k]?.trim()) clean[k] = values[k].trim();
    go(packetsHash(sessionId, clean));
  }
  const field = (f: FieldDef) => (
    <label key={f.key} className={'pf' + (badField === f.key ? ' bad' : '')}>
      <span>{f.label}</span>
      {f.options ? (
        <select name={f.key} value={values[f.key] ?? ''} onChange={(e) => setValues({ ...values, [f.key]: e.target.value })} data-testid={`pf-${f.key}`}>
          {f.options.map((o) => (
            <option key={o} value={o}>
              {o === '' ? 'any' : f.key === 'node' ? `${NODE_LABELS[o] ?? o} (${o})` : o}
            </option>
          ))}
        </select>
      ) : (
        <input name={f.key} value={values[f.key] ?? ''} placeholder={f.placeholder} style={f.width ? { width: f.width } : undefined}
          onChange={(e) => setValues({ ...values, [f.key]: e.target.value })} data-testid={`pf-${f.key}`} />
      )}
    </label>
  );
  return (
    <form className="panel packet-filters" onSubmit={apply} data-testid="packet-filters">
      <div className="pf-row">
        {MAIN_FIELDS.map(field)}
        <div className="pf-actions">
          <button type="submit" className="btn primary" data-testid="pf-apply">Filter</button>
          <button type="button" className="btn ghost" onClick={() => go(packetsHash(sessionId, {}))} data-testid="pf-clear">Clear</button>
          <button type="button" className="btn link" onClick={() => setMore(!more)}>{more ? 'Fewer filters' : 'More filters'}</button>
        </div>
      </div>
      {more && <div className="pf-row">{MORE_FIELDS.map(field)}</div>}
      {error && badField ? <div className="callout bad" data-testid="packets-error">{error.message}</div> : null}
    </form>
  );
}

/**
 * The same question as `./skbscope packets` over the session's recording (downloaded under the name
 * the server gives it): each filter is the command's option of the same name.
 */
export function packetsCommand(sessionId: string, filters: Record<string, string>): string {
  const args = Object.entries(filters)
    .filter(([k, v]) => k !== 'from' && v !== '')
    .map(([k, v]) => `--${k.replace(/_/g, '-')} ${shellWord(v)}`);
  return ['./skbscope packets', shellWord(`${sessionId}.jsonl.gz`), ...args].join(' ');
}

/** A word as the shell reads it back unchanged (quoted when it has anything but safe characters). */
function shellWord(v: string): string {
  return /^[\w.:/+@%,=-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function CommandLine({ sessionId, filters }: { sessionId: string; filters: Record<string, string> }) {
  return (
    <div className="packets-cli muted small">
      The same question of the recording (<a href={recordingUrl(sessionId)} download data-testid="packets-recording">download it</a>):{' '}
      <code className="mono" data-testid="packets-cli">{packetsCommand(sessionId, filters)}</code>
    </div>
  );
}

/** The parameter a server message names ("sport: must be ..."). */
function fieldOf(message?: string): string | undefined {
  const m = message ? /^([a-z_]+):/.exec(message) : null;
  return m && ALL_KEYS.includes(m[1]) ? m[1] : undefined;
}

interface Column {
  head: string;
  width: string;
  num?: boolean;
  /** Left out while a packet is open beside the table. */
  wide?: boolean;
  cell(p: PacketView, newest: number): ReactNode;
}

const COLUMNS: Column[] = [
  { head: 'ID', width: '68px', cell: (p) => <span className="mono">{p.id}</span> },
  { head: 'Start', width: '80px', num: true, cell: (p, newest) => <span className="mono" title={`${p.start_ns} ns (before the newest packet listed)`}>{formatAge(newest - p.start_ns)}</span> },
  { head: 'Duration', width: '76px', num: true, cell: (p) => formatMicros(p.duration_us) },
  { head: 'Path', width: '74px', wide: true, cell: (p) => <span className={`path-tag g-${p.path}`}>{p.path}</span> },
  { head: 'End', width: '82px', cell: (p) => <span className={`end-tag end-${p.end}`}>{p.end.replace('_', ' ')}</span> },
  {
    head: 'Drop',
    width: 'minmax(120px, 1.1fr)',
    cell: (p) => (
      <span className="mono small" title={p.drop ? `${p.drop.label ?? p.drop.node} ${p.drop.reason ?? ''}` : ''}>
        {p.drop ? `${p.drop.reason ?? '?'} @ ${p.drop.node ?? '?'}` : ''}
      </span>
    ),
  },
  { head: 'Proto', width: '52px', wide: true, cell: (p) => p.proto ?? '' },
  { head: 'Source → destination', width: 'minmax(150px, 2fr)', cell: (p) => <span className="mono small">{flow(p)}</span> },
  { head: 'Hops', width: '44px', num: true, wide: true, cell: (p) => p.nodes.length },
];
const NODE_COLUMN: Column = {
  head: 'At node',
  width: '72px',
  num: true,
  cell: (p) => (p.node_latency_us === undefined ? '–' : formatMicros(p.node_latency_us)),
};

/** The packets as a virtualized grid: only the rows in view are in the DOM. */
function PacketTable({ rows, selected, nodeLatency, compact, onOpen }: {
  rows: PacketView[];
  selected?: string;
  nodeLatency: boolean;
  compact: boolean;
  onOpen: (id: string) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 12 });
  const newest = useMemo(() => rows.reduce((m, r) => Math.max(m, r.end_ns), 0), [rows]);
  const cols = [...COLUMNS.filter((c) => !(compact && c.wide)), ...(nodeLatency ? [NODE_COLUMN] : [])];
  const template = cols.map((c) => c.width).join(' ');
  return (
    <div className="ptable" role="table" aria-rowcount={rows.length} data-testid="packets-table" data-rows={rows.length}>
      <div className="ptr ptable-head" role="row" style={{ gridTemplateColumns: template }}>
        {cols.map((c) => (
          <span key={c.head} className={c.num ? 'num' : undefined}>{c.head}</span>
        ))}
      </div>
      <div className="ptable-scroll" ref={scroller}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const p = rows[v.index];
            return (
              <div key={p.id} role="row" className={'ptr' + (p.id === selected ? ' selected' : '') + (p.end === 'dropped' ? ' dropped' : '')}
                style={{ gridTemplateColumns: template, transform: `translateY(${v.start}px)`, height: ROW_H }}
                onClick={() => onOpen(p.id)} data-testid="packet-row" data-id={p.id}>
                {cols.map((c) => (
                  <span key={c.head} className={c.num ? 'num' : undefined}>{c.cell(p, newest)}</span>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

export function flow(p: PacketView): string {
  if (!p.src && !p.dst) return '–';
  const ep = (a?: string, port?: number) => (a ? (a.includes(':') && port !== undefined ? `[${a}]` : a) : '?') + (port !== undefined ? `:${port}` : '');
  return `${ep(p.src, p.sport)} → ${ep(p.dst, p.dport)}`;
}

/** A time before the newest packet: -1.234 ms, -2.50 s. */
function formatAge(ns: number): string {
  if (ns <= 0) return '0';
  if (ns < 1e6) return `-${(ns / 1e3).toFixed(0)} µs`;
  if (ns < 1e9) return `-${(ns / 1e6).toFixed(1)} ms`;
  return `-${(ns / 1e9).toFixed(2)} s`;
}

import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, createSession, type CreateSessionRequest } from '../api';
import type { Capabilities, Session } from '../types';

const MODES = [
  { id: 'full', label: 'Full', hint: 'Whole pipeline: nodes, latency, flow (recommended)' },
  { id: 'nft', label: 'nft', hint: 'nftables trace: verdicts, hooks and rule hits' },
  { id: 'multifunction', label: 'Multifunction', hint: 'Aggregate per-function stats, less detail' },
];

const SOURCES = [
  { id: 'live', label: 'Live' },
  { id: 'replay', label: 'Recording' },
  { id: 'synthetic', label: 'Synthetic' },
];

const FILTER_FIELDS: { name: string; label: string; placeholder: string; numeric?: boolean }[] = [
  { name: 'src', label: 'Source addr', placeholder: '10.0.0.0/8' },
  { name: 'dst', label: 'Dest addr', placeholder: '192.0.2.1' },
  { name: 'host', label: 'Host (either)', placeholder: '198.18.0.2' },
  { name: 'sport', label: 'Src port', placeholder: 'any', numeric: true },
  { name: 'dport', label: 'Dst port', placeholder: 'any', numeric: true },
  { name: 'port', label: 'Port (either)', placeholder: 'any', numeric: true },
  { name: 'ifindex', label: 'ifindex', placeholder: 'any', numeric: true },
  { name: 'netns', label: 'netns inode', placeholder: 'any', numeric: true },
];

type Values = Record<string, string>;

const INITIAL: Values = {
  mode: 'full',
  kind: 'synthetic',
  max_functions: '30',
  max_tracked_skbs: '10000',
  idle_timeout_ms: '',
  packet_history: '10000',
  path: '',
  speed: '1',
  rate: '1000',
  seed: '42',
  drop_share: '0.02',
  protocol: '',
  record: '',
};

/** A number when the text is one, else the text itself, so the server's validation names the field. */
function numOrText(v: string): string | number {
  const t = v.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

export function buildRequest(v: Values): CreateSessionRequest {
  const filter: Record<string, string | number> = {};
  if (v.protocol) filter.protocol = v.protocol;
  for (const f of FILTER_FIELDS) {
    const t = (v[f.name] ?? '').trim();
    if (t !== '') filter[f.name] = f.numeric ? numOrText(t) : t;
  }
  let source: Record<string, string | number>;
  if (v.kind === 'replay') source = { kind: 'replay', path: v.path.trim(), speed: numOrText(v.speed) };
  else if (v.kind === 'synthetic')
    source = { kind: 'synthetic', rate: numOrText(v.rate), seed: numOrText(v.seed), drop_share: numOrText(v.drop_share) };
  else source = { kind: 'live' };
  const req: CreateSessionRequest = { mode: v.mode, max_functions: numOrText(v.max_functions) as number, filter, source };
  if (v.max_tracked_skbs.trim() !== '') req.max_tracked_skbs = numOrText(v.max_tracked_skbs) as number;
  if ((v.idle_timeout_ms ?? '').trim() !== '') req.idle_timeout_ms = numOrText(v.idle_timeout_ms) as number;
  if ((v.packet_history ?? '').trim() !== '') req.packet_history = numOrText(v.packet_history) as number;
  if (v.record === 'true') req.record = true;
  return req;
}

export function SessionForm({ caps, onCreated }: { caps: Capabilities; onCreated: (s: Session) => void }) {
  const [v, setV] = useState<Values>(INITIAL);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [showFilter, setShowFilter] = useState(false);
  const set = (name: string) => (e: { target: { value: string } }) => setV((o) => ({ ...o, [name]: e.target.value }));
  const liveUnavailable = caps.live && caps.live.available === false;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setGeneral('');
    try {
      const s = await createSession(buildRequest(v));
      onCreated(s);
    } catch (err) {
      if (err instanceof ApiError && err.field) {
        const field = err.field.replace(/^(filter|source)\./, '');
        setErrors({ [field]: err.message });
        if (FILTER_FIELDS.some((f) => f.name === field) || field === 'protocol') setShowFilter(true);
      } else {
        setGeneral(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  }

  const field = (name: string, label: string, input: ReactNode, hint?: string) => (
    <label className={'field' + (errors[name] ? ' has-error' : '')}>
      <span className="field-label">{label}</span>
      {input}
      {errors[name] ? (
        <span className="field-error" data-testid={`error-${name}`} role="alert">
          {errors[name]}
        </span>
      ) : (
        hint && <span className="field-hint">{hint}</span>
      )}
    </label>
  );
  const text = (name: string, placeholder = '', type = 'text') => (
    <input name={name} type={type} value={v[name] ?? ''} placeholder={placeholder} onChange={set(name)} aria-invalid={!!errors[name]} />
  );

  return (
    <form className="panel session-form" onSubmit={submit} data-testid="session-form" noValidate>
      <div className="panel-head">
        <h2>New trace</h2>
      </div>
      <div className="form-body">
        <div className={'field' + (errors.mode ? ' has-error' : '')}>
          <span className="field-label">Mode</span>
          <div className="mode-options">
            {MODES.map((m) => (
              <label key={m.id} className={'mode-option' + (v.mode === m.id ? ' selected' : '')} data-testid={`mode-${m.id}`}>
                <input type="radio" name="mode" value={m.id} checked={v.mode === m.id} onChange={set('mode')} />
                <span className="mode-name">
                  {m.label}
                  {m.id === 'full' && <span className="tag">recommended</span>}
                </span>
                <span className="mode-hint">{m.hint}</span>
              </label>
            ))}
          </div>
          {errors.mode && (
            <span className="field-error" data-testid="error-mode" role="alert">
              {errors.mode}
            </span>
          )}
        </div>

        <div className={'field' + (errors.kind ? ' has-error' : '')}>
          <span className="field-label">Source</span>
          <div className="segmented" role="radiogroup">
            {SOURCES.map((s) => (
              <label key={s.id} className={v.kind === s.id ? 'selected' : ''} data-testid={`source-${s.id}`}>
                <input type="radio" name="kind" value={s.id} checked={v.kind === s.id} onChange={set('kind')} />
                {s.label}
              </label>
            ))}
          </div>
          {errors.kind && (
            <span className="field-error" data-testid="error-kind" role="alert">
              {errors.kind}
            </span>
          )}
        </div>

        {v.kind === 'live' && (
          <div className={'callout ' + (liveUnavailable ? 'warn' : 'info')} data-testid="live-capability">
            {liveUnavailable
              ? `Live tracing is not available here: ${caps.live?.reason ?? 'unknown reason'}`
              : 'Traces this host’s kernel with eBPF (needs root).'}
          </div>
        )}
        {v.kind === 'replay' && (
          <div className="grid-2">
            {field('path', 'Recording path', text('path', '/var/lib/skbscope/trace.jsonl.gz'), '.jsonl / .jsonl.gz on the server')}
            {field('speed', 'Speed', text('speed', '1'), '0 = as fast as possible')}
          </div>
        )}
        {v.kind === 'synthetic' && (
          <div className="grid-3">
            {field('rate', 'Rate (pkt/s)', text('rate', '1000'))}
            {field('seed', 'Seed', text('seed', '42'))}
            {field('drop_share', 'Drop share', text('drop_share', '0.02'), '0 – 1')}
          </div>
        )}

        <div className="grid-3">
          {field('max_functions', 'Max functions', text('max_functions', '30'), 'Distinct functions kept')}
          {field('max_tracked_skbs', 'Max tracked skbs', text('max_tracked_skbs', '10000'))}
          {field('idle_timeout_ms', 'Idle timeout (ms)', text('idle_timeout_ms', '1000'), 'Packets whose end never comes expire')}
        </div>
        <div className="grid-2">
          {field('packet_history', 'Packets kept', text('packet_history', '10000'), 'Last finished packets for the Packets tab (0: none)')}
        </div>

        <label className="check" data-testid="record">
          <input type="checkbox" checked={v.record === 'true'} onChange={(e) => setV((o) => ({ ...o, record: e.target.checked ? 'true' : '' }))} />
          Record events to a replayable file (.jsonl.gz)
        </label>
        {errors.record && <span className="field-error">{errors.record}</span>}

        <button type="button" className="disclosure" onClick={() => setShowFilter((s) => !s)} aria-expanded={showFilter} data-testid="filter-toggle">
          {showFilter ? '▾' : '▸'} Filter
        </button>
        {showFilter && (
          <div className="grid-3 filter-grid">
            {field(
              'protocol',
              'Protocol',
              <select name="protocol" value={v.protocol} onChange={set('protocol')}>
                <option value="">any</option>
                <option value="tcp">tcp</option>
                <option value="udp">udp</option>
                <option value="icmp">icmp</option>
                <option value="icmpv6">icmpv6</option>
              </select>,
            )}
            {FILTER_FIELDS.map((f) => (
              <span key={f.name}>{field(f.name, f.label, text(f.name, f.placeholder))}</span>
            ))}
          </div>
        )}

        {general && (
          <div className="callout bad" role="alert" data-testid="form-error">
            {general}
          </div>
        )}
        <button type="submit" className="btn primary wide" disabled={busy} data-testid="start-trace">
          {busy ? 'Starting…' : '▶ Start trace'}
        </button>
      </div>
    </form>
  );
}

import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api';
import { deleteRule, getRules, updateRule, type AlertRule, type Severity } from '../alertsApi';
import { formatDuration } from './alertFormat';

const SEVERITIES: Severity[] = ['info', 'warning', 'error', 'critical'];

interface Draft {
  threshold: string;
  for: string;
  severity: Severity;
}

const draftOf = (r: AlertRule): Draft => ({ threshold: String(r.threshold), for: String(r.for), severity: r.severity });

/**
 * The alert rules, global or of one session: each rule's condition, and its threshold, `for`
 * and severity editable, enabled or disabled with a click. A session's change makes its own copy
 * of a global rule; "Use global" drops that copy.
 */
export function RulesEditor({ session }: { session?: string }) {
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [loadError, setLoadError] = useState('');

  const load = useCallback(async () => {
    try {
      const r = await getRules(session);
      setRules(r);
      setDrafts(Object.fromEntries(r.map((x) => [x.name, draftOf(x)])));
      setLoadError('');
    } catch (e) {
      setLoadError(e instanceof Error ? e.message : String(e));
    }
  }, [session]);
  useEffect(() => {
    void load();
  }, [load]);

  async function save(rule: AlertRule, changes: Partial<AlertRule> | null) {
    const d = drafts[rule.name];
    let body: Partial<AlertRule> | Record<string, unknown> = changes ?? {};
    if (!changes) {
      const threshold = Number(d.threshold);
      const forValue = /^\d+(\.\d+)?$/.test(d.for.trim()) ? Number(d.for) : d.for.trim();
      body = { threshold: Number.isFinite(threshold) && d.threshold.trim() !== '' ? threshold : d.threshold, for: forValue, severity: d.severity };
    }
    try {
      await updateRule(rule.name, body as Partial<AlertRule>, session);
      setErrors((e) => ({ ...e, [rule.name]: '' }));
      await load();
    } catch (e) {
      const msg = e instanceof ApiError ? e.message : String(e);
      setErrors((x) => ({ ...x, [rule.name]: msg }));
    }
  }

  async function useGlobal(rule: AlertRule) {
    try {
      await deleteRule(rule.name, session);
      await load();
    } catch (e) {
      setErrors((x) => ({ ...x, [rule.name]: e instanceof Error ? e.message : String(e) }));
    }
  }

  if (loadError) return <div className="callout bad">{loadError}</div>;
  if (!rules) return <div className="muted">Loading rules…</div>;
  return (
    <table className="table rules-table" data-testid="rules-editor">
      <thead>
        <tr>
          <th>On</th>
          <th>Rule</th>
          <th>Condition</th>
          <th>Threshold</th>
          <th>For (s)</th>
          <th>Severity</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {rules.map((r) => {
          const d = drafts[r.name] ?? draftOf(r);
          const dirty = d.threshold !== String(r.threshold) || d.for !== String(r.for) || d.severity !== r.severity;
          const err = errors[r.name];
          const field = err ? /^([a-z_]+):/.exec(err)?.[1] : undefined;
          const set = (p: Partial<Draft>) => setDrafts((x) => ({ ...x, [r.name]: { ...d, ...p } }));
          return (
            <tr key={r.name} className={r.enabled ? '' : 'disabled'} data-testid="rule-row" data-rule={r.name}>
              <td>
                <input
                  type="checkbox"
                  checked={r.enabled}
                  title={r.enabled ? 'Disable this rule' : 'Enable this rule'}
                  data-testid="rule-enabled"
                  onChange={() => save(r, { enabled: !r.enabled })}
                />
              </td>
              <td>
                <div>
                  <b>{r.title}</b> {r.origin === 'session' && <span className="tag">this session</span>}
                </div>
                <div className="mono small muted">{r.name}</div>
                {err && <div className="field-error" data-testid="rule-error">{err}</div>}
              </td>
              <td className="mono small">
                {r.condition}
                {r.unit ? ` ${r.unit}` : ''}
                {r.keep_firing_for > 0 && <div className="muted">keeps firing {formatDuration(r.keep_firing_for)}</div>}
              </td>
              <td>
                <input
                  className={'num-input' + (field === 'threshold' ? ' invalid' : '')}
                  value={d.threshold}
                  onChange={(e) => set({ threshold: e.target.value })}
                  data-testid="rule-threshold"
                  aria-label={`${r.title} threshold`}
                />
              </td>
              <td>
                <input
                  className={'num-input' + (field === 'for' ? ' invalid' : '')}
                  value={d.for}
                  onChange={(e) => set({ for: e.target.value })}
                  data-testid="rule-for"
                  aria-label={`${r.title} for`}
                  title="Seconds (or a duration such as 1m30s) the condition must hold before the alert fires"
                />
              </td>
              <td>
                <select value={d.severity} onChange={(e) => set({ severity: e.target.value as Severity })} data-testid="rule-severity">
                  {SEVERITIES.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </td>
              <td className="rule-actions">
                <button className="btn primary" disabled={!dirty} onClick={() => save(r, null)} data-testid="rule-save">
                  Save
                </button>
                {session && r.origin === 'session' && (
                  <button className="btn link" onClick={() => useGlobal(r)} title="Drop this session's copy of the rule">
                    Use global
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** One headline figure of the overview row. */
export function Kpi({ label, value, raw, sub, testid, tone }: { label: string; value: string; raw?: number; sub?: string; testid: string; tone?: string }) {
  return (
    <div className={'kpi' + (tone ? ' ' + tone : '')}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={testid} data-value={raw}>
        {value}
      </div>
      {sub && <div className="kpi-sub">{sub}</div>}
    </div>
  );
}

import type { ReactNode } from 'react';
import type { StoreSnapshot } from '../statsStore';
import type { Stats } from '../types';

/**
 * What every dashboard panel receives: the latest stats object (never null: the dashboard shows a
 * placeholder until the first update) and the store's view of the session (history, version).
 */
export interface PanelProps {
  stats: Stats;
  view: StoreSnapshot;
}

/** The frame of a panel: a titled section with an optional note on the right. */
export function Panel({ title, note, testid, className, head, children }: {
  title: string;
  note?: ReactNode;
  testid?: string;
  className?: string;
  /** Extra content in the heading row (after the note). */
  head?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className={'panel' + (className ? ' ' + className : '')} data-testid={testid}>
      <div className="panel-head">
        <h2>{title}</h2>
        {note !== undefined && note !== null && note !== '' && <span className="muted">{note}</span>}
        {head}
      </div>
      {children}
    </section>
  );
}

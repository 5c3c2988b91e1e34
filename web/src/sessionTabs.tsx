// The tabs of a session's page (#/sessions/<id>/<tab>), in display order. To add a tab, add an
// entry here; it gets the session id and the session's summary (null until loaded).
import type { ReactNode } from 'react';
import { HistoryView } from './components/HistoryView';
import { PacketsTab } from './components/PacketsTab';
import { CompareView } from './components/CompareView';
import { RealtimeStats } from './components/RealtimeStats';
import { SessionAlerts } from './components/SessionAlerts';
import { SessionInfo } from './components/SessionInfo';
import type { Session } from './types';

export interface SessionTabProps {
  sessionId: string;
  /** The session as the server lists it; null while loading or when the server does not know it. */
  session: Session | null;
  /** What the URL opens inside the tab (#/sessions/<id>/<tab>/<item>), e.g. a packet id. */
  item?: string;
  /** The URL's query (#/sessions/<id>/<tab>?k=v), e.g. the Packets tab's filters. */
  params: Record<string, string>;
}

export interface SessionTab {
  id: string;
  label: string;
  render(props: SessionTabProps): ReactNode;
}

export const SESSION_TABS: SessionTab[] = [
  { id: 'stats', label: 'Realtime Stats', render: ({ sessionId, session }) => <RealtimeStats sessionId={sessionId} sessionState={session?.state} /> },
  {
    id: 'packets',
    label: 'Packets',
    render: ({ sessionId, session, item, params }) => <PacketsTab sessionId={sessionId} session={session} packetId={item} filters={params} />,
  },
  { id: 'history', label: 'History', render: ({ sessionId, session }) => <HistoryView sessionId={sessionId} session={session} /> },
  { id: 'alerts', label: 'Alerts', render: ({ sessionId }) => <SessionAlerts sessionId={sessionId} /> },
  { id: 'compare', label: 'Compare with…', render: ({ sessionId, item }) => <CompareView sessionId={sessionId} other={item} /> },
  { id: 'info', label: 'Info', render: ({ session }) => <SessionInfo s={session} /> },
];

/** The tab with this id; unknown ids show the first tab. */
export function tabOf(id: string): SessionTab {
  return SESSION_TABS.find((t) => t.id === id) ?? SESSION_TABS[0];
}

// The app's pages: one entry per page, with its place in the top navigation. To add a page, add an
// entry here (its URL is #/<id>/<param>, see route.ts).
import type { ReactNode } from 'react';
import { AlertsPage } from './components/AlertsPage';
import { DebugPage } from './components/DebugPage';
import { HostsPage } from './components/HostsPage';
import { SessionDetail } from './components/SessionDetail';
import { SessionsPage } from './components/SessionsPage';
import type { Route } from './route';

export interface PageDef {
  id: string;
  /** Label in the top navigation (absent: not listed there). */
  nav?: string;
  /** The navigation entry shown as active on this page (default: its own). */
  navGroup?: string;
  render(route: Route): ReactNode;
}

export const PAGES: PageDef[] = [
  { id: 'sessions', nav: 'Sessions', render: () => <SessionsPage /> },
  {
    id: 'session',
    navGroup: 'sessions',
    render: (r) =>
      r.sessionId ? <SessionDetail key={r.sessionId} sessionId={r.sessionId} tab={r.tab ?? 'stats'} item={r.item} params={r.params} /> : <SessionsPage />,
  },
  { id: 'alerts', nav: 'Alerts', render: () => <AlertsPage /> },
  { id: 'hosts', nav: 'Hosts', render: () => <HostsPage /> },
  { id: 'debug', nav: 'Debug', render: (r) => <DebugPage initialSession={r.sessionId} /> },
];

/** The page for a route; unknown pages show the session list. */
export function pageOf(route: Route): PageDef {
  return PAGES.find((p) => p.id === route.page) ?? PAGES[0];
}

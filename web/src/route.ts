// Hash routes (#/sessions, #/sessions/<id>/<tab>[/<item>][?query], #/<page>/<param>): the UI works from any path the
// server serves it at, with no server-side fallback route. Which component a page shows is in
// pages.tsx; which tabs a session has is in sessionTabs.tsx.
import { useEffect, useState } from 'react';

export interface Route {
  /** 'sessions' (the list), 'session' (one session: sessionId, tab) or another page id of pages.tsx. */
  page: string;
  sessionId?: string;
  tab?: string;
  /** What the tab shows inside itself, e.g. a packet id (#/sessions/<id>/packets/<packet id>). */
  item?: string;
  /** The hash's query (#/sessions/<id>/packets?node=l4_rx&min_latency_us=40), e.g. a tab's filters. */
  params: Record<string, string>;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const params = q < 0 ? {} : Object.fromEntries(new URLSearchParams(raw.slice(q + 1)));
  const parts = (q < 0 ? raw : raw.slice(0, q)).split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'sessions', params };
  if (parts[0] === 'sessions') {
    return parts[1] ? { page: 'session', sessionId: parts[1], tab: parts[2] ?? 'stats', item: parts[3], params } : { page: 'sessions', params };
  }
  return { page: parts[0], sessionId: parts[1], params };
}

/** The hash of a session's Packets tab with these filters (and one packet opened, if given). */
export function packetsHash(sessionId: string, filters: Record<string, string | number | undefined>, packetId?: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `#/sessions/${encodeURIComponent(sessionId)}/packets${packetId ? '/' + encodeURIComponent(packetId) : ''}${s ? '?' + s : ''}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(path: string): void {
  window.location.hash = path;
}

// Hash routes (#/sessions, #/sessions/<id>/<tab>, #/<page>/<param>): the UI works from any path the
// server serves it at, with no server-side fallback route. Which component a page shows is in
// pages.tsx; which tabs a session has is in sessionTabs.tsx.
import { useEffect, useState } from 'react';

export interface Route {
  /** 'sessions' (the list), 'session' (one session: sessionId, tab) or another page id of pages.tsx. */
  page: string;
  sessionId?: string;
  tab?: string;
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'sessions' };
  if (parts[0] === 'sessions') return parts[1] ? { page: 'session', sessionId: parts[1], tab: parts[2] ?? 'stats' } : { page: 'sessions' };
  return { page: parts[0], sessionId: parts[1] };
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

// Hash routes (#/sessions, #/sessions/<id>/<tab>, #/debug): the UI works from any path the server
// serves it at, with no server-side fallback route.
import { useEffect, useState } from 'react';

export interface Route {
  page: 'sessions' | 'session' | 'debug';
  sessionId?: string;
  tab?: string;
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'debug') return { page: 'debug', sessionId: parts[1] };
  if (parts[0] === 'sessions' && parts[1]) return { page: 'session', sessionId: parts[1], tab: parts[2] ?? 'stats' };
  return { page: 'sessions' };
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

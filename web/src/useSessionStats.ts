import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { SessionStatsStore, type StoreSnapshot } from './statsStore';
import type { Stats } from './types';

interface TestHook {
  stores: Map<string, SessionStatsStore>;
  /** Feeds a stats object to a session's open dashboard as if the server had sent it. */
  push(sessionId: string, stats: Stats): boolean;
  /** Commit durations (ms) measured by the dashboard, newest last (bounded). */
  renderTimes: number[];
}

declare global {
  interface Window {
    __skbscope?: TestHook;
  }
}

/** Test and measurement hook (used by the browser tests and the performance run). */
export function testHook(): TestHook {
  if (!window.__skbscope) {
    const stores = new Map<string, SessionStatsStore>();
    window.__skbscope = {
      stores,
      renderTimes: [],
      push(id, stats) {
        const s = stores.get(id);
        if (!s) return false;
        s.ingest(stats);
        return true;
      },
    };
  }
  return window.__skbscope;
}

/** Live stats of one session for as long as the calling component is mounted. */
export function useSessionStats(sessionId: string): StoreSnapshot {
  const store = useMemo(() => new SessionStatsStore(sessionId), [sessionId]);
  useEffect(() => {
    const hook = testHook();
    hook.stores.set(sessionId, store);
    store.connect();
    return () => {
      store.close();
      if (hook.stores.get(sessionId) === store) hook.stores.delete(sessionId);
    };
  }, [store, sessionId]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

import { createContext, useContext, useEffect, useMemo, useSyncExternalStore } from 'react';
import { SessionStatsStore, type StoreSnapshot } from './statsStore';

/**
 * Opens the store of one session's live stats. The app uses the default (Socket.IO plus a REST
 * load); a harness that feeds stats itself provides another factory through StatsStoreContext.
 */
export type StatsStoreFactory = (sessionId: string) => SessionStatsStore;

export const StatsStoreContext = createContext<StatsStoreFactory>((sessionId) => new SessionStatsStore(sessionId));

/** Live stats of one session for as long as the calling component is mounted. */
export function useSessionStats(sessionId: string): StoreSnapshot {
  const open = useContext(StatsStoreContext);
  const store = useMemo(() => open(sessionId), [open, sessionId]);
  useEffect(() => {
    store.connect();
    return () => store.close();
  }, [store]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

// Performance harness of the Realtime Stats dashboard (not part of the app): renders the production
// dashboard for one session whose store is fed by window.__skbscope.push instead of the socket,
// and measures each update from the push to the end of the React commit. Built by
// vite.perf.config.ts and driven by web/tests/perf.mjs.
import { useLayoutEffect, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import 'uplot/dist/uPlot.min.css';
import '../src/styles.css';
import { RealtimeStats } from '../src/components/RealtimeStats';
import { SessionStatsStore } from '../src/statsStore';
import { initTheme } from '../src/theme';
import type { Stats } from '../src/types';
import { StatsStoreContext } from '../src/useSessionStats';

/** A store nothing connects: only pushed updates reach it. */
class PushedStore extends SessionStatsStore {
  override connect(): void {}
  override close(): void {}
}

interface Harness {
  /** Feeds a stats object to the dashboard as if the server had sent it. */
  push(stats: Stats): void;
  /** Milliseconds from each push to the end of the commit that showed it, newest last (bounded). */
  renderTimes: number[];
}

declare global {
  interface Window {
    __skbscope?: Harness;
  }
}

const SESSION = 'perf-session';
const store = new PushedStore(SESSION);
let pushedAt = 0;
const harness: Harness = {
  renderTimes: [],
  push(stats) {
    pushedAt = performance.now();
    store.ingest(stats);
  },
};

/**
 * Subscribes to the same store as the dashboard, so it renders in the same commit; a parent's
 * layout effect runs after its children's (where the charts and the heatmap redraw).
 */
function Measured() {
  const snap = useSyncExternalStore(store.subscribe, store.getSnapshot);
  useLayoutEffect(() => {
    if (snap.version === 0) return;
    const times = harness.renderTimes;
    times.push(performance.now() - pushedAt);
    if (times.length > 2000) times.splice(0, times.length - 2000);
  }, [snap.version]);
  return (
    <StatsStoreContext.Provider value={() => store}>
      <div className="app">
        <main className="content">
          <RealtimeStats sessionId={SESSION} sessionState="running" />
        </main>
      </div>
    </StatsStoreContext.Provider>
  );
}

initTheme();
createRoot(document.getElementById('root')!).render(<Measured />);
window.__skbscope = harness;

import { useEffect, useState } from 'react';
import { formatUptime } from '../format';
import type { StoreSnapshot } from '../statsStore';

function useNow(periodMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(t);
  }, [periodMs]);
  return now;
}

/** Live / stale / reconnecting / unavailable, from the store's connection state and the age of the last update. */
export function ConnectionStatus({ snap, sessionState }: { snap: StoreSnapshot; sessionState?: string }) {
  const now = useNow(1000);
  const age = snap.lastUpdateMs ? (now - snap.lastUpdateMs) / 1000 : Infinity;
  let state: string = snap.conn;
  let text: string;
  switch (snap.conn) {
    case 'live':
      if (snap.lastUpdateMs && age > 3) {
        state = 'stale';
        text =
          sessionState && sessionState !== 'running'
            ? `Connected · session ${sessionState}, showing its last stats`
            : `Connected · no update for ${formatUptime(age)}`;
      } else {
        text = snap.lastUpdateMs ? 'Live · updates every 1 s' : 'Connected · waiting for updates';
      }
      break;
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'reconnecting':
      text = `Reconnecting…${snap.reason ? ` (${snap.reason})` : ''}`;
      break;
    default:
      text = `Realtime stats unavailable${snap.reason ? `: ${snap.reason}` : ''}`;
  }
  return (
    <div className={`conn-status conn-${state}`} data-testid="conn-status" data-state={state} role="status">
      <span className="conn-dot" />
      <span>{text}</span>
    </div>
  );
}

// Links from the dashboard to the packets behind a number (the session's Packets tab, filtered).
import { packetsHash } from '../route';
import type { Stats } from '../types';

/** The packets that spent at least the node's p99 at it: the ones that made it slow. */
export function slowPacketsHash(stats: Stats, node: string): string {
  const p99 = stats.nodes[node]?.p99_us;
  return packetsHash(stats.session_id, { node, min_latency_us: p99 && p99 > 0 ? p99 : undefined });
}

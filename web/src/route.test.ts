import { describe, expect, it } from 'vitest';
import { packetsHash, parseRoute } from './route';

describe('routes', () => {
  it('parses a session tab, an item and the query', () => {
    expect(parseRoute('#/sessions/s1/packets/42?node=l4_rx&min_latency_us=40.5')).toEqual({
      page: 'session',
      sessionId: 's1',
      tab: 'packets',
      item: '42',
      params: { node: 'l4_rx', min_latency_us: '40.5' },
    });
    expect(parseRoute('#/sessions/s1')).toEqual({ page: 'session', sessionId: 's1', tab: 'stats', item: undefined, params: {} });
    expect(parseRoute('')).toEqual({ page: 'sessions', params: {} });
  });

  it('builds packet links that parse back', () => {
    const h = packetsHash('my session', { drop_reason: 'NO_SOCKET', since: '-3s', until: undefined, node: '' }, '7');
    expect(h).toBe('#/sessions/my%20session/packets/7?drop_reason=NO_SOCKET&since=-3s');
    const r = parseRoute(h);
    expect(r.sessionId).toBe('my session');
    expect(r.item).toBe('7');
    expect(r.params).toEqual({ drop_reason: 'NO_SOCKET', since: '-3s' });
  });
});

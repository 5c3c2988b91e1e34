// Checks the skbscope Socket.IO contract with the real npm socket.io-client.
// usage: node socketio-check.js <base-url> <session-id> <websocket|polling|upgrade> [token]
// Exits 0 when: connected, joined_session received, >= 2 session_stats_update with increasing
// stats.total_events, and joining an unknown session yields an 'error' event naming it.
'use strict';
const { io } = require('socket.io-client');

const [base, sessionId, mode, token] = process.argv.slice(2);
if (!base || !sessionId || !['websocket', 'polling', 'upgrade'].includes(mode)) {
  console.error('usage: node socketio-check.js <base-url> <session-id> <websocket|polling|upgrade> [token]');
  process.exit(2);
}
const transports = mode === 'websocket' ? ['websocket'] : mode === 'polling' ? ['polling'] : ['polling', 'websocket'];
const socket = io(base, { transports, upgrade: mode === 'upgrade', reconnection: false, timeout: 10000,
  auth: token ? { token } : undefined });
const tag = `[node ${mode}]`;
const fail = (msg) => { console.error(`${tag} FAIL: ${msg}`); socket.close(); process.exit(1); };
const timer = setTimeout(() => fail(`timed out; state: ${JSON.stringify(state)}`), 20000);
const state = { joined: false, updates: [], upgraded: false, error: null };

socket.on('connect_error', (e) => fail(`connect_error: ${e.message}`));
socket.on('connect', () => {
  socket.io.engine.on('upgrade', (t) => { state.upgraded = t.name === 'websocket'; });
  socket.emit('join_session', { session_id: sessionId });
});
socket.on('joined_session', (d) => {
  if (d.session_id !== sessionId) fail(`joined_session for ${d.session_id}`);
  state.joined = true;
});
socket.on('session_stats_update', (d) => {
  if (d.session_id !== sessionId) fail(`update for ${d.session_id}`);
  if (!d.stats || typeof d.stats.total_events !== 'number') fail(`update without stats.total_events: ${JSON.stringify(d).slice(0, 200)}`);
  state.updates.push(d.stats.total_events);
  if (state.updates.length === 3) socket.emit('join_session', { session_id: 'no_such_session' });
});
socket.on('error', (d) => {
  state.error = d && d.message;
  if (state.error !== 'Session not found in trackers: no_such_session') fail(`unexpected error event: ${JSON.stringify(d)}`);
  const u = state.updates;
  if (!state.joined) fail('no joined_session');
  if (u.length < 2) fail(`only ${u.length} updates`);
  if (!(u[u.length - 1] > u[0])) fail(`total_events did not increase: ${u.join(',')}`);
  const transport = socket.io.engine.transport.name;
  if (mode === 'upgrade' && transport !== 'websocket') fail(`not upgraded to websocket (transport ${transport})`);
  if (mode !== 'upgrade' && transport !== transports[0]) fail(`transport is ${transport}, expected ${transports[0]}`);
  clearTimeout(timer);
  console.log(`${tag} ok: transport=${transport} updates=${u.length} total_events ${u[0]} -> ${u[u.length - 1]}`);
  socket.close();
  process.exit(0);
});

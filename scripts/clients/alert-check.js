// Checks the Socket.IO 'alert' event with the real npm socket.io-client.
// usage: node alert-check.js <base-url> <session-id> <websocket|polling> [token]
// The session must drop more than 10 % of its packets. Joins the session's room, adds a rule of
// that session (drop_rate > 10, for 0) over REST, and expects 'alert' firing with the documented
// shape; deletes the rule and expects 'alert' resolved. Exits 0 when both arrived.
'use strict';
const { io } = require('socket.io-client');

const [base, sessionId, mode, token] = process.argv.slice(2);
if (!base || !sessionId || !['websocket', 'polling'].includes(mode)) {
  console.error('usage: node alert-check.js <base-url> <session-id> <websocket|polling> [token]');
  process.exit(2);
}
const tag = `[node alert ${mode}]`;
const rule = `client_node_${mode}_${process.pid}`;
const rules = `${base}/api/sessions/${encodeURIComponent(sessionId)}/alerts/rules`;
const headers = { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
const socket = io(base, { transports: [mode], reconnection: false, timeout: 10000, auth: token ? { token } : undefined });
const seen = [];
const fail = (msg) => { console.error(`${tag} FAIL: ${msg}; events: ${JSON.stringify(seen)}`); socket.close(); process.exit(1); };
const timer = setTimeout(() => fail('timed out'), 30000);

socket.on('connect_error', (e) => fail(`connect_error: ${e.message}`));
socket.on('connect', () => socket.emit('join_session', { session_id: sessionId }));
socket.once('joined_session', async () => {
  const r = await fetch(rules, { method: 'POST', headers,
    body: JSON.stringify({ name: rule, title: 'Client check', expression: 'drop_rate', threshold: 10, for: 0, severity: 'critical' }) });
  if (r.status !== 201) fail(`POST rule: ${r.status} ${await r.text()}`);
});
socket.on('alert', async (d) => {
  if (!d || !d.alert || d.alert.rule !== rule) return;   // the default rules may fire too
  seen.push(d);
  const a = d.alert;
  if (d.session_id !== sessionId) fail(`session_id ${d.session_id}`);
  if (a.severity !== 'critical' || a.threshold !== 10 || typeof a.value !== 'number' || a.value <= 10) fail(`bad alert ${JSON.stringify(a)}`);
  if (typeof a.since !== 'string' || Number.isNaN(Date.parse(a.since)) || 'node' in a) fail(`bad since/node ${JSON.stringify(a)}`);
  if (a.state === 'firing') {
    const r = await fetch(`${rules}/${rule}`, { method: 'DELETE', headers });
    if (r.status !== 200) fail(`DELETE rule: ${r.status}`);
  } else if (a.state === 'resolved') {
    if (seen.length !== 2 || seen[0].alert.state !== 'firing') fail('resolved without firing once before');
    clearTimeout(timer);
    console.log(`${tag} ok: firing (value ${seen[0].alert.value}) then resolved (${a.resolution})`);
    socket.close();
    process.exit(0);
  } else {
    fail(`state ${a.state}`);
  }
});

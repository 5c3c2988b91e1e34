// Opens many Socket.IO connections that join a session and then misbehave, while one well-behaved
// client measures its update intervals. Misbehaviour: a child process with N clients (half polling,
// half websocket) is SIGKILLed (connections vanish without a close), and M websocket clients stop
// reading from their TCP socket. The emit loop must not stall: the good client keeps receiving
// session_stats_update every ~1 s.
// usage: node abandon.js <base-url> <session-id> [vanishing=500] [stalled=50] [token]
'use strict';
const { io } = require('socket.io-client');
const { fork } = require('child_process');

const [base, sessionId, nArg, mArg, token] = process.argv.slice(2);
const N = parseInt(nArg || '500', 10), M = parseInt(mArg || '50', 10);
const auth = token ? { token } : undefined;

if (process.env.ABANDON_CHILD) {
  // child: open N clients, report when 90% joined (or after 40 s, with however many did), then wait to be killed
  let joined = 0, reported = false;
  const report = () => { if (!reported) { reported = true; process.send(joined); } };
  if (N === 0) report();
  setTimeout(report, 40000);
  for (let i = 0; i < N; i++) {
    const s = io(base, { transports: [i % 2 ? 'websocket' : 'polling'], upgrade: false, reconnection: false, auth, forceNew: true });
    s.on('connect', () => s.emit('join_session', { session_id: sessionId }));
    s.once('joined_session', () => { if (++joined >= Math.ceil(N * 0.9)) report(); });
    s.on('connect_error', (e) => { console.error('child connect_error', e.message); });
  }
  return;
}

const fail = (msg) => { console.error(`[abandon] FAIL: ${msg}`); process.exit(1); };
const good = io(base, { transports: ['websocket'], reconnection: false, auth });
const arrivals = [];
let phase = 'warmup';
good.on('connect', () => good.emit('join_session', { session_id: sessionId }));
good.on('session_stats_update', () => arrivals.push({ t: Date.now(), phase }));
good.on('disconnect', (r) => fail(`good client disconnected: ${r}`));

const stalled = [];
function openStalled() {
  for (let i = 0; i < M; i++) {
    const s = io(base, { transports: ['websocket'], reconnection: false, auth, forceNew: true });
    s.on('connect', () => {
      s.emit('join_session', { session_id: sessionId });
      // stop reading: the server's writes pile up in the kernel and then in its own queue
      setTimeout(() => { const ws = s.io.engine.transport.ws; if (ws && ws._socket) ws._socket.pause(); }, 200);
    });
    stalled.push(s);
  }
}

const child = fork(__filename, process.argv.slice(2), { env: { ...process.env, ABANDON_CHILD: '1' } });
const started = Date.now();
const watchdog = setTimeout(() => fail('child clients did not all join within 60 s'), 60000);
child.on('message', (joined) => {
  clearTimeout(watchdog);
  console.log(`[abandon] ${joined}/${N} clients joined in ${Date.now() - started} ms; killing them without goodbye`);
  if (joined < N / 2) fail(`only ${joined} of ${N} clients could join`);
  openStalled();
  phase = 'abandoned';
  child.kill('SIGKILL');
  setTimeout(finish, 8000);
});

function finish() {
  const after = arrivals.filter((a) => a.phase === 'abandoned').map((a) => a.t);
  const gaps = after.slice(1).map((t, i) => t - after[i]);
  good.off('disconnect');
  good.close();
  stalled.forEach((s) => s.close());
  if (gaps.length < 5) fail(`only ${after.length} updates in 8 s after abandoning`);
  const max = Math.max(...gaps), within = gaps.filter((g) => Math.abs(g - 1000) <= 100).length;
  console.log(`[abandon] ok: ${after.length} updates in 8 s, gaps ms: ${gaps.join(',')} (max ${max}, ${within}/${gaps.length} within 1 s ± 100 ms)`);
  if (max > 2500) fail(`an update gap of ${max} ms: the emit loop stalled`);
  process.exit(0);
}

// Client churn: N Socket.IO clients (half websocket, half polling) connect, join a session and
// vanish (their process is SIGKILLed: no close, no goodbye). Opens them at a steady pace that stays
// within the server's handshake rate limit. Used by scripts/bench/churn.sh.
// usage: node churn.js <base-url> <session-id> <clients> [per-second=80] [token]
'use strict';
const { io } = require('socket.io-client');
const { fork } = require('child_process');

const [base, sessionId, nArg, rateArg, token] = process.argv.slice(2);
const N = parseInt(nArg, 10), RATE = parseInt(rateArg || '80', 10);
const auth = token ? { token } : undefined;

if (process.env.CHURN_CHILD) {
  let joined = 0, failed = 0, opened = 0;
  const timer = setInterval(() => {
    for (let k = 0; k < Math.ceil(RATE / 10) && opened < N; k++, opened++) {
      const i = opened;
      const s = io(base, { transports: [i % 2 ? 'websocket' : 'polling'], upgrade: false, reconnection: false, auth, forceNew: true, timeout: 20000 });
      s.on('connect', () => s.emit('join_session', { session_id: sessionId }));
      s.once('joined_session', () => { joined++; });
      s.on('connect_error', () => { failed++; });
    }
    if (opened >= N) clearInterval(timer);
  }, 100);
  const check = setInterval(() => {
    if (joined + failed >= N) { clearInterval(check); process.send({ joined, failed }); }
  }, 200);
  setTimeout(() => process.send({ joined, failed }), N / RATE * 1000 + 30000);
  return;
}

const child = fork(__filename, process.argv.slice(2), { env: { ...process.env, CHURN_CHILD: '1' } });
const t0 = Date.now();
child.once('message', ({ joined, failed }) => {
  child.kill('SIGKILL');
  console.log(JSON.stringify({ joined, failed, ms: Date.now() - t0 }));
  process.exit(joined >= N * 0.95 ? 0 : 1);
});

// Socket.IO load client for scripts/bench/socketio-load.sh: C clients spread over the given
// sessions, each measuring the interval between its session_stats_update events.
// usage: node load.js <base-url> <clients> <seconds> <warmup-seconds> <polling-share 0..1> <session-id>...
// Prints one JSON object with the interval distribution (and every interval, with LOAD_RAW=1).
// LOAD_OFFSET=k: this process's clients are numbered from k (the bench splits clients over processes).
'use strict';
const { io } = require('socket.io-client');
const { monitorEventLoopDelay } = require('perf_hooks');

const [base, cArg, sArg, wArg, pArg, ...sessions] = process.argv.slice(2);
const C = parseInt(cArg, 10), seconds = parseFloat(sArg), warmup = parseFloat(wArg), pollingShare = parseFloat(pArg);
const gaps = [];
let updates = 0, connected = 0, joined = 0, disconnects = 0, connectErrors = 0;
const errorKinds = {};
const t0 = Date.now();
const measureFrom = t0 + warmup * 1000, measureTo = measureFrom + seconds * 1000;
const sockets = [];
const offset = parseInt(process.env.LOAD_OFFSET || '0', 10);
// Is this process itself starved? Its CPU use and how late its event loop runs over the window
// (an update's arrival is stamped only when the loop gets to it).
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
let cpu0 = null;
setTimeout(() => { loopDelay.enable(); cpu0 = process.cpuUsage(); }, warmup * 1000);
setTimeout(() => { loopDelay.disable(); cpu0 = process.cpuUsage(cpu0); }, (warmup + seconds) * 1000);
for (let i = 0; i < C; i++) {
  const polling = i < Math.round(C * pollingShare);
  const s = io(base, { transports: polling ? ['polling'] : ['websocket'], upgrade: false, reconnection: false, forceNew: true, timeout: 60000 });
  let last = 0;
  s.on('connect', () => { connected++; s.emit('join_session', { session_id: sessions[(offset + i) % sessions.length] }); });
  s.on('joined_session', () => { joined++; });
  s.on('session_stats_update', () => {
    const now = Date.now();
    if (now >= measureFrom && now <= measureTo) {
      updates++;
      if (last >= measureFrom) gaps.push(now - last);
    }
    last = now;
  });
  s.on('disconnect', () => { disconnects++; });
  s.on('connect_error', (e) => { connectErrors++; errorKinds[e.message] = (errorKinds[e.message] || 0) + 1; });
  sockets.push(s);
}
setTimeout(() => {
  sockets.forEach((s) => s.close());
  gaps.sort((a, b) => a - b);
  const q = (p) => gaps.length ? gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] : null;
  const within = gaps.filter((g) => Math.abs(g - 1000) <= 100).length;
  const ms = (ns) => Math.round(ns / 1e5) / 10;
  console.log(JSON.stringify({
    clients: C, connected, joined, disconnects, connect_errors: connectErrors, error_kinds: errorKinds, measured_seconds: seconds, updates,
    updates_per_client_per_second: updates / C / seconds,
    interval_ms: { min: gaps.length ? gaps[0] : null, p0_1: q(0.001), p1: q(0.01), p50: q(0.5), p99: q(0.99), p99_9: q(0.999),
      max: gaps.length ? gaps[gaps.length - 1] : null },
    outside_1s_pm_100ms: gaps.length - within,
    client_process: {
      cpu_percent: Math.round((cpu0.user + cpu0.system) / 1e4 / seconds * 10) / 10,
      event_loop_delay_ms: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
    },
    share_within_1s_pm_100ms: gaps.length ? within / gaps.length : 0,
    intervals: gaps.length,
    gaps: process.env.LOAD_RAW === '1' ? gaps : undefined,
  }));
  process.exit(0);
}, (warmup + seconds) * 1000 + 500);

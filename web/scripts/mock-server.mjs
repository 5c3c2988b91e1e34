// Development-only mock of the skbscope server (REST + Socket.IO) for iterating on the UI before the
// real server lands. Not used by any test: browser tests run against skbscope.jar.
// Run: npm run mock (port 5055), then npm run dev (Vite proxies /api and /socket.io to it).
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';

const PORT = Number(process.env.PORT ?? 5055);
const WEB = fileURLToPath(new URL('../../skbscope-server/target/classes/web/', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };
const NODES = {
  nic_rx: 'NIC', driver_napi: 'Driver (NAPI)', gro: 'GRO', tc_ingress: 'TC Ingress', nf_prerouting: 'Netfilter PREROUTING',
  conntrack: 'Conntrack', nat_prerouting: 'NAT PREROUTING', routing_decision: 'Routing Decision', nf_input: 'Netfilter INPUT',
  l4_rx: 'TCP/UDP', socket: 'Socket', nf_forward: 'Netfilter FORWARD', nf_postrouting: 'Netfilter POSTROUTING', nic_tx: 'NIC TX',
  application: 'Application', l4_tx: 'TCP/UDP Output', nf_output: 'Netfilter OUTPUT', routing_lookup: 'Routing Lookup',
  nat_postrouting: 'NAT POSTROUTING', tc_egress: 'TC Egress', driver_tx: 'Driver TX', nic: 'NIC', other: 'Other',
};
const FUNCS = { nic_rx: ['xdp'], driver_napi: ['netif_receive_skb', 'napi_poll'], gro: ['napi_gro_receive'], tc_ingress: ['sch_handle_ingress'],
  nf_prerouting: ['nf_hook_slow', 'ip_rcv'], conntrack: ['nf_conntrack_in'], nat_prerouting: ['nf_nat_ipv4_pre_routing'], routing_decision: ['ip_route_input_noref', 'ip_rcv_finish'],
  nf_input: ['nf_hook_slow', 'ip_local_deliver'], l4_rx: ['tcp_v4_rcv', 'udp_rcv'], socket: ['sock_queue_rcv_skb'], nf_forward: ['ip_forward'], nf_postrouting: ['ip_output'],
  nic_tx: ['net_dev_xmit'], application: ['tcp_sendmsg'], l4_tx: ['__tcp_transmit_skb'], nf_output: ['__ip_local_out'], routing_lookup: ['ip_route_output_flow'],
  nat_postrouting: ['ip_finish_output2'], tc_egress: ['__dev_queue_xmit'], driver_tx: ['dev_hard_start_xmit'], nic: ['net_dev_xmit'], other: ['skb_clone'] };

const sessions = new Map();
let seq = 1;

function newStats(mode, id) {
  const nodes = {};
  for (const [id, label] of Object.entries(NODES)) {
    nodes[id] = { id, label, count: 0, packets: 0, in_flight: 0, packets_per_second: 0, p50_us: 0, p90_us: 0, p99_us: 0, avg_us: 0, max_us: 0,
      samples: 0, top_functions: {}, verdicts: {}, drops: 0, drop_reasons: {}, errors: 0, observable: id !== 'nic_rx',
      ...(id === 'nic_rx' ? { unobserved_reason: 'XDP probe not attached (no XDP program on the interface)' } : {}) };
  }
  // every field the real server always sends (StatsSnapshot), so the UI can rely on them
  return { session_id: id, total_packets: 0, total_events: 0, packets_per_second: 0, uptime_seconds: 0, mode, hooks: {}, nodes, edges: [],
    pipelines: ['inbound', 'outbound', 'local_delivery', 'forward'].map((name) => ({ name, started: 0, in_flight: 0, completed: 0, dropped: 0, evicted: 0 })),
    layers: {}, total_verdicts: {}, top_latency: [], drops: 0, drop_reasons: {}, evicted_packets: 0,
    source: { kind: 'synthetic', bad_lines: 0, lost_events: 0, events_read: 0, sample_one_in: 1 },
    top_functions: {}, max_functions: 50, functions_dropped: 0, rules_dropped: 0, in_flight_total: 0, max_tracked_skbs: 10000,
    reordered_events: 0, untracked_end_events: 0, idle_ended_packets: 0, taken_at_ms: Date.now(),
    rules: mode === 'nft' ? [{ table: 'inet filter', chain: 'input', handle: 4, text: 'tcp dport 22 accept', hits: 0, verdicts: {} }, { table: 'inet filter', chain: 'input', handle: 7, text: 'drop', hits: 0, verdicts: {} }] : [] };
}

function tick(s) {
  if (s.state !== 'running') return;
  const st = s.stats;
  const base = (s.source.rate ?? 500) * (0.7 + 0.6 * Math.random());
  const edges = new Map(st.edges.map((e) => [e.from + '>' + e.to, e]));
  const flow = (path, n) => {
    for (let i = 0; i < path.length; i++) {
      const id = path[i]; const node = st.nodes[id];
      if (!node.observable) continue;
      const lat = (id.startsWith('nf_') ? 4 : id === 'socket' ? 25 : 1.5) * (0.6 + Math.random());
      node.count += Math.round(n * 1.3); node.packets += n; node.packets_per_second = n; node.in_flight = Math.round(Math.random() * 4);
      node.samples += n; node.avg_us = (node.avg_us * (node.samples - n) + lat * n) / node.samples;
      node.p50_us = node.avg_us * 0.9; node.p90_us = node.avg_us * 1.8; node.p99_us = node.avg_us * 3.5; node.max_us = Math.max(node.max_us, lat * 6);
      for (const f of FUNCS[id]) node.top_functions[f] = (node.top_functions[f] ?? 0) + Math.round(n * Math.random());
      if (id.startsWith('nf_')) {
        const drop = Math.round(n * s.source.drop_share * Math.random());
        node.verdicts.ACCEPT = (node.verdicts.ACCEPT ?? 0) + n - drop;
        if (drop) { node.verdicts.DROP = (node.verdicts.DROP ?? 0) + drop; node.drops += drop; node.drop_reasons.NETFILTER_DROP = (node.drop_reasons.NETFILTER_DROP ?? 0) + drop;
          st.drops += drop; st.drop_reasons.NETFILTER_DROP = (st.drop_reasons.NETFILTER_DROP ?? 0) + drop; }
        const hook = id.slice(3).toUpperCase();
        const h = (st.hooks[hook] ??= { count: 0, verdicts: {} }); h.count += n; h.verdicts.ACCEPT = (h.verdicts.ACCEPT ?? 0) + n - drop; if (drop) h.verdicts.DROP = (h.verdicts.DROP ?? 0) + drop;
        st.total_verdicts.ACCEPT = (st.total_verdicts.ACCEPT ?? 0) + n - drop; if (drop) st.total_verdicts.DROP = (st.total_verdicts.DROP ?? 0) + drop;
      }
      if (i > 0) { const k = path[i - 1] + '>' + id; const e = edges.get(k) ?? { from: path[i - 1], to: id, count: 0, avg_us: lat, p50_us: lat, p99_us: lat * 3 }; e.count += n; edges.set(k, e); }
    }
  };
  const local = Math.round(base * 0.6), fwd = Math.round(base * 0.15), out = Math.round(base * 0.25);
  const pre = ['nic_rx', 'driver_napi', 'gro', 'tc_ingress', 'nf_prerouting', 'conntrack', 'nat_prerouting', 'routing_decision'];
  flow([...pre, 'nf_input', 'l4_rx', 'socket'], local);
  flow(['nf_forward', 'nf_postrouting', 'nic_tx'], fwd);
  flow(['application', 'l4_tx', 'nf_output', 'routing_lookup', 'nat_postrouting', 'tc_egress', 'driver_tx', 'nic'], out);
  const udrop = Math.round(local * 0.01 * Math.random()); st.nodes.l4_rx.drops += udrop; st.nodes.l4_rx.drop_reasons.NO_SOCKET = (st.nodes.l4_rx.drop_reasons.NO_SOCKET ?? 0) + udrop;
  st.drops += udrop; st.drop_reasons.NO_SOCKET = (st.drop_reasons.NO_SOCKET ?? 0) + udrop;
  st.edges = [...edges.values()];
  const total = local + fwd + out;
  st.total_packets += total; st.total_events += total * 9; st.packets_per_second = total; st.uptime_seconds += 1;
  for (const p of st.pipelines) { const n = p.name === 'outbound' ? out : p.name === 'forward' ? fwd : p.name === 'local_delivery' ? local : local + fwd;
    p.started += n; p.in_flight = Math.round(Math.random() * 5); p.dropped += Math.round(n * 0.01); p.completed = p.started - p.in_flight - p.dropped; }
  for (const r of st.rules) { const n = Math.round(total * Math.random() * 0.3); r.hits += n; const v = r.text === 'drop' ? 'DROP' : 'ACCEPT'; r.verdicts[v] = (r.verdicts[v] ?? 0) + n; }
  st.top_latency = Object.entries(st.nodes).filter(([, n]) => n.samples > 0).sort((a, b) => b[1].avg_us - a[1].avg_us).slice(0, 5)
    .map(([node, n]) => ({ node, label: n.label, avg_us: n.avg_us, p99_us: n.p99_us, samples: n.samples }));
  const fns = {};
  for (const n of Object.values(st.nodes)) for (const [f, c] of Object.entries(n.top_functions)) fns[f] = (fns[f] ?? 0) + c;
  st.top_functions = Object.fromEntries(Object.entries(fns).sort((a, b) => b[1] - a[1]));
  st.in_flight_total = st.pipelines.filter((p) => p.name === 'inbound' || p.name === 'outbound').reduce((a, p) => a + p.in_flight, 0);
  st.source.events_read = st.total_events; st.taken_at_ms = Date.now();
  st.rules.sort((a, b) => b.hits - a.hits);
  s.total_packets = st.total_packets; s.drops = st.drops; s.uptime_seconds = st.uptime_seconds;
}

function view(s) { const { stats, finalSent, ...rest } = s; return rest; }

function body(req) { return new Promise((res) => { let d = ''; req.on('data', (c) => (d += c)); req.on('end', () => res(d)); }); }

const server = http.createServer(async (req, res) => {
  const send = (code, obj) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };
  const url = new URL(req.url, 'http://x');
  let m;
  if (url.pathname === '/api/health') return send(200, { status: 'ok' });
  if (url.pathname === '/api/capabilities') return send(200, { live: { available: false, reason: 'mock server: no BPF', nodes: {} } });
  if (url.pathname === '/api/sessions' && req.method === 'GET') return send(200, [...sessions.values()].map(view));
  if (url.pathname === '/api/sessions' && req.method === 'POST') {
    let b; try { b = JSON.parse(await body(req)); } catch { return send(400, { error: 'body is not JSON' }); }
    if (!['full', 'nft', 'multifunction'].includes(b.mode)) return send(400, { error: 'mode must be full, nft or multifunction' });
    if (!(b.max_functions >= 1 && b.max_functions <= 1000)) return send(400, { error: 'max_functions must be between 1 and 1000' });
    const f = b.filter ?? {};
    for (const k of ['sport', 'dport', 'port']) if (f[k] !== undefined && !(f[k] >= 0 && f[k] <= 65535)) return send(400, { error: `filter.${k}: must be a port number 0..65535 (got ${f[k]})` });
    const src = b.source ?? { kind: 'live' };
    if (src.kind === 'live') return send(400, { error: 'source.kind live unavailable: mock server has no BPF' });
    if (src.kind === 'replay' && !src.path) return send(400, { error: 'source.path is required for a replay' });
    if (src.kind === 'synthetic' && !(src.rate > 0)) return send(400, { error: 'source.rate must be > 0' });
    const id = 'session_' + seq++;
    const s = { id, mode: b.mode, state: 'running', source: { drop_share: 0.05, ...src }, created_at: new Date().toISOString(), uptime_seconds: 0, total_packets: 0, drops: 0,
      filter: f, max_functions: b.max_functions, stats: newStats(b.mode, id) };
    sessions.set(id, s);
    return send(201, view(s));
  }
  if ((m = url.pathname.match(/^\/api\/sessions\/([^/]+)\/stats$/))) { const s = sessions.get(m[1]); return s ? send(200, { session_id: s.id, stats: s.stats }) : send(404, { error: 'unknown session' }); }
  if ((m = url.pathname.match(/^\/api\/sessions\/([^/]+)$/)) && req.method === 'DELETE') { sessions.delete(m[1]); return send(200, { deleted: m[1] }); }
  if ((m = url.pathname.match(/^\/api\/session\/([^/]+)\/(start|stop)$/)) && req.method === 'POST') {
    const s = sessions.get(m[1]); if (!s) return send(404, { error: 'unknown session' });
    s.state = m[2] === 'start' ? 'running' : 'stopped'; return send(200, view(s));
  }
  if (!url.pathname.startsWith('/api/')) {
    const file = normalize(join(WEB, url.pathname === '/' ? 'index.html' : url.pathname));
    if (file.startsWith(WEB)) {
      try { const b = await readFile(file); res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }); return res.end(b); } catch { /* 404 */ }
    }
  }
  send(404, { error: 'not found' });
});
const ioServer = new Server(server);
ioServer.on('connection', (sock) => {
  sock.on('join_session', ({ session_id }) => {
    if (!sessions.has(session_id)) return sock.emit('error', { message: `unknown session ${session_id}` });
    sock.join(session_id); sock.emit('joined_session', { session_id });
  });
  sock.on('leave_session', ({ session_id }) => sock.leave(session_id));
});
// like the real server: running sessions every second, a stopped one once more with its final stats
setInterval(() => {
  for (const s of sessions.values()) {
    if (s.state !== 'running' && s.finalSent) continue;
    s.finalSent = s.state !== 'running';
    tick(s);
    ioServer.to(s.id).emit('session_stats_update', { session_id: s.id, stats: s.stats });
  }
}, 1000);
server.listen(PORT, '127.0.0.1', () => console.log(`mock skbscope on http://127.0.0.1:${PORT}`));

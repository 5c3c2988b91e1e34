package dev.skbscope.engine;

import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.packet.JourneyDescriptor;
import dev.skbscope.engine.packet.JourneyEnd;
import dev.skbscope.engine.packet.JourneyRecorder;
import dev.skbscope.engine.packet.JourneySink;
import dev.skbscope.engine.packet.PacketHistory;

import java.util.Arrays;

import static dev.skbscope.engine.EngineCounters.FN_COLUMNS;
import static dev.skbscope.engine.EngineCounters.HIST_MAX_NS;
import static dev.skbscope.engine.EngineCounters.MAX_RULES;
import static dev.skbscope.engine.EngineCounters.N;
import static dev.skbscope.engine.EngineCounters.PIPES;
import static dev.skbscope.engine.EngineCounters.PIPE_FORWARD;
import static dev.skbscope.engine.EngineCounters.PIPE_INBOUND;
import static dev.skbscope.engine.EngineCounters.PIPE_LOCAL;
import static dev.skbscope.engine.EngineCounters.PIPE_OUTBOUND;
import static dev.skbscope.engine.EngineCounters.RATE_TOTAL;
import static dev.skbscope.engine.EngineCounters.V;
import static dev.skbscope.engine.ProbeTable.PATH_FORWARD;
import static dev.skbscope.engine.ProbeTable.PATH_INBOUND;
import static dev.skbscope.engine.ProbeTable.PATH_LOCAL;
import static dev.skbscope.engine.ProbeTable.PATH_NONE;
import static dev.skbscope.engine.ProbeTable.PATH_OUTBOUND;

/**
 * Packet accounting: turns each event into counter, histogram and per-packet updates of one
 * session (spec sections 2-4); not thread-safe (the tracker calls it under its lock, from the one
 * writer thread or from {@link #reset}). Nothing is allocated per event in steady state: packets
 * live in the fixed slots of a {@link PacketTable}, probe classifications are cached in arrays
 * indexed by probe id, and histograms are created once per node or edge.
 *
 * <p>Interpretations of the spec: the last node's end sample is measured from the first event of
 * the packet's run at that node (like every other node sample); {@code other} events are counted
 * but do not move a packet between nodes (so unknown functions traced in multifunction mode do
 * not split a node's latency); a node's {@code errors} counts its events whose timestamp was
 * earlier than their packet's previous event.
 */
final class PacketAccounting {
    private static final int OTHER = PipelineNode.OTHER.ordinal();
    private static final int SOCKET = PipelineNode.SOCKET.ordinal();
    /** Netfilter hook nodes: a stage (conntrack, NAT) opened while the packet is at one nests in it. */
    private static final int HOOK_NODES = 1 << PipelineNode.NF_PREROUTING.ordinal() | 1 << PipelineNode.NF_INPUT.ordinal()
            | 1 << PipelineNode.NF_FORWARD.ordinal() | 1 << PipelineNode.NF_OUTPUT.ordinal()
            | 1 << PipelineNode.NF_POSTROUTING.ordinal() | 1 << PipelineNode.NAT_POSTROUTING.ordinal();
    private static final int NIC = PipelineNode.NIC.ordinal();
    private static final int NIC_TX = PipelineNode.NIC_TX.ordinal();
    /** Nodes at which a packet that already left through nic/nic_tx starts a new journey. */
    private static final int REENTRY_NODES = 1 << PipelineNode.NIC_RX.ordinal() | 1 << PipelineNode.DRIVER_NAPI.ordinal()
            | 1 << PipelineNode.GRO.ordinal() | 1 << PipelineNode.TC_INGRESS.ordinal();
    private static final int[] NODE_PATH = new int[N];
    private static final int UNCLASSIFIED = Integer.MIN_VALUE;
    /** Tags nft trace ids so they cannot collide with skb identities in the same session. */
    private static final long TRACE_ID_TAG = 0x5bd1e995L << 32;
    private static final int FN_UNSEEN = -1, FN_REJECTED = -2;
    private static final int MAX_PROBES = 1 << 16;
    /** The kernel has ~120 drop reasons; ids past this were never interned. */
    private static final int MAX_DROP_REASONS = 1 << 12;
    /** nft trace packets quiet this long (event time) end as completed. */
    private static final long TRACE_IDLE_NS = 1_000_000_000L;
    /** Idle packets checked per new packet: O(1) per event. */
    private static final int IDLE_CHECKS = 4;
    /** Idle packets closed at most per clock advance (once per batch): bounded work per batch. */
    private static final int IDLE_BUDGET = 4096;
    private static final int NOT_SPECIFIED = SymbolTable.DROP_REASONS.intern("NOT_SPECIFIED");
    private static final int NETFILTER_DROP = SymbolTable.DROP_REASONS.intern("NETFILTER_DROP");

    static {
        for (PipelineNode n : PipelineNode.values()) {
            NODE_PATH[n.ordinal()] = n.path() == null ? PATH_NONE : switch (n.path()) {
                case INBOUND -> PATH_INBOUND;
                case LOCAL -> PATH_LOCAL;
                case FORWARD -> PATH_FORWARD;
                case OUTBOUND -> PATH_OUTBOUND;
            };
        }
    }

    private final int evictBatch;
    /**
     * False for a journeys-only pass (indexing a recording): the latency histograms, rates and top
     * functions are not kept; packets, their tracking and their journeys are exactly as with them.
     */
    private final boolean aggregates;
    private final long idleTimeoutNs, socketTimeoutNs;
    /** Nodes the session sees only through nft trace events: those events count fully there (else verdicts and rules only). */
    private final boolean[] enrichedOnly = new boolean[N];
    /** Whether the source said which nodes are enrichment-only; if not (a replay), a node is until a packet event lands there. */
    private boolean enrichmentDeclared;
    /** Nodes where an event of a packet (not a trace) has landed. */
    private final boolean[] packetSeen = new boolean[N];
    /** The engine's time: the latest event timestamp or source clock seen. */
    private long now = Long.MIN_VALUE;
    private long lastNsInode = Long.MIN_VALUE;
    private int lastNsIndex;
    /**
     * Outside nft mode, nft trace events (no skb) only enrich the netfilter nodes: their identity is
     * a trace id, not the skb the other events follow, so they must not become packets of their own.
     */
    private final boolean tracesEnrichOnly;
    private final EngineCounters c;
    private final PacketTable packets;
    /** Records each tracked packet's journey (null when the session keeps no packets). */
    private final JourneyRecorder journeys;
    /** Time of the first event since the last reset (Long.MIN_VALUE before it). */
    private long firstTs = Long.MIN_VALUE;
    /**
     * Per node, a hop slower than this makes its packet an exemplar candidate (see PacketHistory):
     * the node's p99.9 at the last snapshot; 0 (every packet) until there is one.
     */
    private final long[] tailNs = new long[N];
    /** Probe id → ProbeTable code, or UNCLASSIFIED. Grows (rarely) when new probe names appear. */
    private int[] probeCode = new int[0];
    /** Probe id → admitted function index, FN_UNSEEN or FN_REJECTED. */
    private int[] probeFn = new int[0];
    /** Bumped by reset(), so the snapshot side knows to clear its cumulative histograms. */
    private long resetGeneration;

    /**
     * @param history  keeps finished journeys (null: none)
     * @param listener also receives every finished journey (null: none); without either, no journeys are recorded
     */
    PacketAccounting(SessionConfig config, PacketHistory history, JourneySink listener) {
        this(config, history, listener, true);
    }

    /** {@code aggregates} false: journeys only (see {@link #aggregates}). */
    PacketAccounting(SessionConfig config, PacketHistory history, JourneySink listener, boolean aggregates) {
        this.aggregates = aggregates;
        this.evictBatch = config.evictBatch();
        this.idleTimeoutNs = config.idleTimeoutMs() * 1_000_000L;
        this.socketTimeoutNs = config.socketTimeoutMs() * 1_000_000L;
        this.tracesEnrichOnly = !"nft".equals(config.mode());
        this.c = new EngineCounters(config.maxFunctions(), true);
        this.packets = new PacketTable(config.maxTrackedSkbs());
        // a few steps per tracked packet: packets end within microseconds, most of the ring is recent steps
        this.journeys = history == null && listener == null ? null : new JourneyRecorder(config.maxTrackedSkbs(),
                Math.clamp(config.maxTrackedSkbs() * 4L, 4096, 65536), history, listener);
        growProbeArrays(Math.max(256, SymbolTable.PROBES.size() + 64));
    }

    /** The live counters (read them only under the same guard as {@link #account}). */
    EngineCounters counters() { return c; }

    /** How many times {@link #reset} ran. */
    long resetGeneration() { return resetGeneration; }

    int trackedPackets() { return packets.size(); }

    /** Sets the per-node tail thresholds (ns). */
    void tailThresholds(long[] p99Ns) { System.arraycopy(p99Ns, 0, tailNs, 0, N); }

    /** Time of the first event since the last reset, or Long.MIN_VALUE. */
    long firstTs() { return firstTs; }

    /**
     * Hands the journeys of the packets still tracked to the journey sink, as {@link JourneyEnd#IN_FLIGHT}
     * (the end of a recording); the stats do not change. Call it only when no more events will come.
     */
    void flushJourneys() {
        if (journeys == null) return;
        for (int list : new int[] {PacketTable.STACK, PacketTable.SOCKET}) {
            for (int slot = packets.oldest(list); slot != PacketTable.NONE; slot = packets.newer(slot)) {
                closeJourneyWithoutEnd(slot, JourneyEnd.IN_FLIGHT);
            }
        }
    }

    /** Clears all stats and tracked packets. */
    void reset() {
        c.clear();
        lastNsInode = Long.MIN_VALUE;
        packets.clear();
        if (journeys != null) journeys.clear();
        firstTs = Long.MIN_VALUE;
        resetGeneration++;
        Arrays.fill(probeFn, FN_UNSEEN);
        Arrays.fill(probeCode, UNCLASSIFIED); // re-marks nameless ids as never listed
    }

    /** Marks the end of a batch at wall time {@code wallNs} (rates decay from there). */
    void batchDone(long wallNs) { c.lastIngestWallNs = wallNs; }

    /** Whether nft trace events are the only view of node {@code node} (they then count there fully). */
    void enrichedOnly(int node, boolean only) { enrichedOnly[node] = only; enrichmentDeclared = true; }

    /**
     * The source's clock says it is {@code clockNs} (0: it doesn't know): packets idle past their
     * timeout expire even while no event arrives. At most {@link #IDLE_BUDGET} per call.
     */
    void advance(long clockNs) {
        if (clockNs > now) now = clockNs;
        if (now != Long.MIN_VALUE) expireIdle(now, IDLE_BUDGET);
    }

    void account(TraceEvent e) {
        EngineCounters c = this.c;
        final int w = e.weight > 1 ? e.weight : 1;
        c.totalEvents += w;
        final long ts = e.tsNs;
        if (ts > c.maxTs) {
            if (c.maxTs == Long.MIN_VALUE) firstTs = ts;
            c.maxTs = ts;
        }
        if (ts > now) now = ts;
        // ids past MAX_PROBES were never interned: don't let a broken source grow our tables
        final int probe = e.probe < MAX_PROBES ? e.probe : -1;
        final int code = codeOf(probe);
        if (!e.hasSkb && tracesEnrichOnly) { enrich(e, probe, code, w); return; }
        final long key;
        final boolean identified;
        if (e.hasSkb) { key = e.skb; identified = true; }
        else { key = e.traceId ^ TRACE_ID_TAG; identified = e.traceId != TraceEvent.UNKNOWN; }

        final int ns = nsIndex(e.netns);
        final int kind = ProbeTable.kind(code);

        if (ProbeTable.isTerminal(code)) {
            countFunction(probe, N, w);
            int slot = identified ? packets.find(key) : PacketTable.NONE;
            if (slot == PacketTable.NONE) { c.untrackedEndEvents += w; return; }
            if (journeys != null) journeys.step(slot, e, probe, JourneyDescriptor.END_NODE, 0, 0, -1, ts < packets.lastTs(slot));
            end(slot, ts, kind == ProbeTable.FREE, e.dropReason);
            return;
        }
        if (kind == ProbeTable.READ) {
            int slot = identified ? packets.find(key) : PacketTable.NONE;
            countAtNode(probe, SOCKET, Hook.NONE, Verdict.NONE, w, ns, false);
            if (slot == PacketTable.NONE) { c.untrackedEndEvents += w; return; }
            if (journeys != null) journeys.step(slot, e, probe, SOCKET, 0, 0, -1, ts < packets.lastTs(slot));
            read(slot, ts, ns);
            return;
        }

        final Hook hook = e.hook == null ? Hook.NONE : e.hook; // a careless source must not stop ingest
        final PacketTable p = packets;
        int node;
        int slot = PacketTable.NONE;
        boolean reordered = false;
        if (!identified) {
            node = ProbeTable.resolve(code, hook, PATH_NONE);
        } else {
            slot = p.find(key);
            if (slot == PacketTable.NONE) {
                slot = newPacket(key, ts, w, ns, e.hasSkb, 1);
                if (!e.hasSkb) p.markKnownByTraceId(slot);
            }
            if (kind == ProbeTable.CURRENT || kind == ProbeTable.STAGE_END) {
                // about the packet where it is (an ICMP error, a reset), or the end of the stage it is in
                node = kind == ProbeTable.STAGE_END ? ProbeTable.node(code) : OTHER;
                if (kind == ProbeTable.STAGE_END && p.node(slot) == node && p.resume(slot) != PacketTable.NONE) {
                    endStage(slot, ts);
                } else {
                    node = p.node(slot) == PacketTable.NONE ? OTHER : p.node(slot);
                }
            } else {
                node = ProbeTable.resolve(code, hook, p.path(slot));
                if (node != OTHER) {
                    if (p.node(slot) != PacketTable.NONE && p.reachedNic(slot) && (REENTRY_NODES & (1 << node)) != 0) {
                        // loopback/veth: the skb that left through nic is received again as a new packet
                        boolean byTraceId = p.knownByTraceId(slot);
                        int journey = journeys == null ? 1 : journeys.journey(slot) + 1;
                        end(slot, ts, false, TraceEvent.UNKNOWN);
                        slot = newPacket(key, ts, w, ns, !byTraceId, journey);
                        if (byTraceId) p.markKnownByTraceId(slot);
                        node = ProbeTable.resolve(code, hook, PATH_NONE);
                    }
                    boolean nested = kind == ProbeTable.STAGE && p.node(slot) != PacketTable.NONE
                            && (HOOK_NODES & (1 << p.node(slot))) != 0;
                    int cur = p.node(slot);
                    enter(slot, node, ts, nested, ns);
                    // a hook program without a verdict (netfilter links): the hook's verdict is inferred
                    // from what becomes of the packet (it goes on: ACCEPT; it is dropped there: DROP)
                    if (cur != node && kind == ProbeTable.NETFILTER && e.verdict == Verdict.NONE && hook.ordinal() >= Hook.PREROUTING.ordinal()
                            && hook.ordinal() <= Hook.POSTROUTING.ordinal() && (HOOK_NODES & (1 << node)) != 0) {
                        p.pendingVerdict(slot, hook.ordinal());
                    }
                } else if (p.visit(slot, OTHER)) {
                    c.nodePackets[OTHER] += p.weight(slot);
                }
            }
            reordered = ts < p.lastTs(slot);
            if (reordered) { c.reorderedEvents++; c.nodeErrors[node]++; }
            else p.lastTs(slot, ts);
            p.touch(slot, p.node(slot) == SOCKET ? PacketTable.SOCKET : PacketTable.STACK);
        }

        final Verdict verdict = e.verdict == null ? Verdict.NONE : e.verdict;
        packetSeen[node] = true;
        countAtNode(probe, node, hook, verdict, w, ns, ProbeTable.countsHook(code));
        if (verdict == Verdict.DROP) {
            if (slot == PacketTable.NONE) { c.nodeDrops[node] += w; c.drops += w; }
            else if (!p.dropped(slot)) {
                p.markDropped(slot);
                int pw = p.weight(slot);
                c.nodeDrops[node] += pw;
                c.drops += pw;
                closeOpenPipelines(slot, c.pipeDropped);
                if (journeys != null) journeys.dropped(slot, node, e.dropReason);
            }
        }
        int rule = -1;
        if (e.table != TraceEvent.UNKNOWN && e.chain != TraceEvent.UNKNOWN) rule = countRule(e.table, e.chain, e.ruleHandle, verdict.ordinal(), w);
        if (journeys != null && slot != PacketTable.NONE)
            journeys.step(slot, e, probe, node, hook.ordinal(), verdict.ordinal(), rule, reordered);
    }

    /**
     * An event at a node: its count and function (and its namespace's count), the hook's count
     * ({@code countHook}: a hook's own event, not a stage bracket inside it) and verdicts, the
     * session's and the node's verdicts.
     */
    private void countAtNode(int probe, int node, Hook hook, Verdict verdict, int w, int ns, boolean countHook) {
        c.nodeCount[node] += w;
        c.nsNodeCount[ns * N + node] += w;
        countFunction(probe, node, w);
        final int v = verdict.ordinal();
        if (hook != Hook.NONE) {
            if (countHook) c.hookCount[hook.ordinal()] += w;
            if (verdict != Verdict.NONE) c.hookVerdicts[hook.ordinal() * V + v] += w;
        }
        if (verdict != Verdict.NONE) {
            c.totalVerdicts[v] += w;
            c.nodeVerdicts[node * V + v] += w;
        }
    }

    /**
     * An nft trace event outside nft mode: never a packet, pipeline, edge or latency sample. Where
     * the kernel source cannot see the node itself ({@link #enrichedOnly}) it adds the node's counts,
     * verdicts, drops, hooks and rules; its drop adds to the node, not to the session's
     * {@code drops} (the skb's own drop event counts the packet once). Where the kernel source sees
     * the node, it adds only what the kernel cannot tell, the rules: the hook's verdicts then come
     * from what became of each packet.
     */
    private void enrich(TraceEvent e, int probe, int code, int w) {
        final Hook hook = e.hook == null ? Hook.NONE : e.hook;
        final int node = ProbeTable.resolve(code, hook, PATH_NONE);
        final Verdict verdict = e.verdict == null ? Verdict.NONE : e.verdict;
        boolean only = enrichmentDeclared ? enrichedOnly[node] : !packetSeen[node];
        if (!only) {
            if (e.table != TraceEvent.UNKNOWN && e.chain != TraceEvent.UNKNOWN) countRule(e.table, e.chain, e.ruleHandle, verdict.ordinal(), w);
            return;
        }
        countAtNode(probe, node, hook, verdict, w, nsIndex(e.netns), true);
        if (verdict == Verdict.DROP) {
            c.nodeDrops[node] += w;
            int reason = e.dropReason >= 0 && e.dropReason < MAX_DROP_REASONS ? e.dropReason : NETFILTER_DROP;
            c.ensureDropReason(reason);
            c.nodeDropReasons[node * c.dropReasonCap + reason] += w;
        }
        if (e.table != TraceEvent.UNKNOWN && e.chain != TraceEvent.UNKNOWN) countRule(e.table, e.chain, e.ruleHandle, verdict.ordinal(), w);
    }

    private int codeOf(int probe) {
        if (probe < 0) return ProbeTable.code(ProbeTable.FIXED, PipelineNode.OTHER);
        if (probe >= probeCode.length) growProbeArrays(Math.max(probe + 1, probeCode.length * 2));
        int code = probeCode[probe];
        if (code == UNCLASSIFIED) {
            String name = probe < SymbolTable.PROBES.size() ? SymbolTable.PROBES.name(probe) : null;
            code = ProbeTable.codeOf(name);
            probeCode[probe] = code;
            if (name == null) probeFn[probe] = FN_REJECTED; // no name to list it under
        }
        return code;
    }

    private void growProbeArrays(int size) {
        int old = probeCode.length;
        probeCode = Arrays.copyOf(probeCode, size);
        probeFn = Arrays.copyOf(probeFn, size);
        Arrays.fill(probeCode, old, size, UNCLASSIFIED);
        Arrays.fill(probeFn, old, size, FN_UNSEEN);
    }

    private void countFunction(int probe, int column, int w) {
        if (probe < 0 || !aggregates) return;
        int fn = probeFn[probe];
        if (fn >= 0) { c.fnCounts[fn * FN_COLUMNS + column] += w; return; }
        if (fn == FN_UNSEEN) {
            if (c.fnCount < c.maxFunctions) {
                fn = c.fnCount++;
                probeFn[probe] = fn;
                c.fnProbe[fn] = probe;
                c.fnCounts[fn * FN_COLUMNS + column] += w;
                return;
            }
            probeFn[probe] = FN_REJECTED;
            c.functionsDroppedNames++;
        }
        c.functionsDropped += w;
    }

    /** The breakdown index of a namespace inode (cached: consecutive events mostly share one). */
    private int nsIndex(long inode) {
        if (inode == lastNsInode) return lastNsIndex;
        lastNsInode = inode;
        return lastNsIndex = c.nsIndex(inode);
    }

    private int newPacket(long key, long ts, int w, int ns, boolean hasSkb, int journey) {
        expireIdle(Math.max(ts, now), IDLE_CHECKS);
        if (packets.isFull()) evictOldest(Math.min(evictBatch, packets.size()));
        int slot = packets.add(key, ts, w);
        if (journeys != null) journeys.open(slot, key, hasSkb, journey, ts, w);
        c.totalPackets += w;
        c.inFlightTotal += w;
        c.nsPackets[ns] += w;
        if (aggregates) c.countRate(RATE_TOTAL, ts, w);
        return slot;
    }

    /**
     * Moves the packet in {@code slot} to {@code node} (not OTHER) at {@code ts}. The node it
     * leaves gets its latency sample, and the edge from the node last entered gets the time since
     * then, except that a stage nested in a netfilter hook's node ({@code nested}: conntrack or NAT
     * opened inside the hook) does not end the hook's time: the hook's node accumulates its runs
     * and gets one sample, its time less the stages', when the packet leaves the hook.
     */
    private void enter(int slot, int node, long ts, boolean nested, int ns) {
        final PacketTable p = packets;
        int cur = p.node(slot);
        if (cur == node) return;
        final int pw = p.weight(slot);
        if (cur != PacketTable.NONE) {
            long run = Math.max(0, ts - p.runStart(slot));
            if (nested) {
                p.hookNs(slot, p.hookNs(slot) + run);
                p.resume(slot, cur);
            } else {
                long sample = p.hookNs(slot) + run;
                recordNode(cur, sample, pw);
                if (sample > tailNs[cur] && journeys != null) journeys.markTail(slot);
                p.hookNs(slot, 0);
                p.resume(slot, PacketTable.NONE);
                inferVerdict(slot, cur, Verdict.ACCEPT);
            }
            int from = p.edgeFrom(slot);
            if (from != PacketTable.NONE) {
                int edge = from * N + node;
                recordEdge(edge, Math.max(0, ts - p.edgeTs(slot)), pw);
                c.nsEdgeCount[ns * N * N + edge] += pw;
            }
            c.nodeInFlight[cur] -= pw;
        }
        c.nodeInFlight[node] += pw;
        p.node(slot, node);
        p.runStart(slot, ts);
        p.edgeFrom(slot, node, ts);
        if (p.visit(slot, node)) {
            c.nodePackets[node] += pw;
            c.nsNodePackets[ns * N + node] += pw;
            if (aggregates) c.countRate(node, ts, pw);
        }
        // pipelines: the first inbound/outbound node decides the path; routing decides the branch
        int np = NODE_PATH[node];
        int path = p.path(slot);
        if (path == PATH_NONE) {
            if (np == PATH_OUTBOUND) { path = PATH_OUTBOUND; start(slot, PIPE_OUTBOUND); }
            else { path = PATH_INBOUND; start(slot, PIPE_INBOUND); }
        }
        if (path == PATH_INBOUND) {
            if (np == PATH_LOCAL) { path = PATH_LOCAL; start(slot, PIPE_LOCAL); }
            else if (np == PATH_FORWARD) { path = PATH_FORWARD; start(slot, PIPE_FORWARD); }
        }
        p.path(slot, path);
        if (node == SOCKET && path == PATH_LOCAL) { complete(slot, PIPE_LOCAL); complete(slot, PIPE_INBOUND); }
        else if (node == NIC_TX) {
            p.markReachedNic(slot);
            if (path == PATH_FORWARD) { complete(slot, PIPE_FORWARD); complete(slot, PIPE_INBOUND); }
        } else if (node == NIC) {
            p.markReachedNic(slot);
            if (path == PATH_OUTBOUND) complete(slot, PIPE_OUTBOUND);
        }
    }

    /** Counts the verdict inferred for the hook whose node the packet leaves (or is dropped at), if one is pending. */
    private void inferVerdict(int slot, int node, Verdict v) {
        int hook = packets.pendingVerdict(slot);
        if (hook == 0) return;
        if (packets.resume(slot) != PacketTable.NONE && v == Verdict.DROP) node = packets.resume(slot); // dropped inside a stage: the hook's
        packets.pendingVerdict(slot, 0);
        int w = packets.weight(slot);
        c.hookVerdicts[hook * V + v.ordinal()] += w;
        c.totalVerdicts[v.ordinal()] += w;
        c.nodeVerdicts[node * V + v.ordinal()] += w;
    }

    /**
     * The stage the packet is in (conntrack, NAT) ends at {@code ts}: the stage gets its sample and
     * the packet is back in the hook's node, whose time runs again. No edge: the next node entered
     * is reached from the stage.
     */
    private void endStage(int slot, long ts) {
        final PacketTable p = packets;
        int stage = p.node(slot), hookNode = p.resume(slot);
        int pw = p.weight(slot);
        recordNode(stage, Math.max(0, ts - p.runStart(slot)), pw);
        c.nodeInFlight[stage] -= pw;
        c.nodeInFlight[hookNode] += pw;
        p.node(slot, hookNode);
        p.runStart(slot, ts);
    }

    /**
     * The application read the packet: it ends, completed, at the socket. Its socket sample runs
     * from its delivery; if its delivery was not seen, it enters the socket now without a sample
     * (the time it waited is unknown).
     */
    private void read(int slot, long ts, int ns) {
        final PacketTable p = packets;
        if (p.node(slot) != SOCKET) {
            enter(slot, SOCKET, ts, false, ns);
            if (journeys != null) journeys.close(slot, JourneyEnd.COMPLETED, p.lastTs(slot), ts, false, p.path(slot), p.visited(slot), -1, -1);
            untrack(slot, c.pipeCompleted);
            return;
        }
        end(slot, ts, false, TraceEvent.UNKNOWN);
    }

    private void recordNode(int node, long sample, int w) {
        if (aggregates) record(node, sample, w, c.nodeSamples, c.nodeSumNs, c.nodeMaxNs, c.nodeMinNs, c.nodeLatency, true);
    }

    private void recordEdge(int edge, long sample, int w) {
        if (aggregates) record(edge, sample, w, c.edgeCount, c.edgeSumNs, c.edgeMaxNs, c.edgeMinNs, c.edgeLatency, false);
    }

    /** One latency sample of weight {@code w} at index {@code i} of a node's or an edge's arrays. */
    private static void record(int i, long sample, int w, long[] count, long[] sumNs, long[] maxNs, long[] minNs,
                               SampleCounts[] hist, boolean node) {
        count[i] += w;
        sumNs[i] += sample * w;
        if (sample > maxNs[i]) maxNs[i] = sample;
        if (sample < minNs[i]) minNs[i] = sample;
        SampleCounts h = hist[i];
        if (h == null) hist[i] = h = node ? EngineCounters.newNodeSamples() : EngineCounters.newEdgeSamples();
        h.record(Math.min(sample, HIST_MAX_NS), w);
    }

    private void start(int slot, int pipe) {
        if (packets.startPipeline(slot, pipe)) c.pipeStarted[pipe] += packets.weight(slot);
    }

    private void complete(int slot, int pipe) {
        if (packets.closePipeline(slot, pipe)) c.pipeCompleted[pipe] += packets.weight(slot);
    }

    /** Closes the packet's open pipelines, adding its weight to each one's count in {@code outcome}. */
    private void closeOpenPipelines(int slot, long[] outcome) {
        int open = packets.closeOpenPipelines(slot);
        if (open == 0) return;
        int pw = packets.weight(slot);
        for (int pipe = 0; pipe < PIPES; pipe++) if ((open & 1 << pipe) != 0) outcome[pipe] += pw;
    }

    /** Ends the packet in {@code slot} normally or as a drop, and stops tracking it. */
    private void end(int slot, long ts, boolean drop, int dropReason) {
        final PacketTable p = packets;
        int node = p.node(slot);
        final int pw = p.weight(slot);
        if (node != PacketTable.NONE) {
            if (ts < p.lastTs(slot)) { c.reorderedEvents++; c.nodeErrors[node]++; }
            long sample = p.hookNs(slot) + Math.max(0, ts - p.runStart(slot));
            recordNode(node, sample, pw);
            if (sample > tailNs[node] && journeys != null) journeys.markTail(slot);
        }
        if (drop) {
            int reason = dropReason < 0 || dropReason >= MAX_DROP_REASONS ? NOT_SPECIFIED : dropReason;
            // a reason other than netfilter's says the hook let the packet go and something after it
            // dropped it (a neighbour that never resolved after POSTROUTING): the hook accepted it
            if (node != PacketTable.NONE)
                inferVerdict(slot, node, reason == NOT_SPECIFIED || reason == NETFILTER_DROP ? Verdict.DROP : Verdict.ACCEPT);
            int at = node == PacketTable.NONE ? OTHER : node;
            c.ensureDropReason(reason);
            c.nodeDropReasons[at * c.dropReasonCap + reason] += pw;
            if (!p.dropped(slot)) {
                c.nodeDrops[at] += pw;
                c.drops += pw;
            }
            if (journeys != null) journeys.close(slot, JourneyEnd.DROPPED, p.lastTs(slot), ts, node != PacketTable.NONE, p.path(slot), p.visited(slot), at, reason);
        } else if (journeys != null) {
            journeys.close(slot, JourneyEnd.COMPLETED, p.lastTs(slot), ts, node != PacketTable.NONE, p.path(slot), p.visited(slot), -1, -1);
        }
        // a packet dropped earlier has no open pipeline left
        untrack(slot, drop ? c.pipeDropped : c.pipeCompleted);
    }

    /**
     * Stops tracking the packet in {@code slot}: it leaves its node and the in-flight count, and
     * its open pipelines end with {@code outcome} (completed, dropped or evicted). Returns its weight.
     */
    private int untrack(int slot, long[] outcome) {
        final PacketTable p = packets;
        int node = p.node(slot);
        int pw = p.weight(slot);
        if (node != PacketTable.NONE) c.nodeInFlight[node] -= pw;
        closeOpenPipelines(slot, outcome);
        p.remove(slot);
        c.inFlightTotal -= pw;
        return pw;
    }

    /**
     * Closes packets that have been quiet too long at time {@code now}, least recently active
     * first, at most {@code budget}. Known by an nft trace id (nft mode: no end event will ever come)
     * after {@link #TRACE_IDLE_NS}: completed. Any other packet ended where nothing reports it (a
     * TCP ACK eaten by the stack, a coalesced segment): after the idle timeout in the stack, or the
     * socket timeout while delivered and not read: {@code expired}, never completed. No end sample:
     * the end time is unknown.
     */
    private void expireIdle(long now, int budget) {
        final PacketTable p = packets;
        while (budget > 0) {
            int slot = p.oldest(PacketTable.STACK);
            if (slot == PacketTable.NONE) break;
            boolean trace = p.knownByTraceId(slot);
            if (now - p.lastTs(slot) < (trace ? TRACE_IDLE_NS : idleTimeoutNs)) break;
            closeJourneyWithoutEnd(slot, JourneyEnd.EXPIRED);
            if (trace) c.idleEndedPackets += untrack(slot, c.pipeCompleted);
            else c.expiredPackets += untrack(slot, c.pipeExpired);
            budget--;
        }
        while (budget > 0) {
            int slot = p.oldest(PacketTable.SOCKET);
            if (slot == PacketTable.NONE || now - p.lastTs(slot) < socketTimeoutNs) break;
            closeJourneyWithoutEnd(slot, JourneyEnd.EXPIRED);
            c.expiredPackets += untrack(slot, c.pipeExpired);
            budget--;
        }
    }

    /**
     * Hands the journey of the packet in {@code slot} to the journey sink as {@code end}, for a packet
     * whose end no event reported (still in flight, expired, evicted): no end time, no drop point.
     */
    private void closeJourneyWithoutEnd(int slot, JourneyEnd end) {
        if (journeys != null) {
            journeys.close(slot, end, packets.lastTs(slot), 0, false, packets.path(slot), packets.visited(slot), -1, -1);
        }
    }

    /** Makes room: the {@code count} oldest packets stop being tracked, their open pipelines as evicted. */
    private void evictOldest(int count) {
        for (int i = 0; i < count; i++) {
            int slot = packets.oldest();
            if (slot == PacketTable.NONE) return;
            closeJourneyWithoutEnd(slot, JourneyEnd.EVICTED);
            c.evictedPackets += untrack(slot, c.pipeEvicted);
        }
    }

    /** Counts a hit of an nft rule; returns its index in the rule table, or -1 when it is not counted. */
    private int countRule(int table, int chain, long handle, int verdict, int w) {
        long k = (table * 0x9E3779B97F4A7C15L) ^ (chain * 0xC2B2AE3D27D4EB4FL) ^ handle;
        int idx = (int) c.ruleIndex.get(k);
        if (idx < 0) {
            if (c.ruleCount == MAX_RULES) { c.rulesDropped++; return -1; }
            idx = c.ruleCount++;
            c.ruleTable[idx] = table;
            c.ruleChain[idx] = chain;
            c.ruleHandle[idx] = handle;
            c.ruleIndex.put(k, idx);
        } else if (c.ruleTable[idx] != table || c.ruleChain[idx] != chain || c.ruleHandle[idx] != handle) {
            c.rulesDropped++; // hash collision of two distinct rules: never miscount, just skip
            return -1;
        }
        c.ruleHits[idx] += w;
        if (verdict != 0) c.ruleVerdicts[idx * V + verdict] += w;
        return idx;
    }

    /** For tests: sizes that must stay constant for the tracker's life (see SustainedLoadTest). */
    int[] internalSizes() {
        return new int[]{packets.size(), packets.capacity(), packets.mapCapacity(), probeCode.length,
                c.dropReasonCap, c.fnCount, c.ruleCount};
    }
}

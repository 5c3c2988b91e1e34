package dev.skbscope.engine;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.EventSink;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import org.HdrHistogram.Histogram;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

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
import static dev.skbscope.engine.PacketTable.FLAGS;
import static dev.skbscope.engine.PacketTable.LAST_TS;
import static dev.skbscope.engine.PacketTable.NODE;
import static dev.skbscope.engine.PacketTable.PATH;
import static dev.skbscope.engine.PacketTable.RUN_START;
import static dev.skbscope.engine.PacketTable.VISITED;
import static dev.skbscope.engine.ProbeTable.PATH_FORWARD;
import static dev.skbscope.engine.ProbeTable.PATH_INBOUND;
import static dev.skbscope.engine.ProbeTable.PATH_LOCAL;
import static dev.skbscope.engine.ProbeTable.PATH_NONE;
import static dev.skbscope.engine.ProbeTable.PATH_OUTBOUND;

/**
 * One session's stats (spec sections 2-4). Single writer: one thread calls {@link #ingest} /
 * {@link #accept}; {@link #snapshot}, {@link #reset} and {@link #nodeUnobservable} are safe from
 * any thread. The writer takes a lock once per batch; a snapshot holds it only while copying the
 * primitive counters and histograms into a pre-allocated scratch copy, and builds the immutable
 * {@link StatsSnapshot} after releasing it.
 *
 * <p>Per event nothing is allocated in steady state: packets are tracked in the fixed slots of a
 * {@link PacketTable} (at most {@code max_tracked_skbs}; past that the oldest {@code evictBatch}
 * are evicted), probe classifications are cached in an array indexed by probe id, and latency
 * histograms are created once per node or edge.
 *
 * <p>Interpretations of the spec: the last node's end sample is measured from the first event of
 * the packet's run at that node (like every other node sample); {@code other} events are counted
 * but do not move a packet between nodes (so unknown functions traced in multifunction mode do
 * not split a node's latency); a node's {@code errors} counts its events whose timestamp was
 * earlier than their packet's previous event.
 */
public final class SessionStatsTracker implements EventSink {
    private static final int OTHER = PipelineNode.OTHER.ordinal();
    private static final int SOCKET = PipelineNode.SOCKET.ordinal();
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
    static final long TRACE_IDLE_NS = 1_000_000_000L;
    static final int NOT_SPECIFIED = SymbolTable.DROP_REASONS.intern("NOT_SPECIFIED");

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

    private final SessionConfig config;
    private final SourceCounters source;
    /** Fair, so a waiting snapshot gets the lock at the next batch boundary instead of starving. */
    private final ReentrantLock lock = new ReentrantLock(true);
    private final EngineCounters c;
    private final PacketTable packets;
    /** Probe id → ProbeTable code, or UNCLASSIFIED. Grows (rarely) when new probe names appear. */
    private int[] probeCode = new int[0];
    /** Probe id → admitted function index, FN_UNSEEN or FN_REJECTED. */
    private int[] probeFn = new int[0];
    private final AtomicReferenceArray<String> unobserved = new AtomicReferenceArray<>(N);
    /** Wall clock in ns (System::nanoTime; tests inject their own). */
    private final LongSupplier clock;
    private final long startWallNs;
    /**
     * Outside nft mode, nft trace events (no skb) only enrich the netfilter nodes: their identity is
     * a trace id, not the skb the other events follow, so they must not become packets of their own.
     */
    private final boolean tracesEnrichOnly;
    private volatile RuleTextLookup ruleText;

    /** Guards the scratch copy, so concurrent snapshots take turns instead of sharing it. */
    private final Object snapshotLock = new Object();
    private final EngineCounters scratch;
    /** Histograms handed over by the writer at the last snapshot, emptied after being added to scratch. */
    private final Histogram[] nodeSpares = new Histogram[N], edgeSpares = new Histogram[N * N];
    /** Bumped by reset(), so the snapshot side knows to clear its cumulative histograms. */
    private long resetGeneration;
    private long scratchGeneration;

    public SessionStatsTracker(SessionConfig config, SourceCounters source) {
        this(config, source, System::nanoTime);
    }

    SessionStatsTracker(SessionConfig config, SourceCounters source, LongSupplier clock) {
        this.config = config;
        this.clock = clock;
        this.startWallNs = clock.getAsLong();
        this.tracesEnrichOnly = !"nft".equals(config.mode());
        this.source = source;
        this.c = new EngineCounters(config.maxFunctions(), true);
        this.scratch = new EngineCounters(config.maxFunctions(), false);
        this.packets = new PacketTable(config.maxTrackedSkbs());
        growProbeArrays(Math.max(256, SymbolTable.PROBES.size() + 64));
    }

    public SessionConfig config() { return config; }
    public SourceCounters source() { return source; }

    /** Writer thread: accounts every event of the batch. */
    public void ingest(EventBatch batch) {
        lock.lock();
        try {
            for (int i = 0, n = batch.size(); i < n; i++) account(batch.get(i));
            c.lastIngestWallNs = clock.getAsLong();
        } finally {
            lock.unlock();
        }
    }

    /** Writer thread: accounts one event (prefer {@link #ingest}, which locks once per batch). */
    @Override
    public void accept(TraceEvent e) {
        lock.lock();
        try {
            account(e);
            c.lastIngestWallNs = clock.getAsLong();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Marks a node as not observable on this machine, with the reason (any thread).
     * @throws IllegalArgumentException if {@code nodeId} is not a node id
     */
    public void nodeUnobservable(String nodeId, String reason) {
        PipelineNode n = PipelineNode.byId(nodeId);
        if (n == null) throw new IllegalArgumentException("unknown pipeline node: " + nodeId);
        unobserved.set(n.ordinal(), reason == null || reason.isBlank() ? "not observable" : reason);
    }

    /** Where snapshots get the text of nft rules from (null: none); any thread. */
    public void ruleTextLookup(RuleTextLookup lookup) { this.ruleText = lookup; }

    /** Any thread: an immutable copy of the stats now. */
    public StatsSnapshot snapshot() {
        synchronized (snapshotLock) {
            long generation;
            lock.lock();
            try {
                c.copyInto(scratch);
                c.swapHistograms(nodeSpares, edgeSpares);
                generation = resetGeneration;
            } finally {
                lock.unlock();
            }
            // the spares now hold the samples since the last swap: fold them into the cumulative ones
            if (generation != scratchGeneration) {
                for (Histogram h : scratch.nodeHist) if (h != null) h.reset();
                for (Histogram h : scratch.edgeHist) if (h != null) h.reset();
                scratchGeneration = generation;
            }
            foldInto(nodeSpares, scratch.nodeHist, true);
            foldInto(edgeSpares, scratch.edgeHist, false);
            String[] reasons = new String[N];
            for (int i = 0; i < N; i++) reasons[i] = unobserved.get(i);
            return SnapshotBuilder.build(scratch, config, source, reasons, startWallNs, clock.getAsLong(), ruleText);
        }
    }

    private static void foldInto(Histogram[] intervals, Histogram[] cumulative, boolean nodes) {
        for (int i = 0; i < intervals.length; i++) {
            Histogram h = intervals[i];
            if (h == null || h.getTotalCount() == 0) continue;
            if (cumulative[i] == null) {
                cumulative[i] = nodes ? EngineCounters.newNodeHistogram() : EngineCounters.newEdgeHistogram();
            }
            cumulative[i].add(h);
            h.reset();
        }
    }

    /** Clears all stats and tracked packets (global tracker reset; the uptime keeps counting); any thread. */
    public void reset() {
        lock.lock();
        try {
            c.clear();
            packets.clear();
            resetGeneration++;
            Arrays.fill(probeFn, FN_UNSEEN);
            Arrays.fill(probeCode, UNCLASSIFIED); // re-marks nameless ids as never listed
        } finally {
            lock.unlock();
        }
    }

    /** Packets tracked now; any thread (takes the lock briefly). */
    public int trackedPackets() {
        lock.lock();
        try {
            return packets.size();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- writer side, under lock

    private void account(TraceEvent e) {
        EngineCounters c = this.c;
        final int w = e.weight > 1 ? e.weight : 1;
        c.totalEvents += w;
        final long ts = e.tsNs;
        if (ts > c.maxTs) c.maxTs = ts;
        // ids past MAX_PROBES were never interned: don't let a broken source grow our tables
        final int probe = e.probe < MAX_PROBES ? e.probe : -1;
        final int code = codeOf(probe);
        if (!e.hasSkb && tracesEnrichOnly) { enrich(e, probe, code, w); return; }
        final long key;
        final boolean identified;
        if (e.hasSkb) { key = e.skb; identified = true; }
        else { key = e.traceId ^ TRACE_ID_TAG; identified = e.traceId != TraceEvent.UNKNOWN; }

        if (ProbeTable.isTerminal(code)) {
            countFunction(probe, N, w);
            int slot = identified ? packets.find(key) : PacketTable.NONE;
            if (slot == PacketTable.NONE) { c.untrackedEndEvents += w; return; }
            end(slot, ts, ProbeTable.kind(code) == ProbeTable.FREE, e.dropReason);
            return;
        }

        final Hook hook = e.hook == null ? Hook.NONE : e.hook; // a careless source must not stop ingest
        int node;
        int slot = PacketTable.NONE;
        if (!identified) {
            node = ProbeTable.resolve(code, hook, PATH_NONE);
        } else {
            slot = packets.find(key);
            if (slot == PacketTable.NONE) {
                slot = newPacket(key, ts, w);
                if (!e.hasSkb) packets.meta[slot << 2 | FLAGS] = PacketTable.FLAG_TRACE_ID;
            }
            node = ProbeTable.resolve(code, hook, packets.meta[slot << 2 | PATH]);
            if (node != OTHER) {
                int cur = packets.meta[slot << 2 | NODE];
                if (cur != PacketTable.NONE && (packets.meta[slot << 2 | FLAGS] & PacketTable.FLAG_REACHED_NIC) != 0
                        && (REENTRY_NODES & (1 << node)) != 0) {
                    // loopback/veth: the skb that left through nic is received again as a new packet
                    int traceFlag = packets.meta[slot << 2 | FLAGS] & PacketTable.FLAG_TRACE_ID;
                    end(slot, ts, false, TraceEvent.UNKNOWN);
                    slot = newPacket(key, ts, w);
                    packets.meta[slot << 2 | FLAGS] = traceFlag;
                    node = ProbeTable.resolve(code, hook, PATH_NONE);
                }
                enter(slot, node, ts);
            } else if ((packets.meta[slot << 2 | VISITED] & (1 << OTHER)) == 0) {
                packets.meta[slot << 2 | VISITED] |= 1 << OTHER;
                c.nodePackets[OTHER] += packets.weight[slot];
            }
            if (ts < packets.time[slot << 1 | LAST_TS]) { c.reorderedEvents++; c.nodeErrors[node]++; }
            else packets.time[slot << 1 | LAST_TS] = ts;
        }

        final Verdict verdict = e.verdict == null ? Verdict.NONE : e.verdict;
        final int v = verdict.ordinal();
        countAtNode(probe, node, hook, verdict, w);
        if (verdict != Verdict.NONE) {
            if (verdict == Verdict.DROP) {
                if (slot == PacketTable.NONE) { c.nodeDrops[node] += w; c.drops += w; }
                else if ((packets.meta[slot << 2 | FLAGS] & PacketTable.FLAG_DROPPED) == 0) {
                    packets.meta[slot << 2 | FLAGS] |= PacketTable.FLAG_DROPPED;
                    int pw = packets.weight[slot];
                    c.nodeDrops[node] += pw;
                    c.drops += pw;
                    dropPipelines(slot);
                }
            }
        }
        if (e.table != TraceEvent.UNKNOWN && e.chain != TraceEvent.UNKNOWN) countRule(e.table, e.chain, e.ruleHandle, v, w);
    }

    /** An event at a node: its count and function, the hook's count and verdicts, the session's and the node's verdicts. */
    private void countAtNode(int probe, int node, Hook hook, Verdict verdict, int w) {
        c.nodeCount[node] += w;
        countFunction(probe, node, w);
        final int v = verdict.ordinal();
        if (hook != Hook.NONE) {
            c.hookCount[hook.ordinal()] += w;
            if (verdict != Verdict.NONE) c.hookVerdicts[hook.ordinal() * V + v] += w;
        }
        if (verdict != Verdict.NONE) {
            c.totalVerdicts[v] += w;
            c.nodeVerdicts[node * V + v] += w;
        }
    }

    private static final int NETFILTER_DROP = SymbolTable.DROP_REASONS.intern("NETFILTER_DROP");

    /**
     * An nft trace event outside nft mode: counts, verdicts, drops, hooks and rules of its
     * netfilter node, but no packet, pipeline, edge or latency sample. Its drop adds to the node,
     * not to the session's {@code drops}: the skb's own drop event counts the packet once.
     */
    private void enrich(TraceEvent e, int probe, int code, int w) {
        final Hook hook = e.hook == null ? Hook.NONE : e.hook;
        final int node = ProbeTable.resolve(code, hook, PATH_NONE);
        final Verdict verdict = e.verdict == null ? Verdict.NONE : e.verdict;
        final int v = verdict.ordinal();
        countAtNode(probe, node, hook, verdict, w);
        if (verdict != Verdict.NONE) {
            if (verdict == Verdict.DROP) {
                c.nodeDrops[node] += w;
                int reason = e.dropReason >= 0 && e.dropReason < MAX_DROP_REASONS ? e.dropReason : NETFILTER_DROP;
                c.ensureDropReason(reason);
                c.nodeDropReasons[node * c.dropReasonCap + reason] += w;
            }
        }
        if (e.table != TraceEvent.UNKNOWN && e.chain != TraceEvent.UNKNOWN) countRule(e.table, e.chain, e.ruleHandle, v, w);
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
        if (probe < 0) return;
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

    private int newPacket(long key, long ts, int w) {
        expireIdleTraces(ts);
        if (packets.isFull()) evictOldest(Math.min(config.evictBatch(), packets.size()));
        int slot = packets.add(key, ts, w);
        c.totalPackets += w;
        c.inFlightTotal += w;
        c.countRate(RATE_TOTAL, ts, w);
        return slot;
    }

    /** Moves the packet in {@code slot} to {@code node} (not OTHER) at {@code ts}. */
    private void enter(int slot, int node, long ts) {
        PacketTable p = packets;
        int cur = p.meta[slot << 2 | NODE];
        if (cur == node) return;
        final int pw = p.weight[slot];
        if (cur != PacketTable.NONE) {
            long sample = Math.max(0, ts - p.time[slot << 1 | RUN_START]);
            recordNode(cur, sample, pw);
            int edge = cur * N + node;
            c.edgeCount[edge] += pw;
            c.edgeSumNs[edge] += sample * pw;
            if (sample > c.edgeMaxNs[edge]) c.edgeMaxNs[edge] = sample;
            if (sample < c.edgeMinNs[edge]) c.edgeMinNs[edge] = sample;
            Histogram h = c.edgeHist[edge];
            if (h == null) c.edgeHist[edge] = h = EngineCounters.newEdgeHistogram();
            h.recordValueWithCount(Math.min(sample, HIST_MAX_NS), pw);
            c.nodeInFlight[cur] -= pw;
        }
        c.nodeInFlight[node] += pw;
        p.meta[slot << 2 | NODE] = node;
        p.time[slot << 1 | RUN_START] = ts;
        int bit = 1 << node;
        if ((p.meta[slot << 2 | VISITED] & bit) == 0) {
            p.meta[slot << 2 | VISITED] |= bit;
            c.nodePackets[node] += pw;
            c.countRate(node, ts, pw);
        }
        // pipelines: the first inbound/outbound node decides the path; routing decides the branch
        int np = NODE_PATH[node];
        int path = p.meta[slot << 2 | PATH];
        if (path == PATH_NONE) {
            if (np == PATH_OUTBOUND) { path = PATH_OUTBOUND; start(slot, PIPE_OUTBOUND); }
            else { path = PATH_INBOUND; start(slot, PIPE_INBOUND); }
        }
        if (path == PATH_INBOUND) {
            if (np == PATH_LOCAL) { path = PATH_LOCAL; start(slot, PIPE_LOCAL); }
            else if (np == PATH_FORWARD) { path = PATH_FORWARD; start(slot, PIPE_FORWARD); }
        }
        p.meta[slot << 2 | PATH] = path;
        if (node == SOCKET && path == PATH_LOCAL) { complete(slot, PIPE_LOCAL); complete(slot, PIPE_INBOUND); }
        else if (node == NIC_TX) {
            p.meta[slot << 2 | FLAGS] |= PacketTable.FLAG_REACHED_NIC;
            if (path == PATH_FORWARD) { complete(slot, PIPE_FORWARD); complete(slot, PIPE_INBOUND); }
        } else if (node == NIC) {
            p.meta[slot << 2 | FLAGS] |= PacketTable.FLAG_REACHED_NIC;
            if (path == PATH_OUTBOUND) complete(slot, PIPE_OUTBOUND);
        }
    }

    private void recordNode(int node, long sample, int w) {
        c.nodeSamples[node] += w;
        c.nodeSumNs[node] += sample * w;
        if (sample > c.nodeMaxNs[node]) c.nodeMaxNs[node] = sample;
        if (sample < c.nodeMinNs[node]) c.nodeMinNs[node] = sample;
        Histogram h = c.nodeHist[node];
        if (h == null) c.nodeHist[node] = h = EngineCounters.newNodeHistogram();
        h.recordValueWithCount(Math.min(sample, HIST_MAX_NS), w);
    }

    private void start(int slot, int pipe) {
        int started = 1 << pipe;
        int f = packets.meta[slot << 2 | FLAGS];
        if ((f & started) != 0) return;
        packets.meta[slot << 2 | FLAGS] = f | started | started << 4;
        c.pipeStarted[pipe] += packets.weight[slot];
    }

    private void complete(int slot, int pipe) {
        int open = 1 << (pipe + 4);
        int f = packets.meta[slot << 2 | FLAGS];
        if ((f & open) == 0) return;
        packets.meta[slot << 2 | FLAGS] = f & ~open;
        c.pipeCompleted[pipe] += packets.weight[slot];
    }

    private void dropPipelines(int slot) {
        int f = packets.meta[slot << 2 | FLAGS];
        int pw = packets.weight[slot];
        for (int pipe = 0; pipe < PIPES; pipe++) if ((f & 1 << (pipe + 4)) != 0) c.pipeDropped[pipe] += pw;
        packets.meta[slot << 2 | FLAGS] = f & ~0xf0;
    }

    /** Ends the packet in {@code slot} normally or as a drop, and stops tracking it. */
    private void end(int slot, long ts, boolean drop, int dropReason) {
        PacketTable p = packets;
        int node = p.meta[slot << 2 | NODE];
        final int pw = p.weight[slot];
        if (node != PacketTable.NONE) {
            if (ts < p.time[slot << 1 | LAST_TS]) { c.reorderedEvents++; c.nodeErrors[node]++; }
            recordNode(node, Math.max(0, ts - p.time[slot << 1 | RUN_START]), pw);
            c.nodeInFlight[node] -= pw;
        }
        if (drop) {
            int at = node == PacketTable.NONE ? OTHER : node;
            int reason = dropReason < 0 || dropReason >= MAX_DROP_REASONS ? NOT_SPECIFIED : dropReason;
            c.ensureDropReason(reason);
            c.nodeDropReasons[at * c.dropReasonCap + reason] += pw;
            if ((p.meta[slot << 2 | FLAGS] & PacketTable.FLAG_DROPPED) == 0) {
                c.nodeDrops[at] += pw;
                c.drops += pw;
                dropPipelines(slot);
            }
        } else {
            int f = p.meta[slot << 2 | FLAGS];
            for (int pipe = 0; pipe < PIPES; pipe++) if ((f & 1 << (pipe + 4)) != 0) c.pipeCompleted[pipe] += pw;
        }
        p.remove(slot);
        c.inFlightTotal -= pw;
    }

    /**
     * nft trace ids have no end event: the oldest such packets that have been quiet for
     * {@link #TRACE_IDLE_NS} of event time end as completed (no end sample: the end time is
     * unknown). Checks at most a few per new packet, so it stays O(1) per event.
     */
    private void expireIdleTraces(long now) {
        PacketTable p = packets;
        for (int budget = 4; budget > 0; budget--) {
            int slot = p.oldest();
            if (slot == PacketTable.NONE || (p.meta[slot << 2 | FLAGS] & PacketTable.FLAG_TRACE_ID) == 0
                    || now - p.time[slot << 1 | LAST_TS] < TRACE_IDLE_NS) return;
            int node = p.meta[slot << 2 | NODE];
            int pw = p.weight[slot];
            if (node != PacketTable.NONE) c.nodeInFlight[node] -= pw;
            int f = p.meta[slot << 2 | FLAGS];
            for (int pipe = 0; pipe < PIPES; pipe++) if ((f & 1 << (pipe + 4)) != 0) c.pipeCompleted[pipe] += pw;
            p.remove(slot);
            c.inFlightTotal -= pw;
            c.idleEndedPackets += pw;
        }
    }

    private void evictOldest(int count) {
        PacketTable p = packets;
        for (int i = 0; i < count; i++) {
            int slot = p.oldest();
            if (slot == PacketTable.NONE) return;
            int node = p.meta[slot << 2 | NODE];
            int pw = p.weight[slot];
            if (node != PacketTable.NONE) c.nodeInFlight[node] -= pw;
            int f = p.meta[slot << 2 | FLAGS];
            for (int pipe = 0; pipe < PIPES; pipe++) if ((f & 1 << (pipe + 4)) != 0) c.pipeEvicted[pipe] += pw;
            p.remove(slot);
            c.inFlightTotal -= pw;
            c.evictedPackets += pw;
        }
    }

    private void countRule(int table, int chain, long handle, int verdict, int w) {
        long k = (table * 0x9E3779B97F4A7C15L) ^ (chain * 0xC2B2AE3D27D4EB4FL) ^ handle;
        int idx = (int) c.ruleIndex.get(k);
        if (idx < 0) {
            if (c.ruleCount == MAX_RULES) { c.rulesDropped++; return; }
            idx = c.ruleCount++;
            c.ruleTable[idx] = table;
            c.ruleChain[idx] = chain;
            c.ruleHandle[idx] = handle;
            c.ruleIndex.put(k, idx);
        } else if (c.ruleTable[idx] != table || c.ruleChain[idx] != chain || c.ruleHandle[idx] != handle) {
            c.rulesDropped++; // hash collision of two distinct rules: never miscount, just skip
            return;
        }
        c.ruleHits[idx] += w;
        if (verdict != 0) c.ruleVerdicts[idx * V + verdict] += w;
    }

    // ---------------------------------------------------------------- test hooks

    /** For tests: the slots' capacity and the identity map's backing size (constant for the tracker's life). */
    int[] internalSizes() {
        lock.lock();
        try {
            return new int[]{packets.size(), packets.capacity(), packets.mapCapacity(), probeCode.length,
                    c.dropReasonCap, c.fnCount, c.ruleCount};
        } finally {
            lock.unlock();
        }
    }
}

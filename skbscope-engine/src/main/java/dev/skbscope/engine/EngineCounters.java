package dev.skbscope.engine;

import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.Verdict;
import org.HdrHistogram.Histogram;
import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

/**
 * The aggregate counters of one session as flat primitive arrays, so that a snapshot is a few
 * array copies; not thread-safe (the tracker's lock guards the live instance, the snapshot lock
 * its scratch copy). On the live instance a node's or edge's latency samples since the last
 * snapshot are {@link SampleCounts}, created on its first sample and then only swapped with empty
 * spares, so steady-state recording allocates nothing. On the scratch instance the histograms
 * hold the cumulative samples since the last reset.
 */
final class EngineCounters {
    static final int N = PipelineNode.COUNT;
    /** Function-count column for terminal probes, which are not nodes. */
    static final int FN_COLUMNS = N + 1;
    static final int V = Verdict.values().length;
    static final int H = Hook.values().length;
    static final int PIPES = 4;
    static final int PIPE_INBOUND = 0, PIPE_OUTBOUND = 1, PIPE_LOCAL = 2, PIPE_FORWARD = 3;
    static final String[] PIPE_NAMES = {"inbound", "outbound", "local_delivery", "forward"};
    /** Samples above this are recorded at this value (the exact maximum is kept separately). */
    static final long HIST_MAX_NS = 60_000_000_000L;
    static final int NODE_DIGITS = 3;
    /** Edges only report avg (exact) and p50/p99, so 2 digits keep ~500 possible edges cheap. */
    static final int EDGE_DIGITS = 2;
    static final int RATE_BUCKETS = 10;
    static final long RATE_BUCKET_NS = 100_000_000L;
    /** Rate ring index of the whole session (nodes use their ordinal). */
    static final int RATE_TOTAL = N;
    static final int MAX_RULES = 1_000;
    /** Network namespaces broken down by name; events of further namespaces count in the last, "other". */
    static final int NS_MAX = 16;

    long totalEvents, totalPackets, drops, evictedPackets, reorderedEvents, untrackedEndEvents, idleEndedPackets;
    /** Packets closed by the idle timeout: their end was never reported. */
    long expiredPackets;
    long functionsDropped, functionsDroppedNames, rulesDropped, inFlightTotal;
    /** Highest event timestamp seen, or Long.MIN_VALUE before the first event. */
    long maxTs = Long.MIN_VALUE;
    /** System.nanoTime() when the last batch was accounted. */
    long lastIngestWallNs;

    final long[] nodeCount = new long[N], nodePackets = new long[N], nodeInFlight = new long[N];
    final long[] nodeDrops = new long[N], nodeErrors = new long[N];
    final long[] nodeSamples = new long[N], nodeSumNs = new long[N], nodeMaxNs = new long[N], nodeMinNs = new long[N];
    final long[] nodeVerdicts = new long[N * V];
    /** [node * dropReasonCap + reason id]. */
    long[] nodeDropReasons;
    int dropReasonCap;
    /** Scratch instance: the cumulative histograms. */
    final Histogram[] nodeHist = new Histogram[N];
    /** Live instance: the samples since the last snapshot. */
    final SampleCounts[] nodeLatency = new SampleCounts[N];

    final long[] edgeCount = new long[N * N], edgeSumNs = new long[N * N], edgeMaxNs = new long[N * N],
            edgeMinNs = new long[N * N];
    final Histogram[] edgeHist = new Histogram[N * N];
    final SampleCounts[] edgeLatency = new SampleCounts[N * N];

    final long[] rateIds = new long[(N + 1) * RATE_BUCKETS], rateCounts = new long[(N + 1) * RATE_BUCKETS];

    final long[] hookCount = new long[H], hookVerdicts = new long[H * V], totalVerdicts = new long[V];
    final long[] pipeStarted = new long[PIPES], pipeCompleted = new long[PIPES];
    final long[] pipeDropped = new long[PIPES], pipeEvicted = new long[PIPES], pipeExpired = new long[PIPES];

    /** Namespace index to its inode (0 = the unknown namespace); {@code nsCount} in use. */
    final long[] nsInode = new long[NS_MAX];
    int nsCount;
    /** Per namespace: packets first seen there, events and packets per node [ns * N + node], edges [ns * N * N + edge]. */
    final long[] nsPackets = new long[NS_MAX], nsNodeCount = new long[NS_MAX * N], nsNodePackets = new long[NS_MAX * N];
    final long[] nsEdgeCount = new long[NS_MAX * N * N];

    /** Admitted function index → probe id; counts at [fn * FN_COLUMNS + node or N]. */
    final int maxFunctions;
    final int[] fnProbe;
    final long[] fnCounts;
    int fnCount;

    final int[] ruleTable = new int[MAX_RULES], ruleChain = new int[MAX_RULES];
    final long[] ruleHandle = new long[MAX_RULES], ruleHits = new long[MAX_RULES];
    final long[] ruleVerdicts = new long[MAX_RULES * V];
    int ruleCount;
    /** Only on the live instance: rule key → index. */
    final Long2LongHashMap ruleIndex;

    EngineCounters(int maxFunctions, boolean live) {
        this.maxFunctions = maxFunctions;
        fnProbe = new int[maxFunctions];
        fnCounts = new long[maxFunctions * FN_COLUMNS];
        dropReasonCap = 128;
        nodeDropReasons = new long[N * dropReasonCap];
        ruleIndex = live ? new Long2LongHashMap(MAX_RULES * 2, 0.5f, -1) : null;
        Arrays.fill(rateIds, Long.MIN_VALUE);
        Arrays.fill(nodeMinNs, Long.MAX_VALUE);
        Arrays.fill(edgeMinNs, Long.MAX_VALUE);
    }

    /*
     * Auto-resizing histograms: their counts arrays only cover the largest latency seen (values
     * are capped at HIST_MAX_NS), so a node whose latencies stay in microseconds costs ~70 KB,
     * not the ~220 KB of a fixed 1 ns..60 s range. Growth allocates, but only when a node's
     * maximum latency reaches a new power of two: a bounded number of times, not per event.
     */
    static Histogram newNodeHistogram() { return new Histogram(NODE_DIGITS); }
    static Histogram newEdgeHistogram() { return new Histogram(EDGE_DIGITS); }
    static SampleCounts newNodeSamples() { return new SampleCounts(NODE_DIGITS); }
    static SampleCounts newEdgeSamples() { return new SampleCounts(EDGE_DIGITS); }

    /** Makes room for drop reason id {@code reason} (a one-time allocation per new high id). */
    void ensureDropReason(int reason) {
        if (reason < dropReasonCap) return;
        int cap = Math.max(reason + 1, dropReasonCap * 2);
        long[] a = new long[N * cap];
        for (int n = 0; n < N; n++) System.arraycopy(nodeDropReasons, n * dropReasonCap, a, n * cap, dropReasonCap);
        nodeDropReasons = a;
        dropReasonCap = cap;
    }

    /** Counts {@code w} new packets at rate ring {@code ring} (a node ordinal or {@link #RATE_TOTAL}). */
    void countRate(int ring, long ts, int w) {
        long b = Math.floorDiv(ts, RATE_BUCKET_NS);
        int i = ring * RATE_BUCKETS + (int) Math.floorMod(b, RATE_BUCKETS);
        long id = rateIds[i];
        if (id != b) {
            if (b < id) return; // older than the ring holds: outside any window we report
            rateIds[i] = b;
            rateCounts[i] = 0;
        }
        rateCounts[i] += w;
    }

    /** New packets per second in ring {@code ring} over the 1 s window ending at event time {@code endNs}. */
    double rate(int ring, long endNs) {
        long end = Math.floorDiv(endNs, RATE_BUCKET_NS);
        long sum = 0;
        for (int k = 0; k < RATE_BUCKETS; k++) {
            int i = ring * RATE_BUCKETS + k;
            long id = rateIds[i];
            if (id <= end && id > end - RATE_BUCKETS) sum += rateCounts[i];
        }
        return sum * (1_000_000_000.0 / (RATE_BUCKETS * RATE_BUCKET_NS));
    }

    void clear() {
        totalEvents = totalPackets = drops = evictedPackets = reorderedEvents = untrackedEndEvents = idleEndedPackets = 0;
        expiredPackets = 0;
        nsCount = 0;
        functionsDropped = functionsDroppedNames = rulesDropped = inFlightTotal = 0;
        maxTs = Long.MIN_VALUE;
        lastIngestWallNs = 0;
        for (long[] a : new long[][]{nodeCount, nodePackets, nodeInFlight, nodeDrops, nodeErrors, nodeSamples,
                nodeSumNs, nodeMaxNs, nodeVerdicts, nodeDropReasons, edgeCount, edgeSumNs, edgeMaxNs, rateCounts, hookCount,
                hookVerdicts, totalVerdicts, pipeStarted, pipeCompleted, pipeDropped, pipeEvicted, pipeExpired, fnCounts,
                ruleHits, ruleVerdicts, nsInode, nsPackets, nsNodeCount, nsNodePackets, nsEdgeCount}) {
            Arrays.fill(a, 0);
        }
        Arrays.fill(rateIds, Long.MIN_VALUE);
        Arrays.fill(nodeMinNs, Long.MAX_VALUE);
        Arrays.fill(edgeMinNs, Long.MAX_VALUE);
        for (Histogram h : nodeHist) if (h != null) h.reset();
        for (Histogram h : edgeHist) if (h != null) h.reset();
        for (SampleCounts h : nodeLatency) if (h != null) h.clear();
        for (SampleCounts h : edgeLatency) if (h != null) h.clear();
        fnCount = 0;
        ruleCount = 0;
        if (ruleIndex != null) ruleIndex.clear();
    }

    /**
     * Copies the primitive counters into {@code dst} (same maxFunctions); histograms are not
     * copied but handed over by {@link #swapHistograms}. Allocates only when a table grew.
     */
    void copyInto(EngineCounters dst) {
        dst.totalEvents = totalEvents; dst.totalPackets = totalPackets; dst.drops = drops;
        dst.evictedPackets = evictedPackets; dst.reorderedEvents = reorderedEvents;
        dst.untrackedEndEvents = untrackedEndEvents; dst.idleEndedPackets = idleEndedPackets; dst.functionsDropped = functionsDropped;
        dst.expiredPackets = expiredPackets;
        dst.functionsDroppedNames = functionsDroppedNames; dst.rulesDropped = rulesDropped;
        dst.inFlightTotal = inFlightTotal; dst.maxTs = maxTs; dst.lastIngestWallNs = lastIngestWallNs;
        copy(nodeCount, dst.nodeCount); copy(nodePackets, dst.nodePackets); copy(nodeInFlight, dst.nodeInFlight);
        copy(nodeDrops, dst.nodeDrops); copy(nodeErrors, dst.nodeErrors); copy(nodeSamples, dst.nodeSamples);
        copy(nodeSumNs, dst.nodeSumNs); copy(nodeMaxNs, dst.nodeMaxNs); copy(nodeMinNs, dst.nodeMinNs); copy(nodeVerdicts, dst.nodeVerdicts);
        if (dst.dropReasonCap != dropReasonCap) {
            dst.dropReasonCap = dropReasonCap;
            dst.nodeDropReasons = new long[nodeDropReasons.length];
        }
        copy(nodeDropReasons, dst.nodeDropReasons);
        copy(edgeCount, dst.edgeCount); copy(edgeSumNs, dst.edgeSumNs); copy(edgeMaxNs, dst.edgeMaxNs); copy(edgeMinNs, dst.edgeMinNs);
        copy(rateIds, dst.rateIds); copy(rateCounts, dst.rateCounts);
        copy(hookCount, dst.hookCount); copy(hookVerdicts, dst.hookVerdicts); copy(totalVerdicts, dst.totalVerdicts);
        copy(pipeStarted, dst.pipeStarted); copy(pipeCompleted, dst.pipeCompleted);
        copy(pipeDropped, dst.pipeDropped); copy(pipeEvicted, dst.pipeEvicted); copy(pipeExpired, dst.pipeExpired);
        dst.nsCount = nsCount;
        if (nsCount > 0) {
            copy(nsInode, dst.nsInode); copy(nsPackets, dst.nsPackets); copy(nsNodeCount, dst.nsNodeCount);
            copy(nsNodePackets, dst.nsNodePackets); copy(nsEdgeCount, dst.nsEdgeCount);
        }
        dst.fnCount = fnCount;
        System.arraycopy(fnProbe, 0, dst.fnProbe, 0, fnCount);
        System.arraycopy(fnCounts, 0, dst.fnCounts, 0, fnCount * FN_COLUMNS);
        dst.ruleCount = ruleCount;
        System.arraycopy(ruleTable, 0, dst.ruleTable, 0, ruleCount);
        System.arraycopy(ruleChain, 0, dst.ruleChain, 0, ruleCount);
        System.arraycopy(ruleHandle, 0, dst.ruleHandle, 0, ruleCount);
        System.arraycopy(ruleHits, 0, dst.ruleHits, 0, ruleCount);
        System.arraycopy(ruleVerdicts, 0, dst.ruleVerdicts, 0, ruleCount * V);
    }

    /**
     * Exchanges every live node's and edge's samples with the empty ones in {@code spares}
     * (creating spares on first use), so the caller gets the samples recorded since the last swap
     * without copying counts while the writer waits.
     */
    void swapHistograms(SampleCounts[] nodeSpares, SampleCounts[] edgeSpares) {
        for (int i = 0; i < N; i++) {
            SampleCounts live = nodeLatency[i];
            if (live == null) continue;
            SampleCounts spare = nodeSpares[i];
            nodeLatency[i] = spare != null ? spare : newNodeSamples();
            nodeSpares[i] = live;
        }
        for (int i = 0; i < N * N; i++) {
            SampleCounts live = edgeLatency[i];
            if (live == null) continue;
            SampleCounts spare = edgeSpares[i];
            edgeLatency[i] = spare != null ? spare : newEdgeSamples();
            edgeSpares[i] = live;
        }
    }

    /** Index of the namespaces past the first {@code NS_MAX - 1}: "other". */
    static final int NS_OTHER = NS_MAX - 1;

    /** The breakdown index of namespace {@code inode} (inode 0: unknown), adding it if there is room, else {@link #NS_OTHER}. */
    int nsIndex(long inode) {
        long ino = inode < 0 ? 0 : inode;
        for (int i = 0; i < nsCount; i++) if (nsInode[i] == ino) return i;
        if (nsCount < NS_OTHER) {
            nsInode[nsCount] = ino;
            return nsCount++;
        }
        return NS_OTHER;
    }

    private static void copy(long[] src, long[] dst) { System.arraycopy(src, 0, dst, 0, src.length); }
}

package dev.skbscope.engine;

import dev.skbscope.engine.StatsSnapshot.EdgeStats;
import dev.skbscope.engine.StatsSnapshot.HookStats;
import dev.skbscope.engine.StatsSnapshot.LatencyBuckets;
import dev.skbscope.engine.StatsSnapshot.LayerStats;
import dev.skbscope.engine.StatsSnapshot.NodeStats;
import dev.skbscope.engine.StatsSnapshot.PipelineStats;
import dev.skbscope.engine.StatsSnapshot.RuleStats;
import dev.skbscope.engine.StatsSnapshot.SourceStats;
import dev.skbscope.engine.StatsSnapshot.TopLatency;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.packet.ExemplarTable;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.skbscope.engine.EngineCounters.FN_COLUMNS;
import static dev.skbscope.engine.EngineCounters.N;
import static dev.skbscope.engine.EngineCounters.V;

/**
 * Turns a quiescent copy of a session's counters into an immutable {@link StatsSnapshot};
 * stateless. Runs outside the tracker's lock, so it may allocate freely.
 */
final class SnapshotBuilder {
    private static final int TOP_LATENCY = 5;

    private SnapshotBuilder() { }

    /**
     * @param notApplicable per node, why it cannot exist for this session's packets, or null
     * @param netnsNames    names of network namespaces by inode (null: none)
     * @param exemplars   a quiet copy of the session's exemplar references, or null when it keeps no packets
     * @param packetsKept finished packets kept for queries, or null when it keeps none
     */
    static StatsSnapshot build(EngineCounters c, SessionConfig config, SourceCounters source,
                               String[] unobserved, String[] notApplicable, long startWallNs, long nowWallNs,
                               RuleTextLookup ruleText, java.util.function.LongFunction<String> netnsNames,
                               ExemplarTable exemplars, Long packetsKept) {
        long nowMs = System.currentTimeMillis();
        // event-time window end, advanced by the wall time since the last batch so rates decay to 0
        long windowEnd = c.maxTs == Long.MIN_VALUE ? Long.MIN_VALUE
                : c.maxTs + Math.max(0, nowWallNs - c.lastIngestWallNs);

        int sampleOneIn = source == null ? 1 : Math.max(1, source.sampleOneIn.get());
        Map<String, NodeStats> nodes = new LinkedHashMap<>();
        Map<String, Long> dropReasons = new LinkedHashMap<>();
        for (int n = 0; n < N; n++) {
            PipelineNode node = PipelineNode.of(n);
            Map<String, Long> reasons = new LinkedHashMap<>();
            for (int r = 0; r < c.dropReasonCap; r++) {
                long v = c.nodeDropReasons[n * c.dropReasonCap + r];
                if (v == 0) continue;
                String name = r < SymbolTable.DROP_REASONS.size() ? SymbolTable.DROP_REASONS.name(r) : null;
                if (name == null) name = "UNKNOWN_" + r; // an id no source interned
                reasons.put(name, v);
                dropReasons.merge(name, v, Long::sum);
            }
            Histogram h = c.nodeHist[n];
            long samples = c.nodeSamples[n];
            Scan q = Scan.of(h, c.nodeMinNs[n], c.nodeMaxNs[n], true, sampleOneIn);
            nodes.put(node.id(), new NodeStats(node.id(), node.label(),
                    node.layer() == null ? null : node.layer().id(), node.path() == null ? null : node.path().id(),
                    unobserved[n] == null, unobserved[n],
                    c.nodeCount[n], c.nodePackets[n], c.nodeInFlight[n], rate(c, n, windowEnd),
                    q.p50Us, q.p90Us, q.p99Us,
                    samples == 0 ? 0 : us((double) c.nodeSumNs[n] / samples), us(c.nodeMaxNs[n]), samples,
                    functions(c, n, n + 1), verdicts(c.nodeVerdicts, n), c.nodeDrops[n], freeze(reasons),
                    c.nodeErrors[n], q.p50Ci, q.p99Ci, q.buckets(c.nodeSumNs[n]), notApplicable[n] == null, notApplicable[n],
                    exemplars == null || samples == 0 ? null : packetId(exemplars, exemplars.p99Slot(n, Math.round(q.p99Us * 1000))),
                    exemplars == null || samples == 0 ? null : bucketExemplars(exemplars, n)));
        }
        Map<String, String> dropExemplars = null;
        if (exemplars != null) {
            dropExemplars = new LinkedHashMap<>();
            for (String reason : dropReasons.keySet()) {
                String id = packetId(exemplars, exemplars.dropSlot(SymbolTable.DROP_REASONS.find(reason)));
                if (id != null) dropExemplars.put(reason, id);
            }
            dropExemplars = freeze(dropExemplars);
        }

        List<EdgeStats> edges = new ArrayList<>();
        for (int i = 0; i < N * N; i++) {
            long count = c.edgeCount[i];
            if (count == 0) continue;
            Scan q = Scan.of(c.edgeHist[i], c.edgeMinNs[i], c.edgeMaxNs[i], false, sampleOneIn);
            edges.add(new EdgeStats(PipelineNode.of(i / N).id(), PipelineNode.of(i % N).id(), count,
                    us((double) c.edgeSumNs[i] / count), q.p50Us, q.p99Us));
        }

        List<PipelineStats> pipelines = new ArrayList<>();
        for (int p = 0; p < EngineCounters.PIPES; p++) {
            pipelines.add(new PipelineStats(EngineCounters.PIPE_NAMES[p], c.pipeStarted[p],
                    c.pipeStarted[p] - c.pipeCompleted[p] - c.pipeDropped[p] - c.pipeEvicted[p] - c.pipeExpired[p],
                    c.pipeCompleted[p], c.pipeDropped[p], c.pipeEvicted[p], c.pipeExpired[p]));
        }

        Map<String, LayerStats> layers = new LinkedHashMap<>();
        for (PipelineNode.Layer layer : PipelineNode.Layer.values()) {
            long count = 0, samples = 0, sum = 0;
            for (PipelineNode node : PipelineNode.PIPELINE) {
                if (node.layer() != layer) continue;
                count += c.nodeCount[node.ordinal()];
                samples += c.nodeSamples[node.ordinal()];
                sum += c.nodeSumNs[node.ordinal()];
            }
            layers.put(layer.id(), new LayerStats(count, samples == 0 ? 0 : us((double) sum / samples), samples));
        }

        Map<String, HookStats> hooks = new LinkedHashMap<>();
        for (Hook hook : Hook.values()) {
            if (hook == Hook.NONE) continue;
            hooks.put(hook.name(), new HookStats(c.hookCount[hook.ordinal()], verdicts(c.hookVerdicts, hook.ordinal())));
        }

        List<TopLatency> top = nodes.values().stream()
                .filter(s -> s.samples() > 0)
                .sorted(Comparator.comparingDouble(NodeStats::avgUs).reversed())
                .limit(TOP_LATENCY)
                .map(s -> new TopLatency(s.id(), s.label(), s.avgUs(), s.p99Us(), s.samples()))
                .toList();

        List<RuleStats> rules = new ArrayList<>();
        for (int r = 0; r < c.ruleCount; r++) {
            String table = SymbolTable.NFT_NAMES.name(c.ruleTable[r]), chain = SymbolTable.NFT_NAMES.name(c.ruleChain[r]);
            rules.add(new RuleStats(table, chain, c.ruleHandle[r] < 0 ? null : c.ruleHandle[r], c.ruleHits[r],
                    verdicts(c.ruleVerdicts, r), RuleTextLookup.safeText(ruleText, table, chain, c.ruleHandle[r]),
                    exemplars == null ? null : packetId(exemplars, exemplars.ruleSlot(r))));
        }
        rules.sort(Comparator.comparingLong(RuleStats::hits).reversed());

        SourceStats src = source == null ? new SourceStats("unknown", 0, 0, 0, null, 1)
                : new SourceStats(source.kind(), source.badLines.get(), source.lostEvents.get(),
                        source.eventsRead.get(), source.detail(), source.sampleOneIn.get());

        return new StatsSnapshot(config.sessionId(), c.totalPackets, c.totalEvents, rate(c, EngineCounters.RATE_TOTAL, windowEnd),
                round((nowWallNs - startWallNs) / 1e9), config.mode(), freeze(hooks), freeze(nodes), List.copyOf(edges),
                List.copyOf(pipelines), freeze(layers), verdicts(c.totalVerdicts, 0), top, c.drops, c.evictedPackets,
                src, freeze(sortedByValue(dropReasons)), functions(c, 0, FN_COLUMNS), config.maxFunctions(),
                c.functionsDropped, List.copyOf(rules), c.rulesDropped, c.inFlightTotal, config.maxTrackedSkbs(),
                c.reorderedEvents, c.untrackedEndEvents, c.idleEndedPackets, nowMs,
                c.expiredPackets, netns(c, netnsNames), dropExemplars,
                c.maxTs == Long.MIN_VALUE ? null : c.maxTs, packetsKept);
    }

    /** The per-namespace breakdown, or null when no event named a namespace (recordings without netns). */
    private static List<StatsSnapshot.NetnsStats> netns(EngineCounters c, java.util.function.LongFunction<String> names) {
        boolean named = false;
        for (int i = 0; i < c.nsCount; i++) if (c.nsInode[i] != 0) named = true;
        if (!named) return null;
        List<StatsSnapshot.NetnsStats> out = new ArrayList<>();
        int last = c.nsCount;
        boolean other = false;
        for (int i = 0; i < N; i++) if (c.nsNodeCount[EngineCounters.NS_OTHER * N + i] != 0) other = true;
        for (int ns = 0; ns < EngineCounters.NS_MAX; ns++) {
            if (ns >= last && !(ns == EngineCounters.NS_OTHER && other)) continue;
            long inode = ns == EngineCounters.NS_OTHER && ns >= last ? -1 : c.nsInode[ns];
            Map<String, StatsSnapshot.NetnsNodeStats> nodes = new LinkedHashMap<>();
            for (int n = 0; n < N; n++) {
                long count = c.nsNodeCount[ns * N + n];
                if (count != 0) nodes.put(PipelineNode.of(n).id(), new StatsSnapshot.NetnsNodeStats(count, c.nsNodePackets[ns * N + n]));
            }
            List<StatsSnapshot.NetnsEdgeStats> edges = new ArrayList<>();
            for (int e = 0; e < N * N; e++) {
                long count = c.nsEdgeCount[ns * N * N + e];
                if (count != 0) edges.add(new StatsSnapshot.NetnsEdgeStats(PipelineNode.of(e / N).id(), PipelineNode.of(e % N).id(), count));
            }
            String name = inode == -1 ? "other" : inode == 0 ? "unknown" : netnsName(names, inode);
            out.add(new StatsSnapshot.NetnsStats(inode, name, c.nsPackets[ns], freeze(nodes), List.copyOf(edges)));
        }
        return List.copyOf(out);
    }

    private static String netnsName(java.util.function.LongFunction<String> names, long inode) {
        if (names == null) return null;
        try {
            return names.apply(inode);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String packetId(ExemplarTable x, int slot) {
        return slot < 0 ? null : Long.toString(x.id(slot));
    }

    /** Per bucket of node {@code n}, the slowest of its latest packets (null where none). */
    private static List<StatsSnapshot.Exemplar> bucketExemplars(ExemplarTable x, int n) {
        List<StatsSnapshot.Exemplar> out = new ArrayList<>(ExemplarTable.BUCKETS);
        boolean any = false;
        for (int b = 0; b < ExemplarTable.BUCKETS; b++) {
            int slot = x.bucketSlot(n, b);
            if (slot < 0) { out.add(null); continue; }
            any = true;
            out.add(new StatsSnapshot.Exemplar(Long.toString(x.id(slot)), x.value(slot) / 1000.0, x.at(slot)));
        }
        return any ? Collections.unmodifiableList(out) : null;
    }

    private static double rate(EngineCounters c, int ring, long windowEnd) {
        return windowEnd == Long.MIN_VALUE ? 0 : round(c.rate(ring, windowEnd));
    }

    /** Probe → events summed over function columns [from, to), heavy hitters first. */
    private static Map<String, Long> functions(EngineCounters c, int from, int to) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int fn = 0; fn < c.fnCount; fn++) {
            long sum = 0;
            for (int col = from; col < to; col++) sum += c.fnCounts[fn * FN_COLUMNS + col];
            if (sum > 0) m.put(SymbolTable.PROBES.name(c.fnProbe[fn]), sum);
        }
        return freeze(sortedByValue(m));
    }

    private static Map<String, Long> verdicts(long[] counts, int row) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int v = 1; v < V; v++) {
            long n = counts[row * V + v];
            if (n != 0) m.put(Verdict.of(v).name(), n);
        }
        return freeze(m);
    }

    private static Map<String, Long> sortedByValue(Map<String, Long> m) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEachOrdered(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /**
     * Summary of a histogram: nearest-rank p50/p90/p99 in µs, each the middle of the bucket
     * holding it (exact below 2,048 ns, within 0.05 % above for nodes, 0.5 % for edges) kept
     * within the exact minimum and maximum so that a constant latency reads exactly; the 95 %
     * confidence intervals of p50 and p99; and, for nodes, the fixed Prometheus buckets.
     *
     * <p>The intervals are distribution-free (order statistics): the true p-quantile lies between
     * the values at ranks {@code n·p ∓ 1.96·√(n·p·(1−p))}, with {@code n} the samples actually
     * observed (weighted samples divided by the source's sampling factor). They let a reader tell a
     * real latency change from the noise of a finite sample ({@code skbscope diff}).
     */
    private static final class Scan {
        private static final Scan EMPTY = new Scan();
        private static final double Z95 = 1.959964;
        double p50Us, p90Us, p99Us;
        StatsSnapshot.Interval p50Ci, p99Ci;
        long[] bucketCounts;

        static Scan of(Histogram h, long minNs, long maxNs, boolean withBuckets, int sampleOneIn) {
            if (h == null || h.getTotalCount() == 0) return EMPTY;
            // HdrHistogram's own index loops: far cheaper than its value iterators
            Scan s = new Scan();
            s.p50Us = us(at(h, 50, minNs, maxNs));
            s.p90Us = us(at(h, 90, minNs, maxNs));
            s.p99Us = us(at(h, 99, minNs, maxNs));
            if (withBuckets) {
                double n = Math.max(1.0, (double) h.getTotalCount() / sampleOneIn);
                s.p50Ci = interval(h, 0.50, n, minNs, maxNs);
                s.p99Ci = interval(h, 0.99, n, minNs, maxNs);
                List<Double> bounds = LatencyBuckets.UPPER_BOUNDS_US;
                s.bucketCounts = new long[bounds.size()];
                long from = 0, counted = 0;
                for (int b = 0; b < bounds.size() - 1 && from <= maxNs; b++) {
                    long boundNs = (long) (bounds.get(b) * 1000);
                    if (from <= boundNs) {
                        long k = h.getCountBetweenValues(from, boundNs);
                        s.bucketCounts[b] = k;
                        counted += k;
                        from = h.nextNonEquivalentValue(boundNs);
                    }
                }
                s.bucketCounts[bounds.size() - 1] = h.getTotalCount() - counted;
            }
            return s;
        }

        /** The 95 % confidence interval of the p-quantile, in µs, from {@code n} observed samples. */
        private static StatsSnapshot.Interval interval(Histogram h, double p, double n, long minNs, long maxNs) {
            double half = Z95 * Math.sqrt(p * (1 - p) / n);
            double lo = Math.max(0, p - half), hi = Math.min(1, p + half);
            long loNs = lo <= 0 ? minNs : at(h, lo * 100, minNs, maxNs);
            long hiNs = hi >= 1 ? maxNs : at(h, hi * 100, minNs, maxNs);
            return new StatsSnapshot.Interval(us(loNs), us(hiNs));
        }

        private static long at(Histogram h, double p, long minNs, long maxNs) {
            return Math.max(minNs, Math.min(h.medianEquivalentValue(h.getValueAtPercentile(p)), maxNs));
        }

        LatencyBuckets buckets(long sumNs) {
            return bucketCounts == null ? LatencyBuckets.EMPTY : new LatencyBuckets(bucketCounts, sumNs / 1000.0);
        }
    }

    private static double us(double ns) { return round(ns / 1000.0); }

    /** Three decimals: ns precision for µs values, and stable JSON. */
    private static double round(double v) { return Math.round(v * 1000.0) / 1000.0; }

    private static <K, T> Map<K, T> freeze(Map<K, T> m) { return Collections.unmodifiableMap(m); }
}

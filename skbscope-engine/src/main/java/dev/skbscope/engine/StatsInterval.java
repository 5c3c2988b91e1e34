package dev.skbscope.engine;

import dev.skbscope.engine.StatsSnapshot.HookStats;
import dev.skbscope.engine.StatsSnapshot.LatencyBuckets;
import dev.skbscope.engine.StatsSnapshot.NodeStats;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What happened in one session between two of its snapshots: counter increases and the time they
 * took, plus the gauges of the later snapshot. Immutable; built once per tick and read by alert
 * rules and the history. Arrays are indexed by {@link PipelineNode#ordinal()} and must not be
 * modified by readers.
 *
 * <p>Counters are compared as Prometheus compares them: when the later snapshot comes from a new
 * tracker (a restarted session, a reset realtime tracer: its uptime went back, or a counter fell),
 * or there is no earlier snapshot, the increase is counted from zero over the later snapshot's
 * uptime. For a session's first tick that is exactly what happened since it started.
 *
 * @param seconds      time covered (the difference of the snapshots' uptimes, or the later uptime), > 0
 * @param packets      new packets (journeys)
 * @param drops        new drops
 * @param lostEvents   events the source lost
 * @param errors       node errors (events whose timestamp went backwards), summed over nodes
 * @param inFlight     packets tracked at the end (gauge)
 * @param sampleOneIn  the source's sampling factor at the end (gauge; 1 = every packet), 0 if unknown
 * @param verdicts     verdict → new verdicts (only verdicts seen so far, zeros included)
 * @param dropReasons  drop reason → new drops with that reason, summed over nodes (reasons seen so far)
 * @param hookVerdicts hook → new verdicts at that hook (all verdicts)
 * @param hookDrops    hook → new DROP verdicts at that hook
 */
public record StatsInterval(
        double seconds,
        long packets,
        long drops,
        long lostEvents,
        long errors,
        long inFlight,
        int sampleOneIn,
        Map<String, Long> verdicts,
        Map<String, Long> dropReasons,
        Map<String, Long> hookVerdicts,
        Map<String, Long> hookDrops,
        Nodes nodes) {

    /** Per-node increases, indexed by {@link PipelineNode#ordinal()}. */
    public record Nodes(long[] packets, long[] drops, long[] errors, long[][] latencyBuckets) {
        /** True when node {@code n} saw packets or latency samples in the interval. */
        public boolean active(int n) {
            if (packets[n] != 0 || drops[n] != 0 || errors[n] != 0) return true;
            for (long b : latencyBuckets[n]) if (b != 0) return true;
            return false;
        }
    }

    /**
     * The interval from {@code earlier} (null: none) to {@code later}, or null when {@code later}
     * adds no time (the same snapshot twice, or a first snapshot with no uptime).
     */
    public static StatsInterval between(StatsSnapshot earlier, StatsSnapshot later) {
        StatsSnapshot e = earlier != null && !isReset(earlier, later) ? earlier : null;
        // uptimes come from the tracker's monotonic clock: their difference is the time between the snapshots
        double seconds = later.uptimeSeconds() - (e == null ? 0 : e.uptimeSeconds());
        if (!(seconds > 0)) return null;
        int nodes = PipelineNode.COUNT;
        int buckets = LatencyBuckets.UPPER_BOUNDS_US.size();
        long[] packets = new long[nodes], drops = new long[nodes], errors = new long[nodes];
        long[][] lat = new long[nodes][];
        for (PipelineNode p : PipelineNode.values()) {
            int i = p.ordinal();
            NodeStats now = node(later, p);
            NodeStats before = e == null ? null : node(e, p);
            packets[i] = now == null ? 0 : now.packets() - (before == null ? 0 : before.packets());
            drops[i] = now == null ? 0 : now.drops() - (before == null ? 0 : before.drops());
            errors[i] = now == null ? 0 : now.errors() - (before == null ? 0 : before.errors());
            long[] b = now == null || now.latencyBuckets() == null ? new long[buckets] : now.latencyBuckets().bucketCounts();
            if (before != null && before.latencyBuckets() != null) {
                long[] was = before.latencyBuckets().bucketCounts();
                for (int k = 0; k < buckets; k++) b[k] -= was[k];
            }
            lat[i] = b;
        }
        long errorSum = 0;
        for (long x : errors) errorSum += x;
        Map<String, Long> hookVerdicts = new LinkedHashMap<>(), hookDrops = new LinkedHashMap<>();
        if (later.hooks() != null) {
            for (Map.Entry<String, HookStats> h : later.hooks().entrySet()) {
                HookStats before = e == null || e.hooks() == null ? null : e.hooks().get(h.getKey());
                hookVerdicts.put(h.getKey(), sum(h.getValue().verdicts()) - (before == null ? 0 : sum(before.verdicts())));
                hookDrops.put(h.getKey(), get(h.getValue().verdicts(), "DROP") - (before == null ? 0 : get(before.verdicts(), "DROP")));
            }
        }
        StatsSnapshot.SourceStats src = later.source(), srcBefore = e == null ? null : e.source();
        return new StatsInterval(seconds,
                later.totalPackets() - (e == null ? 0 : e.totalPackets()),
                later.drops() - (e == null ? 0 : e.drops()),
                src == null ? 0 : src.lostEvents() - (srcBefore == null ? 0 : srcBefore.lostEvents()),
                errorSum,
                later.inFlightTotal(),
                src == null ? 0 : src.sampleOneIn(),
                increases(e == null ? null : e.totalVerdicts(), later.totalVerdicts()),
                increases(e == null ? null : e.dropReasons(), later.dropReasons()),
                Collections.unmodifiableMap(hookVerdicts),
                Collections.unmodifiableMap(hookDrops),
                new Nodes(packets, drops, errors, lat));
    }

    /** True when {@code later} does not continue {@code earlier}'s counters (a new tracker). */
    static boolean isReset(StatsSnapshot earlier, StatsSnapshot later) {
        return later.uptimeSeconds() < earlier.uptimeSeconds()
                || later.totalEvents() < earlier.totalEvents()
                || later.totalPackets() < earlier.totalPackets()
                || later.drops() < earlier.drops();
    }

    /** Packets per second. */
    public double packetsPerSecond() { return packets / seconds; }

    private static NodeStats node(StatsSnapshot s, PipelineNode p) {
        return s.nodes() == null ? null : s.nodes().get(p.id());
    }

    private static long sum(Map<String, Long> m) {
        long s = 0;
        if (m != null) for (long v : m.values()) s += v;
        return s;
    }

    private static long get(Map<String, Long> m, String k) {
        Long v = m == null ? null : m.get(k);
        return v == null ? 0 : v;
    }

    private static Map<String, Long> increases(Map<String, Long> before, Map<String, Long> after) {
        if (after == null || after.isEmpty()) return Map.of();
        Map<String, Long> out = new LinkedHashMap<>();
        after.forEach((k, v) -> out.put(k, v - get(before, k)));
        return Collections.unmodifiableMap(out);
    }
}

package dev.skbscope.engine;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Immutable copy of one session's stats; safe to share between threads. A plain Jackson
 * {@code ObjectMapper} serialises it to the {@code stats} object of spec section 4 (snake_case
 * names, {@code nodes} in pipeline order). Maps are unmodifiable and keep their insertion order
 * (heavy hitters first for {@code top_functions}).
 *
 * @param sessionId          the session's id
 * @param totalPackets       distinct packets (journeys) seen
 * @param totalEvents        events accepted (including end events of untracked packets)
 * @param packetsPerSecond   new packets over the last 1 s (event time, advanced by wall time since the last event)
 * @param uptimeSeconds      wall time since the tracker was created (a reset does not restart it)
 * @param mode               "full", "nft" or "multifunction"
 * @param hooks              hook name → events with that hook and their verdicts
 * @param nodes              node id → node stats, all pipeline nodes plus {@code other}, pipeline order
 * @param edges              observed node → node transitions, busiest first
 * @param pipelines          inbound, outbound, local_delivery, forward
 * @param layers             L2, L3, L4, socket
 * @param totalVerdicts      verdict → events
 * @param topLatency         the (at most) 5 nodes with the highest average latency
 * @param drops              dropped packets (a DROP verdict and its kfree_skb are one drop)
 * @param evictedPackets     packets evicted from tracking because more than max_tracked_skbs were in flight
 * @param source             what the event source reports about itself
 * @param dropReasons        drop reason → drops, summed over nodes
 * @param topFunctions       probe → events, summed over nodes, heavy hitters first
 * @param maxFunctions       distinct probe names kept per session
 * @param functionsDropped   events of probes not kept because {@code max_functions} names were already kept
 * @param rules              nftables rules seen in trace events, most hits first
 * @param rulesDropped       rule events not aggregated because the rule table was full
 * @param inFlightTotal      packets tracked now (sum of node {@code in_flight} plus packets not yet at a node)
 * @param maxTrackedSkbs     the tracking bound
 * @param reorderedEvents    events whose timestamp was earlier than their packet's previous event (latency clamped to 0)
 * @param untrackedEndEvents end events for packets that were not tracked (never seen or evicted)
 * @param idleEndedPackets   packets known only by an nft trace id (which has no end event) that
 *                           were ended as completed after 1 s of event time without events
 * @param takenAtMs          wall-clock time of the snapshot, epoch ms
 * @param expiredPackets     packets closed by the idle timeout because the kernel never reported their
 *                           end (never counted as completed); also per pipeline
 * @param netns              per network namespace the events came from (live sources): packets, and
 *                           events and packets per node and edge; absent when no event named one
 * @param dropExemplars      drop reason → id of the latest packet dropped with it (sessions that keep packets)
 * @param eventTimeNs        newest event time (the trace clock, ns), to relate packet times to the snapshot
 * @param packetsKept        finished packets kept for queries (null when the session keeps none)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatsSnapshot(
        @JsonProperty("session_id") String sessionId,
        @JsonProperty("total_packets") long totalPackets,
        @JsonProperty("total_events") long totalEvents,
        @JsonProperty("packets_per_second") double packetsPerSecond,
        @JsonProperty("uptime_seconds") double uptimeSeconds,
        @JsonProperty("mode") String mode,
        @JsonProperty("hooks") Map<String, HookStats> hooks,
        @JsonProperty("nodes") Map<String, NodeStats> nodes,
        @JsonProperty("edges") List<EdgeStats> edges,
        @JsonProperty("pipelines") List<PipelineStats> pipelines,
        @JsonProperty("layers") Map<String, LayerStats> layers,
        @JsonProperty("total_verdicts") Map<String, Long> totalVerdicts,
        @JsonProperty("top_latency") List<TopLatency> topLatency,
        @JsonProperty("drops") long drops,
        @JsonProperty("evicted_packets") long evictedPackets,
        @JsonProperty("source") SourceStats source,
        @JsonProperty("drop_reasons") Map<String, Long> dropReasons,
        @JsonProperty("top_functions") Map<String, Long> topFunctions,
        @JsonProperty("max_functions") int maxFunctions,
        @JsonProperty("functions_dropped") long functionsDropped,
        @JsonProperty("rules") List<RuleStats> rules,
        @JsonProperty("rules_dropped") long rulesDropped,
        @JsonProperty("in_flight_total") long inFlightTotal,
        @JsonProperty("max_tracked_skbs") int maxTrackedSkbs,
        @JsonProperty("reordered_events") long reorderedEvents,
        @JsonProperty("untracked_end_events") long untrackedEndEvents,
        @JsonProperty("idle_ended_packets") long idleEndedPackets,
        @JsonProperty("taken_at_ms") long takenAtMs,
        @JsonProperty("expired_packets") long expiredPackets,
        @JsonProperty("netns") List<NetnsStats> netns,
        @JsonProperty("drop_exemplars") Map<String, String> dropExemplars,
        @JsonProperty("event_time_ns") Long eventTimeNs,
        @JsonProperty("packets_kept") Long packetsKept) {

    /** Stats of one node of {@code stats.nodes}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NodeStats(
            @JsonProperty("id") String id,
            @JsonProperty("label") String label,
            /** L2, L3, L4, socket; null for {@code other}. */
            @JsonProperty("layer") String layer,
            /** inbound, local, forward, outbound; null for {@code other}. */
            @JsonProperty("path") String path,
            @JsonProperty("observable") boolean observable,
            @JsonProperty("unobserved_reason") String unobservedReason,
            /** Events at the node. */
            @JsonProperty("count") long count,
            /** Distinct packets that entered the node. */
            @JsonProperty("packets") long packets,
            /** Packets whose latest node is this one and that have not ended. */
            @JsonProperty("in_flight") long inFlight,
            @JsonProperty("packets_per_second") double packetsPerSecond,
            @JsonProperty("p50_us") double p50Us,
            @JsonProperty("p90_us") double p90Us,
            @JsonProperty("p99_us") double p99Us,
            @JsonProperty("avg_us") double avgUs,
            @JsonProperty("max_us") double maxUs,
            @JsonProperty("samples") long samples,
            /** Probe → events at this node, heavy hitters first. */
            @JsonProperty("top_functions") Map<String, Long> topFunctions,
            @JsonProperty("verdicts") Map<String, Long> verdicts,
            @JsonProperty("drops") long drops,
            @JsonProperty("drop_reasons") Map<String, Long> dropReasons,
            /** Events at this node whose timestamp went backwards for their packet. */
            @JsonProperty("errors") long errors,
            /** 95 % confidence interval [low, high] of {@code p50_us} (order statistics); null without samples. */
            @JsonProperty("p50_ci_us") Interval p50CiUs,
            /** 95 % confidence interval [low, high] of {@code p99_us}; null without samples. */
            @JsonProperty("p99_ci_us") Interval p99CiUs,
            /** Latency distribution in fixed buckets, for Prometheus histograms; not in JSON. */
            @JsonIgnore LatencyBuckets latencyBuckets,
            /**
             * False when the node cannot exist for this session's packets (NIC receive for packets that
             * only cross veth pairs), which is not the same as not observable.
             */
            @JsonProperty("applicable") boolean applicable,
            @JsonProperty("not_applicable_reason") String notApplicableReason,
            /** Id of a kept packet whose time here is nearest at or above p99 (else the slowest kept). */
            @JsonProperty("p99_exemplar") String p99Exemplar,
            /** Per latency bucket (index as in {@link LatencyBuckets}), the slowest recent packet, or null; not in JSON. */
            @JsonIgnore List<Exemplar> bucketExemplars) {
        @JsonIgnore @Override public LatencyBuckets latencyBuckets() { return latencyBuckets; }
        @JsonIgnore @Override public List<Exemplar> bucketExemplars() { return bucketExemplars; }
    }

    /**
     * A packet that stands for a bucket of a node's latency histogram.
     *
     * @param packetId    the packet's id (GET /api/sessions/{id}/packets/{packet_id})
     * @param valueUs     its time at the node
     * @param endNs       event time it ended (the trace clock; {@code taken_at_ms - (event_time_ns - endNs) / 1e6}
     *                    is about when, on the wall clock)
     */
    public record Exemplar(String packetId, double valueUs, long endNs) { }

    /** A confidence interval in µs, written as the JSON array {@code [low, high]}. */
    @JsonFormat(shape = JsonFormat.Shape.ARRAY)
    @JsonPropertyOrder({"low", "high"})
    public record Interval(@JsonProperty("low") double low, @JsonProperty("high") double high) { }

    /** One observed transition between nodes. */
    public record EdgeStats(
            @JsonProperty("from") String from,
            @JsonProperty("to") String to,
            @JsonProperty("count") long count,
            @JsonProperty("avg_us") double avgUs,
            @JsonProperty("p50_us") double p50Us,
            @JsonProperty("p99_us") double p99Us) { }

    /**
     * One of the four pipelines. {@code in_flight = started − completed − dropped − evicted − expired};
     * {@code expired}: closed by the idle timeout, their end never reported.
     */
    public record PipelineStats(
            @JsonProperty("name") String name,
            @JsonProperty("started") long started,
            @JsonProperty("in_flight") long inFlight,
            @JsonProperty("completed") long completed,
            @JsonProperty("dropped") long dropped,
            @JsonProperty("evicted") long evicted,
            @JsonProperty("expired") long expired) {
        /** A pipeline with nothing expired. */
        public PipelineStats(String name, long started, long inFlight, long completed, long dropped, long evicted) {
            this(name, started, inFlight, completed, dropped, evicted, 0);
        }
    }

    /**
     * One network namespace's share of the session: the packets first seen there, and per node and
     * edge the events (and packets) that happened there. {@code netns} is the namespace's inode (0:
     * events that named none; -1: the namespaces past the first 15, together).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NetnsStats(
            @JsonProperty("netns") long netns,
            @JsonProperty("name") String name,
            @JsonProperty("packets") long packets,
            @JsonProperty("nodes") Map<String, NetnsNodeStats> nodes,
            @JsonProperty("edges") List<NetnsEdgeStats> edges) { }

    /** A node's events and packets in one namespace. */
    public record NetnsNodeStats(@JsonProperty("count") long count, @JsonProperty("packets") long packets) { }

    /** An edge's transitions in one namespace. */
    public record NetnsEdgeStats(@JsonProperty("from") String from, @JsonProperty("to") String to,
                                 @JsonProperty("count") long count) { }

    /** Events and mean node latency of one layer. */
    public record LayerStats(
            @JsonProperty("count") long count,
            @JsonProperty("avg_us") double avgUs,
            @JsonProperty("samples") long samples) { }

    /** Events carrying one hook, and their verdicts. */
    public record HookStats(
            @JsonProperty("count") long count,
            @JsonProperty("verdicts") Map<String, Long> verdicts) { }

    /** One entry of {@code top_latency}. */
    public record TopLatency(
            @JsonProperty("node") String node,
            @JsonProperty("label") String label,
            @JsonProperty("avg_us") double avgUs,
            @JsonProperty("p99_us") double p99Us,
            @JsonProperty("samples") long samples) { }

    /** What the source reports about itself. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SourceStats(
            @JsonProperty("kind") String kind,
            @JsonProperty("bad_lines") long badLines,
            @JsonProperty("lost_events") long lostEvents,
            @JsonProperty("events_read") long eventsRead,
            @JsonProperty("detail") String detail,
            /* 1: every packet traced; N: one packet in N, counts are estimates scaled by N */
            @JsonProperty("sample_one_in") int sampleOneIn) { }

    /**
     * Hits of one nftables rule; {@code handle} is null for a chain's policy; {@code text} is the
     * rule as {@code nft list} prints it, when the session's source knows it (null otherwise).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RuleStats(
            @JsonProperty("table") String table,
            @JsonProperty("chain") String chain,
            @JsonProperty("handle") Long handle,
            @JsonProperty("hits") long hits,
            @JsonProperty("verdicts") Map<String, Long> verdicts,
            @JsonProperty("text") String text,
            /** Id of the latest packet the rule gave a verdict (sessions that keep packets). */
            @JsonProperty("exemplar") String exemplar) {
        /** A rule whose text is unknown. */
        public RuleStats(String table, String chain, Long handle, long hits, Map<String, Long> verdicts) {
            this(table, chain, handle, hits, verdicts, null, null);
        }

        /** A rule without exemplar. */
        public RuleStats(String table, String chain, Long handle, long hits, Map<String, Long> verdicts, String text) {
            this(table, chain, handle, hits, verdicts, text, null);
        }

        /** The same rule without its exemplar (for comparisons). */
        public RuleStats withoutExemplar() { return new RuleStats(table, chain, handle, hits, verdicts, text, null); }
    }

    /**
     * A node's latency samples in fixed buckets ({@link #UPPER_BOUNDS_US}, last is +Inf) for
     * exporting Prometheus classic histograms. Immutable: accessors return copies.
     */
    public static final class LatencyBuckets {
        /** Upper bounds in µs; the last is {@link Double#POSITIVE_INFINITY}. */
        public static final List<Double> UPPER_BOUNDS_US = List.of(1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0,
                500.0, 1000.0, 2000.0, 5000.0, 10000.0, Double.POSITIVE_INFINITY);
        public static final LatencyBuckets EMPTY = new LatencyBuckets(new long[UPPER_BOUNDS_US.size()], 0);

        private final long[] counts;
        private final double sumUs;

        /** @param counts samples per bucket (not cumulative), one per {@link #UPPER_BOUNDS_US} entry */
        public LatencyBuckets(long[] counts, double sumUs) {
            if (counts.length != UPPER_BOUNDS_US.size()) throw new IllegalArgumentException("need " + UPPER_BOUNDS_US.size() + " buckets");
            this.counts = counts.clone();
            this.sumUs = sumUs;
        }

        public List<Double> upperBoundsUs() { return UPPER_BOUNDS_US; }
        /** Samples per bucket (not cumulative). */
        public long[] bucketCounts() { return counts.clone(); }
        /** Samples at or below each upper bound; the last equals {@link #count()}. */
        public long[] cumulativeCounts() {
            long[] c = counts.clone();
            for (int i = 1; i < c.length; i++) c[i] += c[i - 1];
            return c;
        }
        public long count() { return Arrays.stream(counts).sum(); }
        public double sumUs() { return sumUs; }

        @Override public boolean equals(Object o) {
            return o instanceof LatencyBuckets b && Arrays.equals(counts, b.counts) && sumUs == b.sumUs;
        }
        @Override public int hashCode() { return Arrays.hashCode(counts) * 31 + Double.hashCode(sumUs); }
        @Override public String toString() { return "LatencyBuckets" + Arrays.toString(counts) + " sum=" + sumUs; }
    }

    /** Stats of node {@code node}; never null (all nodes are always present). */
    public NodeStats node(PipelineNode node) { return nodes.get(node.id()); }

    /** The pipeline named {@code name} ("inbound", "outbound", "local_delivery", "forward"), or null. */
    public PipelineStats pipeline(String name) {
        for (PipelineStats p : pipelines) if (p.name().equals(name)) return p;
        return null;
    }
}

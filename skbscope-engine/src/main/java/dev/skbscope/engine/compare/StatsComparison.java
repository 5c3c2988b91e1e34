package dev.skbscope.engine.compare;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * What changed from one session's stats (A) to another's (B); immutable, serialised by a plain
 * Jackson {@code ObjectMapper} as the body of {@code GET /api/sessions/{a}/compare/{b}} and of
 * {@code skbscope diff --json}. Built by {@link StatsDiff}.
 *
 * @param a                 what A is
 * @param b                 what B is
 * @param zThreshold        standard errors a change must reach to be significant ({@link Noise#Z})
 * @param significantNodes  nodes with at least one significant change
 * @param nodes             nodes active in either session, most changed first
 * @param dropReasons       drop reasons over the whole session, most changed first
 * @param rules             nftables rules hit in either session, most changed first
 */
public record StatsComparison(
        @JsonProperty("a") Side a,
        @JsonProperty("b") Side b,
        @JsonProperty("z_threshold") double zThreshold,
        @JsonProperty("significant_nodes") int significantNodes,
        @JsonProperty("nodes") List<NodeChange> nodes,
        @JsonProperty("drop_reasons") List<CountChange> dropReasons,
        @JsonProperty("rules") List<RuleChange> rules) {

    /** Headline numbers of one side. */
    public record Side(
            @JsonProperty("name") String name,
            @JsonProperty("session_id") String sessionId,
            @JsonProperty("mode") String mode,
            @JsonProperty("total_packets") long totalPackets,
            @JsonProperty("total_events") long totalEvents,
            @JsonProperty("drops") long drops,
            @JsonProperty("drop_rate") double dropRate,
            @JsonProperty("sample_one_in") int sampleOneIn,
            @JsonProperty("uptime_seconds") double uptimeSeconds) { }

    /**
     * How one node changed.
     *
     * @param score    how much it changed: the largest symmetric relative difference
     *                 ({@link Noise#magnitude}, 0..2) among its significant changes; 0 when none is
     * @param summary  one phrase per significant change, e.g. {@code "p50 5.0 µs → 10.1 µs (+101%)"}
     * @param p50Us    null when neither side has latency samples here
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NodeChange(
            @JsonProperty("id") String id,
            @JsonProperty("label") String label,
            @JsonProperty("path") String path,
            @JsonProperty("significant") boolean significant,
            @JsonProperty("score") double score,
            @JsonProperty("summary") List<String> summary,
            @JsonProperty("observable_a") boolean observableA,
            @JsonProperty("observable_b") boolean observableB,
            @JsonProperty("unobserved_reason") String unobservedReason,
            @JsonProperty("packets") Volume packets,
            @JsonProperty("drop_rate") Metric dropRate,
            @JsonProperty("p50_us") Metric p50Us,
            @JsonProperty("p99_us") Metric p99Us,
            @JsonProperty("verdicts") List<CountChange> verdicts,
            @JsonProperty("drop_reasons") List<CountChange> dropReasons) { }

    /**
     * One number on both sides.
     *
     * @param change relative change (b−a)/a, null when a is 0
     * @param z      the test statistic (standard errors; infinite when both sides are exact and differ)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metric(
            @JsonProperty("a") double a,
            @JsonProperty("b") double b,
            @JsonProperty("change") Double change,
            @JsonProperty("z") double z,
            @JsonProperty("significant") boolean significant) { }

    /**
     * A node's packets. They are judged by what the node's own position decides, not by the volume
     * of traffic offered: for a node reached from other nodes, the share of the packets its
     * predecessors passed on that came to it ({@code basis: "reach"}); for a node where packets
     * start, its share of the session's packets ({@code basis: "entry"}), which must also move by
     * {@link StatsDiff#ENTRY_SHARE_FLOOR} or more, since the traffic mix varies from capture to capture.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Volume(
            @JsonProperty("a") long a,
            @JsonProperty("b") long b,
            @JsonProperty("change") Double change,
            @JsonProperty("share_a") double shareA,
            @JsonProperty("share_b") double shareB,
            @JsonProperty("basis") String basis,
            @JsonProperty("reach_a") Double reachA,
            @JsonProperty("reach_b") Double reachB,
            @JsonProperty("z") double z,
            @JsonProperty("significant") boolean significant) { }

    /**
     * A counted thing (a verdict, a drop reason) on both sides.
     *
     * @param shareA  its count over the side's exposure (the node's verdicts, packets, ...)
     * @param status  {@code appeared}, {@code vanished}, {@code up}, {@code down} or {@code same} (by share)
     */
    public record CountChange(
            @JsonProperty("name") String name,
            @JsonProperty("a") long a,
            @JsonProperty("b") long b,
            @JsonProperty("share_a") double shareA,
            @JsonProperty("share_b") double shareB,
            @JsonProperty("status") String status,
            @JsonProperty("z") double z,
            @JsonProperty("significant") boolean significant) { }

    /** An nftables rule's hits on both sides (share: hits per event of the session). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RuleChange(
            @JsonProperty("table") String table,
            @JsonProperty("chain") String chain,
            @JsonProperty("handle") Long handle,
            @JsonProperty("text") String text,
            @JsonProperty("a") long a,
            @JsonProperty("b") long b,
            @JsonProperty("status") String status,
            @JsonProperty("verdicts_a") Map<String, Long> verdictsA,
            @JsonProperty("verdicts_b") Map<String, Long> verdictsB,
            @JsonProperty("z") double z,
            @JsonProperty("significant") boolean significant) {
        /** {@code table chain handle N} or {@code table chain policy}. */
        public String name() {
            return table + " " + chain + (handle == null ? " policy" : " handle " + handle);
        }
    }

    /** The nodes with a significant change, most changed first. */
    public List<NodeChange> changedNodes() {
        return nodes.stream().filter(NodeChange::significant).toList();
    }
}

package dev.skbscope.engine.alert;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.StatsInterval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a rule measures, computed from one {@link StatsInterval} (the last tick). Rates and shares
 * are over the interval, so they show what happens now rather than a since-start average; the
 * Prometheus export computes the same quantities with {@code rate()} over a window. Stateless and
 * thread-safe.
 *
 * <p>A per-node, per-hook or per-reason expression gives one value per node (hook, reason) that had
 * data in the interval, each its own alert; a rule's scope narrows it to one. A value is NaN, and
 * the condition false, when there is nothing to measure (a drop rate with no packets, a percentile
 * with no samples), as in PromQL.
 */
public enum AlertExpression {
    /** Drops per 100 new packets of the session. */
    DROP_RATE("drop_rate", "%", Scope.NONE, "drop rate of the session (drops per 100 packets)"),
    /** Drops per 100 packets that entered the node. */
    NODE_DROP_RATE("node_drop_rate", "%", Scope.NODE, "drop rate at a node (its drops per 100 of its packets)"),
    /** Drops with one kernel drop reason per 100 new packets of the session. */
    REASON_DROP_RATE("reason_drop_rate", "%", Scope.REASON, "drops with a drop reason per 100 packets of the session"),
    /** Median latency of a node. */
    NODE_P50_US("node_p50_us", "µs", Scope.NODE, "p50 latency of a node, µs"),
    /** 99th percentile latency of a node. */
    NODE_P99_US("node_p99_us", "µs", Scope.NODE, "p99 latency of a node, µs"),
    /** New packets per second of the session. */
    PACKETS_PER_SECOND("packets_per_second", "packets/s", Scope.NONE, "new packets per second"),
    /** Node errors (events whose timestamp went backwards) per second, summed over nodes or at one node. */
    ERRORS_PER_SECOND("errors_per_second", "errors/s", Scope.NODE_OR_SESSION, "errors per second (events out of time order), all nodes or one"),
    /** Events the source lost (kernel ring buffer full) per second. */
    LOST_EVENTS_PER_SECOND("lost_events_per_second", "events/s", Scope.NONE, "events lost by the source per second"),
    /** The source's sampling factor: 1 = every packet traced, N = one packet in N (sampling engaged above 1). */
    SAMPLING_ONE_IN("sampling_one_in", "", Scope.NONE, "sampling factor of the source (1 = every packet; > 1 = sampling engaged)"),
    /** DROP verdicts per 100 verdicts at a netfilter hook. */
    HOOK_DROP_SHARE("hook_drop_share", "%", Scope.HOOK, "share of DROP among the verdicts at a hook (%)");

    /** What a rule of this expression may be narrowed to, and what it gives without a scope. */
    public enum Scope {
        /** One value for the session; no scope allowed. */
        NONE,
        /** One value per node; a {@code node} scope picks one. */
        NODE,
        /** One value for the session (all nodes); a {@code node} scope gives that node's. */
        NODE_OR_SESSION,
        /** One value per netfilter hook; a {@code hook} scope picks one. */
        HOOK,
        /** One value per drop reason; a {@code reason} scope picks one. */
        REASON
    }

    private final String id;
    private final String unit;
    private final Scope scope;
    private final String description;

    AlertExpression(String id, String unit, Scope scope, String description) {
        this.id = id;
        this.unit = unit;
        this.scope = scope;
        this.description = description;
    }

    /** The JSON name, e.g. {@code drop_rate}. */
    public String id() { return id; }
    /** Unit of the value and threshold ({@code %}, {@code µs}, ...; empty for a plain number). */
    public String unit() { return unit; }
    public Scope scope() { return scope; }
    public String description() { return description; }

    /** The expression named {@code id}, or null. */
    public static AlertExpression parse(String id) {
        for (AlertExpression e : values()) if (e.id.equals(id)) return e;
        return null;
    }

    /**
     * The values of this expression over {@code iv} for {@code rule}'s scope: instance key (node id,
     * hook or reason; "" for the session) to value. Instances without data are left out.
     */
    public Map<String, Double> values(StatsInterval iv, AlertRule rule) {
        Map<String, Double> out = new LinkedHashMap<>();
        double s = iv.seconds();
        StatsInterval.Nodes n = iv.nodes();
        switch (this) {
            case DROP_RATE -> put(out, "", ratio(iv.drops(), iv.packets()));
            case PACKETS_PER_SECOND -> put(out, "", iv.packets() / s);
            case LOST_EVENTS_PER_SECOND -> put(out, "", iv.lostEvents() / s);
            case SAMPLING_ONE_IN -> put(out, "", iv.sampleOneIn() > 0 ? iv.sampleOneIn() : Double.NaN);
            case ERRORS_PER_SECOND -> {
                if (rule.node() == null) put(out, "", iv.errors() / s);
                else put(out, rule.node().id(), n.errors()[rule.node().ordinal()] / s);
            }
            case NODE_DROP_RATE, NODE_P50_US, NODE_P99_US -> {
                for (PipelineNode p : PipelineNode.values()) {
                    if (rule.node() != null && rule.node() != p) continue;
                    int i = p.ordinal();
                    double v = switch (this) {
                        case NODE_DROP_RATE -> ratio(n.drops()[i], n.packets()[i]);
                        case NODE_P50_US -> LatencyQuantile.of(n.latencyBuckets()[i], 0.5);
                        default -> LatencyQuantile.of(n.latencyBuckets()[i], 0.99);
                    };
                    put(out, p.id(), v);
                }
            }
            case HOOK_DROP_SHARE -> iv.hookVerdicts().forEach((hook, verdicts) -> {
                if (rule.hook() == null || rule.hook().equals(hook))
                    put(out, hook, ratio(iv.hookDrops().getOrDefault(hook, 0L), verdicts));
            });
            case REASON_DROP_RATE -> {
                double packets = iv.packets();
                if (rule.reason() != null) {
                    put(out, rule.reason(), ratio(iv.dropReasons().getOrDefault(rule.reason(), 0L), packets));
                } else {
                    iv.dropReasons().forEach((reason, drops) -> put(out, reason, ratio(drops, packets)));
                }
            }
        }
        return out;
    }

    private static double ratio(double part, double whole) {
        return whole > 0 ? 100.0 * part / whole : Double.NaN;
    }

    private static void put(Map<String, Double> out, String key, double v) {
        if (!Double.isNaN(v)) out.put(key, v);
    }
}

package dev.skbscope.server.fleet;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.skbscope.server.fleet.PrometheusClient.Sample;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The Hosts page: one row per skbscope that a Prometheus scrapes, built only from PromQL (no protocol
 * of our own between skbscope hosts). Thread-safe; each call runs the queries afresh, concurrently.
 *
 * <p>A host is a {@code (job, instance)} pair that exported {@code skbscope_build_info} within the
 * last hour, so a host that stops answering stays listed with {@code up = 0}.
 */
public final class FleetHosts {
    /** The rate window: four scrapes at Prometheus' default 15 s interval. */
    public static final String WINDOW = "1m";
    /** Every query the page runs, by the column it fills. */
    public static final Map<String, String> QUERIES = queries();

    private static Map<String, String> queries() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("hosts", "max by (job, instance, version) (max_over_time(skbscope_build_info[1h]))");
        q.put("up", "up");
        q.put("packets_per_second", "sum by (job, instance) (rate(skbscope_session_packets_total[" + WINDOW + "]))");
        q.put("drop_ratio", "sum by (job, instance) (rate(skbscope_session_drops_total[" + WINDOW + "]))"
                + " / sum by (job, instance) (rate(skbscope_session_packets_total[" + WINDOW + "]))");
        q.put("worst_p99", "topk by (job, instance) (1, histogram_quantile(0.99, sum by (job, instance, node, le)"
                + " (rate(skbscope_node_latency_seconds_bucket[" + WINDOW + "]))) >= 0)");
        q.put("alerts_firing", "count by (job, instance) (skbscope_alerts_firing > 0)");
        q.put("running_sessions", "sum by (job, instance) (skbscope_sessions{state=\"running\"})");
        q.put("lost_events_per_second", "sum by (job, instance) (rate(skbscope_source_lost_events_total[" + WINDOW + "]))");
        return Collections.unmodifiableMap(q);
    }

    /**
     * One scraped skbscope.
     *
     * @param url               its own UI: the target's {@code skbscope_url} label, else {@code http://<instance>/}
     * @param packetsPerSecond  null when Prometheus has no rate for it (no session, or too few scrapes yet)
     * @param dropRatio         drops / packets over the window; null without packets
     * @param worstP99Seconds   the highest node p99 over the window, at {@code worstP99Node}
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Host(String job, String instance, String version, boolean up, String url, Double packetsPerSecond,
                       Double dropRatio, Double worstP99Seconds, String worstP99Node, int alertsFiring,
                       int runningSessions, Double lostEventsPerSecond) { }

    private final PrometheusClient prometheus;

    public FleetHosts(PrometheusClient prometheus) {
        this.prometheus = prometheus;
    }

    public PrometheusClient prometheus() { return prometheus; }

    /** Queries Prometheus and joins the answers by {@code (job, instance)}; hosts sorted by instance. */
    public List<Host> hosts() {
        Map<String, CompletableFuture<List<Sample>>> pending = new LinkedHashMap<>();
        QUERIES.forEach((k, q) -> pending.put(k, prometheus.query(q)));
        Map<String, List<Sample>> r = new HashMap<>();
        try {
            pending.forEach((k, f) -> r.put(k, f.join()));
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
        Map<String, Sample> up = byHost(r.get("up"));
        Map<String, Sample> pps = byHost(r.get("packets_per_second"));
        Map<String, Sample> drop = byHost(r.get("drop_ratio"));
        Map<String, Sample> p99 = byHost(r.get("worst_p99"));
        Map<String, Sample> alerts = byHost(r.get("alerts_firing"));
        Map<String, Sample> running = byHost(r.get("running_sessions"));
        Map<String, Sample> lost = byHost(r.get("lost_events_per_second"));
        List<Host> out = new ArrayList<>();
        for (Sample h : r.get("hosts")) {
            String key = key(h);
            Sample u = up.get(key);
            String url = u != null && u.label("skbscope_url") != null ? u.label("skbscope_url") : "http://" + h.label("instance") + "/";
            Sample w = p99.get(key);
            out.add(new Host(h.label("job"), h.label("instance"), h.label("version"), u != null && u.value() == 1, url,
                    finite(pps.get(key)), finite(drop.get(key)), finite(w), w == null ? null : w.label("node"),
                    count(alerts.get(key)), count(running.get(key)), finite(lost.get(key))));
        }
        out.sort(Comparator.comparing(Host::instance).thenComparing(Host::job));
        return out;
    }

    private static String key(Sample s) {
        return s.label("job") + '\u0000' + s.label("instance");
    }

    private static Map<String, Sample> byHost(List<Sample> samples) {
        Map<String, Sample> m = new HashMap<>();
        for (Sample s : samples) m.put(key(s), s);
        return m;
    }

    private static Double finite(Sample s) {
        return s == null || !Double.isFinite(s.value()) ? null : s.value();
    }

    private static int count(Sample s) {
        return s == null || !Double.isFinite(s.value()) ? 0 : (int) Math.round(s.value());
    }
}

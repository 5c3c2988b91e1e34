package dev.skbscope.server.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.skbscope.engine.alert.AlertExpression;
import dev.skbscope.engine.alert.AlertRule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The alert rules as a Prometheus alerting-rules file over skbscope's own metrics, so a Prometheus
 * scraping {@code /metrics} raises the same alerts (and hands them to Alertmanager). Each rule
 * keeps its name, {@code for}, {@code keep_firing_for} and severity; its expression becomes the
 * same quantity in PromQL, over a {@code rate()} window instead of the last tick. A session's own
 * rule becomes a rule for that session, and the global rule it replaces leaves that session out.
 * Alerts hold only while the session runs, as in the server. Stateless and thread-safe.
 */
public final class PrometheusRules {
    public static final String DEFAULT_WINDOW = "1m";
    private static final Pattern WINDOW = Pattern.compile("[1-9][0-9]{0,4}(s|m|h)");
    private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

    private PrometheusRules() { }

    /** True for a window PromQL accepts here ({@code 30s}, {@code 1m}, {@code 5m}, {@code 1h}). */
    public static boolean validWindow(String w) { return w != null && WINDOW.matcher(w).matches(); }

    /**
     * The rules file: one group {@code skbscope} with an alerting rule per enabled global rule
     * (without the sessions that replace it) and per enabled session rule.
     *
     * @param global   the global rules
     * @param sessions each session's own rules
     * @param window   the {@code rate()} window, e.g. {@code 1m} (at least 4 scrape intervals)
     */
    public static String export(List<AlertRule> global, Map<String, List<AlertRule>> sessions, String window) {
        if (!validWindow(window)) throw new IllegalArgumentException("window: must be a duration such as 30s, 1m, 5m");
        List<Map<String, Object>> rules = new ArrayList<>();
        for (AlertRule g : global) {
            TreeSet<String> except = new TreeSet<>();
            sessions.forEach((id, own) -> {
                for (AlertRule r : own) if (r.name().equals(g.name())) except.add(id);
            });
            if (!g.enabled()) continue;
            String sel = except.isEmpty() ? "" : "session!~\"" + String.join("|", except.stream().map(PrometheusRules::regexQuote).toList()) + "\"";
            rules.add(rule(g, sel, window, null));
        }
        new TreeSet<>(sessions.keySet()).forEach(id -> {
            for (AlertRule r : sessions.get(id)) if (r.enabled()) rules.add(rule(r, "session=\"" + labelQuote(id) + "\"", window, id));
        });
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("name", "skbscope");
        group.put("rules", rules);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("groups", List.of(group));
        try {
            return "# skbscope alert rules for Prometheus (rate window " + window + "); load with rule_files: in prometheus.yml\n"
                    + YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> rule(AlertRule r, String sessionSelector, String w, String session) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alert", r.name());
        m.put("expr", "(" + value(r, sessionSelector, w) + ") " + r.comparison().symbol() + " " + number(r.threshold())
                + "\nand on (instance, job, session) skbscope_session_running == 1");
        if (r.forMillis() > 0) m.put("for", duration(r.forMillis()));
        if (r.keepFiringForMillis() > 0) m.put("keep_firing_for", duration(r.keepFiringForMillis()));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("severity", r.severity().id());
        // a session's own rule may share its name with a global one: a label keeps the two apart
        if (session != null) labels.put("rule_session", session);
        m.put("labels", labels);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("summary", r.title());
        String where = "{{ $labels.session }}"
                + (scoped(r) ? "" : switch (r.expression().scope()) {
                    case NODE -> " at {{ $labels.node }}";
                    case HOOK -> " at {{ $labels.hook }}";
                    case REASON -> " ({{ $labels.reason }})";
                    default -> "";
                });
        String unit = r.expression().unit().isEmpty() ? "" : " " + r.expression().unit();
        annotations.put("description", where + ": " + r.condition() + unit + " (now {{ $value | printf \"%.4g\" }}" + unit + ")"
                + (session == null ? "" : " [rule of session " + session + "]"));
        m.put("annotations", annotations);
        return m;
    }

    private static boolean scoped(AlertRule r) { return r.node() != null || r.hook() != null || r.reason() != null; }

    /** The PromQL of the rule's expression with the given session matcher. */
    static String value(AlertRule r, String sessionSelector, String w) {
        String s = sessionSelector;
        String node = r.node() == null ? "" : "node=\"" + r.node().id() + "\"";
        String hook = r.hook() == null ? "" : "hook=\"" + r.hook() + "\"";
        String reason = r.reason() == null ? "" : "reason=\"" + labelQuote(r.reason()) + "\"";
        AlertExpression e = r.expression();
        return switch (e) {
            case DROP_RATE -> "100 * rate(skbscope_session_drops_total" + sel(s) + "[" + w + "]) / rate(skbscope_session_packets_total" + sel(s) + "[" + w + "])";
            case NODE_DROP_RATE -> "100 * rate(skbscope_node_drops_total" + sel(s, node) + "[" + w + "]) / rate(skbscope_node_packets_total"
                    + sel(s, node) + "[" + w + "])";
            case REASON_DROP_RATE -> "100 * sum without (node) (rate(skbscope_drops_total" + sel(s, reason) + "[" + w + "]))"
                    + " / ignoring (reason) group_left rate(skbscope_session_packets_total" + sel(s) + "[" + w + "])";
            case NODE_P50_US, NODE_P99_US -> "1e6 * histogram_quantile(" + (e == AlertExpression.NODE_P50_US ? "0.5" : "0.99")
                    + ", rate(skbscope_node_latency_seconds_bucket" + sel(s, node) + "[" + w + "]))";
            case PACKETS_PER_SECOND -> "rate(skbscope_session_packets_total" + sel(s) + "[" + w + "])";
            case ERRORS_PER_SECOND -> r.node() == null
                    ? "sum without (node) (rate(skbscope_node_errors_total" + sel(s) + "[" + w + "]))"
                    : "rate(skbscope_node_errors_total" + sel(s, node) + "[" + w + "])";
            case LOST_EVENTS_PER_SECOND -> "rate(skbscope_source_lost_events_total" + sel(s) + "[" + w + "])";
            case SAMPLING_ONE_IN -> "skbscope_source_sample_one_in" + sel(s);
            case HOOK_DROP_SHARE -> "100 * rate(skbscope_hook_verdicts_total" + sel(s, hook, "verdict=\"DROP\"") + "[" + w + "])"
                    + " / ignoring (verdict) sum without (verdict) (rate(skbscope_hook_verdicts_total" + sel(s, hook) + "[" + w + "]))";
        };
    }

    private static String sel(String... matchers) {
        List<String> m = new ArrayList<>();
        for (String x : matchers) if (!x.isEmpty()) m.add(x);
        return m.isEmpty() ? "" : "{" + String.join(", ", m) + "}";
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** A Prometheus duration: whole ms, s, m or h as fits. */
    static String duration(long ms) {
        if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }

    private static String labelQuote(String v) { return v.replace("\\", "\\\\").replace("\"", "\\\""); }

    /** Session ids are letters, digits, '_', '-', '.': only the dot needs escaping in a regex. */
    private static String regexQuote(String id) { return id.replace(".", "\\\\."); }
}

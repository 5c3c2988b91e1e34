package dev.skbscope.server.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.alert.AlertExpression;
import dev.skbscope.engine.alert.AlertRule;
import dev.skbscope.engine.alert.Comparison;
import dev.skbscope.engine.alert.Severity;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.http.RequestFields;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Alert rules to and from JSON, strictly (with {@link RequestFields}, as session requests): unknown
 * fields (with the closest known one), wrong types and out-of-range values are 400s naming the field
 * ({@code rules[2].for: must be within 0..86400 seconds}). Stateless.
 *
 * <pre>{"name":"critical_drop_rate","title":"Critical drop rate","expression":"drop_rate","comparison":"&gt;",
 *  "threshold":20,"for":5,"keep_firing_for":0,"severity":"error","node":null,"hook":null,"reason":null,"enabled":true}</pre>
 * Durations are seconds (a number) or Prometheus-style text ({@code "90s"}, {@code "1m30s"}, {@code "500ms"}).
 */
public final class RuleJson {
    static final List<String> FIELDS = List.of("name", "title", "expression", "comparison", "threshold", "for",
            "keep_firing_for", "severity", "node", "hook", "reason", "enabled");
    /** Thresholds are within ±1e15: every metric fits, and a double holds such values exactly enough. */
    static final double MAX_THRESHOLD = 1e15;
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private RuleJson() { }

    /** The JSON form of a rule. */
    public static ObjectNode write(AlertRule r) {
        ObjectNode n = ServerJson.MAPPER.createObjectNode();
        n.put("name", r.name());
        n.put("title", r.title());
        n.put("expression", r.expression().id());
        n.put("comparison", r.comparison().symbol());
        n.put("threshold", r.threshold());
        n.put("for", r.forMillis() / 1000.0);
        n.put("keep_firing_for", r.keepFiringForMillis() / 1000.0);
        n.put("severity", r.severity().id());
        n.put("node", r.node() == null ? null : r.node().id());
        n.put("hook", r.hook());
        n.put("reason", r.reason());
        n.put("enabled", r.enabled());
        n.put("unit", r.expression().unit());
        n.put("condition", r.condition());
        return n;
    }

    /** A whole rule from {@code body} ({@code where} prefixes error messages, e.g. "rules[0]."). */
    public static AlertRule parse(JsonNode body, String where) {
        return merge(null, body, where);
    }

    /**
     * {@code base} with the fields {@code body} gives replaced (PUT of one rule); with a null base
     * every field but the optional ones is required.
     */
    public static AlertRule merge(AlertRule base, JsonNode body, String where) {
        if (body == null || !body.isObject()) throw ApiException.badRequest(where.isEmpty() ? "body: must be a JSON object (a rule)" : where + ": must be a JSON object (a rule)");
        RequestFields.onlyKnown(body, where, FIELDS, "an alert rule");
        String name = text(body, "name", where, base == null ? null : base.name(), base == null);
        if (base != null && !name.equals(base.name()))
            throw ApiException.badRequest(where + "name: cannot be changed (create a rule with the new name and delete this one)");
        String title = body.has("title") ? text(body, "title", where, null, false) : base == null ? null : base.title();
        AlertExpression expression = base == null ? null : base.expression();
        if (body.has("expression") || base == null) {
            String e = text(body, "expression", where, null, true);
            expression = AlertExpression.parse(e);
            if (expression == null) throw ApiException.badRequest(where + "expression: unknown expression '" + e + "' (one of "
                    + Arrays.stream(AlertExpression.values()).map(AlertExpression::id).collect(Collectors.joining(", ")) + ")");
        }
        Comparison comparison = base == null ? Comparison.GT : base.comparison();
        if (body.has("comparison")) {
            String c = text(body, "comparison", where, null, true);
            comparison = Comparison.parse(c);
            if (comparison == null) throw ApiException.badRequest(where + "comparison: must be one of >, >=, <, <=, ==, !=");
        }
        double threshold = base == null ? Double.NaN : base.threshold();
        if (body.has("threshold") || base == null) threshold = number(body, "threshold", where);
        long forMs = body.has("for") ? millis(body.get("for"), where + "for") : base == null ? 0 : base.forMillis();
        long keepMs = body.has("keep_firing_for") ? millis(body.get("keep_firing_for"), where + "keep_firing_for")
                : base == null ? 0 : base.keepFiringForMillis();
        Severity severity = base == null ? Severity.WARNING : base.severity();
        if (body.has("severity")) {
            String s = text(body, "severity", where, null, true);
            severity = Severity.parse(s);
            if (severity == null) throw ApiException.badRequest(where + "severity: must be one of info, warning, error, critical");
        }
        boolean expressionChanged = base != null && expression != base.expression();
        PipelineNode node = expressionChanged || base == null ? null : base.node();
        if (body.has("node")) {
            String n = nullableText(body, "node", where);
            node = n == null ? null : PipelineNode.byId(n);
            if (n != null && node == null) throw ApiException.badRequest(where + "node: unknown node '" + n + "' (one of "
                    + Arrays.stream(PipelineNode.values()).map(PipelineNode::id).collect(Collectors.joining(", ")) + ")");
        }
        String hook = expressionChanged || base == null ? null : base.hook();
        if (body.has("hook")) hook = nullableText(body, "hook", where);
        String reason = expressionChanged || base == null ? null : base.reason();
        if (body.has("reason")) reason = nullableText(body, "reason", where);
        boolean enabled = base == null || base.enabled();
        if (body.has("enabled")) {
            JsonNode e = body.get("enabled");
            if (!e.isBoolean()) throw ApiException.badRequest(where + "enabled: must be true or false");
            enabled = e.booleanValue();
        }
        try {
            return new AlertRule(name, title, expression, comparison, threshold, forMs, keepMs, severity, node, hook, reason, enabled);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(where + e.getMessage());
        }
    }

    /** The rules of {@code {"rules":[...]}} (PUT of a whole set); names must be unique. */
    public static List<AlertRule> parseSet(JsonNode body) {
        if (body == null || !body.isObject()) throw ApiException.badRequest("body: must be a JSON object {\"rules\": [...]}");
        RequestFields.onlyKnown(body, "", List.of("rules"), "a rule set");
        JsonNode rules = body.get("rules");
        if (rules == null || !rules.isArray()) throw ApiException.badRequest("rules: must be an array of rules");
        if (rules.size() > RuleBook.MAX_RULES) throw ApiException.badRequest("rules: at most " + RuleBook.MAX_RULES + " rules");
        List<AlertRule> out = new java.util.ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            AlertRule r = parse(rules.get(i), "rules[" + i + "].");
            if (!names.add(r.name())) throw ApiException.badRequest("rules[" + i + "].name: duplicate name " + r.name());
            out.add(r);
        }
        return out;
    }

    private static String text(JsonNode body, String f, String where, String dflt, boolean required) {
        JsonNode v = body.get(f);
        if (v == null || v.isNull()) {
            if (required && dflt == null) throw ApiException.badRequest(where + f + ": is required");
            return dflt;
        }
        if (!v.isTextual()) throw ApiException.badRequest(where + f + ": must be a string");
        return v.textValue();
    }

    private static String nullableText(JsonNode body, String f, String where) {
        JsonNode v = body.get(f);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiException.badRequest(where + f + ": must be a string or null");
        return v.textValue().isEmpty() ? null : v.textValue();
    }

    private static double number(JsonNode body, String f, String where) {
        JsonNode v = body.get(f);
        if (v == null || v.isNull()) throw ApiException.badRequest(where + f + ": is required");
        // compared exactly (1e15 + 0.1 is out of range although its double is not)
        return RequestFields.number(v, where + f, -MAX_THRESHOLD, MAX_THRESHOLD);
    }

    /** Seconds as a number, or a duration text; 0..1 day. */
    static long millis(JsonNode v, String field) {
        long ms;
        if (v.isNumber()) {
            BigDecimal s = v.decimalValue();
            if (s.signum() < 0) throw ApiException.badRequest(field + ": must not be negative");
            if (s.compareTo(BigDecimal.valueOf(AlertRule.MAX_DURATION_MS / 1000)) > 0)
                throw ApiException.badRequest(field + ": must be within 0..86400 seconds");
            ms = s.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        } else if (v.isTextual()) {
            String t = v.textValue().strip();
            if (t.startsWith("-")) throw ApiException.badRequest(field + ": must not be negative");
            Matcher m = DURATION.matcher(t);
            long total = 0;
            int at = 0;
            while (m.find() && m.start() == at) {
                long n;
                try {
                    n = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest(field + ": must be within 0..86400 seconds");
                }
                long unit = switch (m.group(2)) {
                    case "ms" -> 1;
                    case "s" -> 1000;
                    case "m" -> 60_000;
                    case "h" -> 3_600_000;
                    default -> 86_400_000;
                };
                if (n > AlertRule.MAX_DURATION_MS / unit) throw ApiException.badRequest(field + ": must be within 0..86400 seconds");
                total += n * unit;
                at = m.end();
            }
            if (t.isEmpty() || at != t.length())
                throw ApiException.badRequest(field + ": must be seconds or a duration such as 30s, 1m30s, 500ms");
            ms = total;
        } else {
            throw ApiException.badRequest(field + ": must be seconds (a number) or a duration text such as \"30s\"");
        }
        if (ms > AlertRule.MAX_DURATION_MS) throw ApiException.badRequest(field + ": must be within 0..86400 seconds");
        return ms;
    }
}

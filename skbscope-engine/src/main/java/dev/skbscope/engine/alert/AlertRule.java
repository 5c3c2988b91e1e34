package dev.skbscope.engine.alert;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.event.Hook;

import java.util.regex.Pattern;

/**
 * One alert rule, as Prometheus defines one: while {@code expression comparison threshold} holds
 * the alert is pending; once it has held for {@code forMillis} it fires; when it no longer holds
 * (for {@code keepFiringForMillis}, if set) it resolves. Immutable and validated: the constructor
 * throws {@link IllegalArgumentException} whose message starts with the offending field
 * ({@code "threshold: must be a finite number"}).
 *
 * @param name                identifier, also the Prometheus alert name: a letter or {@code _}, then letters, digits, {@code _} (≤ 64)
 * @param title               for people, e.g. "Critical drop rate" (≤ 120 characters)
 * @param expression          what is measured
 * @param comparison          how the value is compared with the threshold
 * @param threshold           in the expression's unit
 * @param forMillis           how long the condition must hold before the alert fires (0 = at once), ≤ 1 day
 * @param keepFiringForMillis how long a firing alert stays firing after the condition stopped holding, ≤ 1 day
 * @param severity            info, warning, error or critical
 * @param node                node scope (node expressions only), or null
 * @param hook                hook scope ({@code hook_drop_share} only, e.g. {@code INPUT}), or null
 * @param reason              drop reason scope ({@code reason_drop_rate} only, e.g. {@code NO_SOCKET}), or null
 * @param enabled             false: not evaluated (and any alert of it resolved)
 */
public record AlertRule(String name, String title, AlertExpression expression, Comparison comparison,
                        double threshold, long forMillis, long keepFiringForMillis, Severity severity,
                        PipelineNode node, String hook, String reason, boolean enabled) {
    public static final long MAX_DURATION_MS = 86_400_000L;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final Pattern REASON = Pattern.compile("[A-Z0-9_]{1,64}");

    public AlertRule {
        if (name == null || !NAME.matcher(name).matches())
            throw new IllegalArgumentException("name: must be 1-64 letters, digits or '_', not starting with a digit");
        if (title == null || title.isBlank()) title = name;
        if (title.length() > 120) throw new IllegalArgumentException("title: must be at most 120 characters");
        for (int i = 0; i < title.length(); i++)
            if (Character.isISOControl(title.charAt(i))) throw new IllegalArgumentException("title: must not contain control characters");
        if (expression == null) throw new IllegalArgumentException("expression: is required");
        if (comparison == null) throw new IllegalArgumentException("comparison: is required");
        if (!Double.isFinite(threshold)) throw new IllegalArgumentException("threshold: must be a finite number");
        if (forMillis < 0 || forMillis > MAX_DURATION_MS) throw new IllegalArgumentException("for: must be within 0..86400 seconds");
        if (keepFiringForMillis < 0 || keepFiringForMillis > MAX_DURATION_MS)
            throw new IllegalArgumentException("keep_firing_for: must be within 0..86400 seconds");
        if (severity == null) throw new IllegalArgumentException("severity: is required");
        AlertExpression.Scope scope = expression.scope();
        if (node != null && scope != AlertExpression.Scope.NODE && scope != AlertExpression.Scope.NODE_OR_SESSION)
            throw new IllegalArgumentException("node: " + expression.id() + " has no node scope");
        if (hook != null) {
            if (scope != AlertExpression.Scope.HOOK) throw new IllegalArgumentException("hook: " + expression.id() + " has no hook scope");
            Hook h = Hook.parse(hook);
            if (h == null || h == Hook.NONE) throw new IllegalArgumentException("hook: unknown hook " + hook
                    + " (PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING, INGRESS, EGRESS)");
            hook = h.name();
        }
        if (reason != null) {
            if (scope != AlertExpression.Scope.REASON) throw new IllegalArgumentException("reason: " + expression.id() + " has no reason scope");
            if (!REASON.matcher(reason).matches())
                throw new IllegalArgumentException("reason: must be a kernel drop reason such as NO_SOCKET (A-Z, 0-9, _)");
        }
    }

    /** This rule with {@code enabled} changed. */
    public AlertRule withEnabled(boolean e) {
        return new AlertRule(name, title, expression, comparison, threshold, forMillis, keepFiringForMillis, severity,
                node, hook, reason, e);
    }

    /** The condition in words, e.g. {@code drop_rate > 20}. */
    public String condition() {
        String scope = node != null ? "{node=" + node.id() + "}" : hook != null ? "{hook=" + hook + "}"
                : reason != null ? "{reason=" + reason + "}" : "";
        return expression.id() + scope + " " + comparison.symbol() + " " + format(threshold);
    }

    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}

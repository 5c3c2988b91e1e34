package dev.skbscope.engine.alert;

/**
 * One alert of one rule in one session: a pending or firing alert, or the news that one fired or
 * resolved. Immutable.
 *
 * @param rule        the rule as it was when this alert was evaluated
 * @param key         what the alert is about within the session: a node id, hook or drop reason for
 *                    per-node, per-hook and per-reason expressions; "" for the whole session
 * @param state       pending, firing or resolved
 * @param value       the expression's value at the last evaluation where it had one
 * @param sinceMs     when the condition started to hold (epoch ms): the start of the first interval whose value crossed
 * @param firedAtMs   when it fired (epoch ms), 0 while pending
 * @param resolvedAtMs when it resolved (epoch ms), 0 unless resolved
 * @param resolution  why it resolved ({@link #CONDITION_CLEARED}, ...), null unless resolved
 */
public record Alert(AlertRule rule, String key, AlertState state, double value, long sinceMs, long firedAtMs,
                    long resolvedAtMs, String resolution) {
    public static final String CONDITION_CLEARED = "condition cleared";
    public static final String RULE_CHANGED = "rule changed";
    public static final String RULE_REMOVED = "rule removed";
    public static final String RULE_DISABLED = "rule disabled";
    public static final String SESSION_STOPPED = "session stopped";
    public static final String CLEARED = "cleared";

    /** The node this alert is about, or null (not a per-node alert). */
    public String node() {
        var s = rule.expression().scope();
        return (s == AlertExpression.Scope.NODE || s == AlertExpression.Scope.NODE_OR_SESSION) && !key.isEmpty() ? key : null;
    }

    /** The hook this alert is about, or null. */
    public String hook() { return rule.expression().scope() == AlertExpression.Scope.HOOK ? key : null; }

    /** The drop reason this alert is about, or null. */
    public String reason() { return rule.expression().scope() == AlertExpression.Scope.REASON ? key : null; }

}

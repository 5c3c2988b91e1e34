package dev.skbscope.engine.alert;

import java.util.List;

/**
 * The rules a server starts with: the seed system's six duration-based rules (drop rate over 5 %
 * and 20 %, p99 latency over 1 ms and 5 ms, under 1 packet/s, errors) plus lost events. Immutable.
 */
public final class DefaultRules {
    private DefaultRules() { }

    public static final List<AlertRule> ALL = List.of(
            rule("high_drop_rate", "High drop rate", AlertExpression.DROP_RATE, Comparison.GT, 5, 10, 0, Severity.WARNING),
            rule("critical_drop_rate", "Critical drop rate", AlertExpression.DROP_RATE, Comparison.GT, 20, 5, 0, Severity.ERROR),
            rule("high_latency", "High latency", AlertExpression.NODE_P99_US, Comparison.GT, 1000, 30, 0, Severity.WARNING),
            rule("critical_latency", "Critical latency", AlertExpression.NODE_P99_US, Comparison.GT, 5000, 10, 0, Severity.ERROR),
            rule("low_packet_rate", "Low packet rate", AlertExpression.PACKETS_PER_SECOND, Comparison.LT, 1, 60, 0, Severity.INFO),
            rule("high_error_count", "High error count", AlertExpression.ERRORS_PER_SECOND, Comparison.GT, 10, 30, 0, Severity.WARNING),
            // a loss comes in bursts: stay firing until a minute passes without one, rather than once per burst
            rule("events_lost", "Events lost", AlertExpression.LOST_EVENTS_PER_SECOND, Comparison.GT, 0, 0, 60, Severity.WARNING));

    private static AlertRule rule(String name, String title, AlertExpression e, Comparison c, double threshold,
                                  long forSeconds, long keepSeconds, Severity s) {
        return new AlertRule(name, title, e, c, threshold, forSeconds * 1000, keepSeconds * 1000, s, null, null, null, true);
    }
}

package dev.skbscope.engine.alert;

import dev.skbscope.engine.StatsInterval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates one session's rules once per tick, with Prometheus' alert life cycle: a condition that
 * starts to hold makes a pending alert; one that has held for the rule's {@code for} fires; one that
 * stops holding resolves (after {@code keep_firing_for}, if set) or, still pending, is forgotten. An
 * alert therefore fires once and resolves once, and a condition that holds for less than {@code for}
 * never fires. Time is an argument, never read from a clock, so tests drive it.
 *
 * <p>A value describes the whole interval it was measured over, so a condition that holds is taken
 * to hold since the interval began: with 1 s ticks, {@code for: 5s} fires at the fifth tick in a
 * row whose value crosses the threshold (Prometheus, which samples a point per evaluation, would
 * need a sixth).
 *
 * <p>Not thread-safe: one thread (the tick) calls every method.
 */
public final class AlertEvaluator {
    /** A pending or firing alert being tracked. */
    private static final class Instance {
        final AlertRule rule;
        final String key;
        final long sinceMs;
        boolean firing;
        long firedAtMs;
        double value;
        /** When the condition last held (for keep_firing_for). */
        long lastTrueMs;

        Instance(AlertRule rule, String key, long sinceMs) {
            this.rule = rule;
            this.key = key;
            this.sinceMs = sinceMs;
        }

        Alert alert() {
            return new Alert(rule, key, firing ? AlertState.FIRING : AlertState.PENDING, value, sinceMs, firedAtMs, 0, null);
        }

        Alert resolved(long atMs, String why) {
            return new Alert(rule, key, AlertState.RESOLVED, value, sinceMs, firedAtMs, atMs, why);
        }
    }

    /** Tracked alerts by rule name, then key; in the order they appeared. */
    private final Map<String, Map<String, Instance>> active = new LinkedHashMap<>();

    /**
     * Evaluates {@code rules} over the interval that ended at {@code nowMs}; returns the alerts that
     * fired or resolved in this evaluation, empty when none did. Alerts of rules that changed, were
     * removed or disabled since the last call are resolved first.
     */
    public List<Alert> evaluate(StatsInterval interval, List<AlertRule> rules, long nowMs) {
        List<Alert> changes = new ArrayList<>();
        retire(rules, nowMs, changes);
        for (AlertRule rule : rules) {
            if (!rule.enabled()) continue;
            Map<String, Double> values = rule.expression().values(interval, rule);
            Map<String, Instance> alerts = active.computeIfAbsent(rule.name(), k -> new LinkedHashMap<>());
            for (Map.Entry<String, Double> v : values.entrySet()) {
                if (!rule.comparison().holds(v.getValue(), rule.threshold())) continue;
                long since = nowMs - Math.round(interval.seconds() * 1000);
                Instance a = alerts.computeIfAbsent(v.getKey(), k -> new Instance(rule, k, since));
                a.value = v.getValue();
                a.lastTrueMs = nowMs;
                if (!a.firing && nowMs - a.sinceMs >= rule.forMillis()) {
                    a.firing = true;
                    a.firedAtMs = nowMs;
                    changes.add(a.alert());
                }
            }
            for (Iterator<Instance> it = alerts.values().iterator(); it.hasNext(); ) {
                Instance a = it.next();
                if (a.lastTrueMs == nowMs) continue;
                Double value = values.get(a.key);
                if (value != null) a.value = value;
                if (!a.firing) {
                    it.remove();
                } else if (nowMs - a.lastTrueMs >= rule.keepFiringForMillis()) {
                    it.remove();
                    changes.add(a.resolved(nowMs, Alert.CONDITION_CLEARED));
                }
            }
            if (alerts.isEmpty()) active.remove(rule.name());
        }
        return changes;
    }

    /** Resolves every firing alert (forgetting pending ones) with {@code why}; returns the resolved ones. */
    public List<Alert> resolveAll(long nowMs, String why) {
        List<Alert> out = new ArrayList<>();
        for (Map<String, Instance> m : active.values())
            for (Instance a : m.values()) if (a.firing) out.add(a.resolved(nowMs, why));
        active.clear();
        return out;
    }

    /** Pending and firing alerts now. */
    public List<Alert> active() {
        List<Alert> out = new ArrayList<>();
        for (Map<String, Instance> m : active.values())
            for (Instance a : m.values()) out.add(a.alert());
        return Collections.unmodifiableList(out);
    }

    private void retire(List<AlertRule> rules, long nowMs, List<Alert> changes) {
        Map<String, AlertRule> byName = new HashMap<>();
        for (AlertRule r : rules) byName.put(r.name(), r);
        for (Iterator<Map<String, Instance>> it = active.values().iterator(); it.hasNext(); ) {
            Map<String, Instance> alerts = it.next();
            AlertRule was = alerts.values().iterator().next().rule;
            AlertRule now = byName.get(was.name());
            if (was.equals(now)) continue;
            String why = now == null ? Alert.RULE_REMOVED : !now.enabled() ? Alert.RULE_DISABLED : Alert.RULE_CHANGED;
            for (Instance a : alerts.values()) if (a.firing) changes.add(a.resolved(nowMs, why));
            it.remove();
        }
    }
}

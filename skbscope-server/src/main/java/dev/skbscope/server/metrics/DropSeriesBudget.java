package dev.skbscope.server.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Per session, the {@code (node, reason)} pairs that get a {@code skbscope_drops_total} series of
 * their own: the first {@code max} pairs seen keep theirs for as long as the session is exported;
 * later pairs are summed into {@code reason="other"} of their node. Thread-safe (scrapes may overlap).
 *
 * <p>Why first-come rather than the largest: an admitted pair never loses its series and a refused
 * one never gains one, so every exported counter only grows (a "top N" would move counts between
 * series and look like resets to {@code rate()}).
 */
final class DropSeriesBudget {
    static final String OTHER = "other";

    private final int max;
    private final Map<String, Set<String>> admitted = new HashMap<>();

    DropSeriesBudget(int max) {
        this.max = max;
    }

    /** The reason label for this pair: {@code reason} itself, or {@link #OTHER} once the budget is spent. */
    synchronized String label(String session, String node, String reason) {
        Set<String> pairs = admitted.computeIfAbsent(session, k -> new HashSet<>());
        String key = node + '\u0000' + reason;
        if (pairs.contains(key)) return reason;
        if (pairs.size() < max && !reason.equals(OTHER)) {
            pairs.add(key);
            return reason;
        }
        return OTHER;
    }

    /** Forgets sessions that are no longer exported (their series are gone; a later export starts afresh). */
    synchronized void retain(Set<String> sessions) {
        admitted.keySet().retainAll(sessions);
    }
}

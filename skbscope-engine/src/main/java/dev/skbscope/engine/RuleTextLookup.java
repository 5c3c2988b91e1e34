package dev.skbscope.engine;

/**
 * The text of an nftables rule ({@code "udp dport 7002 drop"}), for {@code stats.rules[].text}.
 * Called from snapshot threads, outside the tracker's lock, so implementations must be thread-safe;
 * they may do I/O (e.g. list the ruleset) but should cache.
 */
@FunctionalInterface
public interface RuleTextLookup {
    /** The rule's text, or null when unknown ({@code handle} is -1 for a chain's policy). */
    String text(String table, String chain, long handle);

    /**
     * The text from {@code lookup} (may be null), or null: a failing lookup must not fail a
     * snapshot or a packet view, the text is decoration.
     */
    static String safeText(RuleTextLookup lookup, String table, String chain, long handle) {
        if (lookup == null || table == null || chain == null) return null;
        try {
            return lookup.text(table, chain, handle);
        } catch (RuntimeException e) {
            return null;
        }
    }
}

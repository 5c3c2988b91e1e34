package dev.skbscope.engine;

/**
 * Immutable settings of one session's stats engine.
 *
 * @param sessionId      the session's id, echoed in snapshots
 * @param mode           "full", "nft" or "multifunction"
 * @param maxFunctions   distinct probe/function names kept in top functions (1..1000, default 50)
 * @param maxTrackedSkbs packets tracked at once before the oldest {@code evictBatch} are evicted
 * @param evictBatch     how many of the oldest packets one eviction removes (spec: 1,000)
 */
public record SessionConfig(String sessionId, String mode, int maxFunctions, int maxTrackedSkbs, int evictBatch) {
    public static final int DEFAULT_MAX_FUNCTIONS = 50;
    public static final int DEFAULT_MAX_TRACKED_SKBS = 10_000;
    public static final int DEFAULT_EVICT_BATCH = 1_000;

    public SessionConfig {
        if (maxFunctions < 1) throw new IllegalArgumentException("max_functions must be >= 1");
        if (maxTrackedSkbs < 1) throw new IllegalArgumentException("max_tracked_skbs must be >= 1");
        if (evictBatch < 1) throw new IllegalArgumentException("evict batch must be >= 1");
    }

    public static SessionConfig defaults(String sessionId, String mode) {
        return new SessionConfig(sessionId, mode, DEFAULT_MAX_FUNCTIONS, DEFAULT_MAX_TRACKED_SKBS, DEFAULT_EVICT_BATCH);
    }
}

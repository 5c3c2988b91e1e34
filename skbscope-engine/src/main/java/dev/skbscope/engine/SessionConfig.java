package dev.skbscope.engine;

/**
 * Immutable settings of one session's stats engine.
 *
 * @param sessionId       the session's id, echoed in snapshots
 * @param mode            "full", "nft" or "multifunction"
 * @param maxFunctions    distinct probe/function names kept in top functions (1..1000, default 50)
 * @param maxTrackedSkbs  packets tracked at once before the oldest {@code evictBatch} are evicted
 * @param evictBatch      how many of the oldest packets one eviction removes (spec: 1,000)
 * @param packetHistory   finished packets (journeys) kept for queries, with exemplars (default
 *                        10,000; 0 keeps none and records no journeys). Up to
 *                        {@link #PREALLOCATED_HISTORY} the memory is taken at once; above, it grows as it fills.
 * @param idleTimeoutMs   a packet in the stack with no event for this long has ended where no probe
 *                        saw it (a TCP ACK eaten by the stack, a coalesced segment): it is closed as
 *                        {@code expired}, never as completed (default 1,000)
 * @param socketTimeoutMs the same for a packet delivered to a socket and not yet read: it waits for
 *                        the application this long before it expires (default 60,000)
 */
public record SessionConfig(String sessionId, String mode, int maxFunctions, int maxTrackedSkbs, int evictBatch,
                            int packetHistory, long idleTimeoutMs, long socketTimeoutMs) {
    public static final int DEFAULT_MAX_FUNCTIONS = 50;
    public static final int DEFAULT_MAX_TRACKED_SKBS = 10_000;
    public static final int DEFAULT_EVICT_BATCH = 1_000;
    public static final int DEFAULT_PACKET_HISTORY = 10_000;
    /** Histories up to this size are allocated whole (live sessions: no allocation while ingesting). */
    public static final int PREALLOCATED_HISTORY = 100_000;
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 1_000;
    public static final long DEFAULT_SOCKET_TIMEOUT_MS = 60_000;
    /** Bounds of both timeouts. */
    public static final long MIN_TIMEOUT_MS = 10, MAX_TIMEOUT_MS = 3_600_000;

    public SessionConfig {
        if (maxFunctions < 1) throw new IllegalArgumentException("max_functions must be >= 1");
        if (maxTrackedSkbs < 1) throw new IllegalArgumentException("max_tracked_skbs must be >= 1");
        if (evictBatch < 1) throw new IllegalArgumentException("evict batch must be >= 1");
        if (packetHistory < 0) throw new IllegalArgumentException("packet_history must be >= 0");
        if (idleTimeoutMs < MIN_TIMEOUT_MS || idleTimeoutMs > MAX_TIMEOUT_MS) {
            throw new IllegalArgumentException("idle_timeout_ms must be between " + MIN_TIMEOUT_MS + " and " + MAX_TIMEOUT_MS);
        }
        if (socketTimeoutMs < MIN_TIMEOUT_MS || socketTimeoutMs > MAX_TIMEOUT_MS) {
            throw new IllegalArgumentException("socket_timeout_ms must be between " + MIN_TIMEOUT_MS + " and " + MAX_TIMEOUT_MS);
        }
    }

    /** Settings with the default packet history and idle timeouts. */
    public SessionConfig(String sessionId, String mode, int maxFunctions, int maxTrackedSkbs, int evictBatch) {
        this(sessionId, mode, maxFunctions, maxTrackedSkbs, evictBatch, DEFAULT_PACKET_HISTORY);
    }

    /** Settings with the default idle timeouts. */
    public SessionConfig(String sessionId, String mode, int maxFunctions, int maxTrackedSkbs, int evictBatch, int packetHistory) {
        this(sessionId, mode, maxFunctions, maxTrackedSkbs, evictBatch, packetHistory, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_SOCKET_TIMEOUT_MS);
    }

    /** Settings with the default packet history. */
    public SessionConfig(String sessionId, String mode, int maxFunctions, int maxTrackedSkbs, int evictBatch,
                         long idleTimeoutMs, long socketTimeoutMs) {
        this(sessionId, mode, maxFunctions, maxTrackedSkbs, evictBatch, DEFAULT_PACKET_HISTORY, idleTimeoutMs, socketTimeoutMs);
    }

    public static SessionConfig defaults(String sessionId, String mode) {
        return new SessionConfig(sessionId, mode, DEFAULT_MAX_FUNCTIONS, DEFAULT_MAX_TRACKED_SKBS, DEFAULT_EVICT_BATCH);
    }

    /** The same settings keeping {@code packets} finished packets. */
    public SessionConfig withPacketHistory(int packets) {
        return new SessionConfig(sessionId, mode, maxFunctions, maxTrackedSkbs, evictBatch, packets, idleTimeoutMs, socketTimeoutMs);
    }
}

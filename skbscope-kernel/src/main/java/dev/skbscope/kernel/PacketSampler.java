package dev.skbscope.kernel;

/**
 * Decides how many packets the kernel programs leave out under load: one packet in
 * {@link #oneIn()} (a power of two) is traced, and its events carry that weight so the engine's
 * counts stay estimates of the whole traffic instead of silently falling behind. The tracer's
 * dispatcher thread calls {@link #adjust}; {@link #oneIn()} may be read from any thread.
 *
 * <p>Why sample rather than trace every packet: a traced packet costs a clock read, an identity
 * lookup and a ring-buffer record at each of its ~7 tracepoints (~1.2 µs per UDP packet here),
 * where a left-out packet costs a few instructions; at flood rates that difference is most of
 * the tracer's cost to the traced traffic (docs/performance-kernel.md).
 */
final class PacketSampler {
    /** Events per second above which the kernel starts leaving packets out. */
    static final long DEFAULT_MAX_EVENTS_PER_SECOND = 50_000;
    static final int MAX_ONE_IN = 4096;
    /**
     * How long the rate must stay well under the limit before each step down. The rate is what the
     * dispatcher read in a period: a reader that lost the CPU for one period on a loaded machine
     * read little, and stepping down on that one period sent the factor from 64 to 4 and back within
     * a second (seen in the overhead bench), tracing a flood at 16 times the budget meanwhile.
     */
    static final long STEP_DOWN_AFTER_NS = 300_000_000L;

    private final long maxEventsPerSecond;
    private volatile int oneIn = 1;
    /** How long the rate has stayed under a quarter of the limit (dispatcher thread only). */
    private long lowNs;

    /** {@code maxEventsPerSecond <= 0}: never sample (every packet traced, whatever it costs). */
    PacketSampler(long maxEventsPerSecond) {
        this.maxEventsPerSecond = maxEventsPerSecond;
    }

    int oneIn() { return oneIn; }
    long maxEventsPerSecond() { return maxEventsPerSecond; }

    /**
     * Takes the records read over the last {@code periodNs} and returns whether {@link #oneIn()}
     * changed. Up at once to the rate that fits, down one step at a time and only after the rate
     * stayed well under the limit for {@link #STEP_DOWN_AFTER_NS}, so that a rate near the limit,
     * or one period of a reader kept off the CPU, does not flap.
     */
    boolean adjust(long records, long periodNs) {
        if (maxEventsPerSecond <= 0 || periodNs <= 0) return false;
        double rate = records * 1e9 / periodNs;
        int next = oneIn;
        if (rate > maxEventsPerSecond) {
            double wanted = oneIn * rate / maxEventsPerSecond;
            next = wanted >= MAX_ONE_IN ? MAX_ONE_IN : Integer.highestOneBit((int) Math.ceil(wanted) - 1) << 1;
            lowNs = 0;
        } else if (rate < maxEventsPerSecond / 4.0 && oneIn > 1) {
            lowNs += periodNs;
            if (lowNs >= STEP_DOWN_AFTER_NS) {
                next = oneIn >> 1;
                lowNs = 0;
            }
        } else {
            lowNs = 0;
        }
        next = Math.max(1, Math.min(MAX_ONE_IN, next));
        if (next == oneIn) return false;
        oneIn = next;
        return true;
    }
}

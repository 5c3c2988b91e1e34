package dev.skbscope.server.stats;

import java.util.function.LongSupplier;

/**
 * When stats are due: tick {@code k} is at {@code origin + k * period} on a nanosecond clock, and
 * a session publishes the stats for a tick {@code lead} before it, so that delivery finds them
 * ready when the tick comes. Immutable and thread-safe; one instance is shared by every session
 * and every reader of a server, so they agree on the ticks. The clock is injected (tests drive
 * their own); production uses {@link System#nanoTime()}.
 */
public final class TickSchedule {
    /** Sessions publish this long before a tick (at most a quarter of the period). */
    public static final long DEFAULT_LEAD_NANOS = 150_000_000L;

    private final long periodNanos;
    private final long originNanos;
    private final long leadNanos;
    private final LongSupplier clock;

    /**
     * @param periodNanos time between ticks (> 0)
     * @param originNanos the clock's time of tick 0
     * @param leadNanos   how long before a tick its stats are published (0 ≤ lead < period)
     * @param clock       nanosecond clock (monotonic)
     */
    public TickSchedule(long periodNanos, long originNanos, long leadNanos, LongSupplier clock) {
        if (periodNanos <= 0) throw new IllegalArgumentException("period must be > 0");
        if (leadNanos < 0 || leadNanos >= periodNanos) throw new IllegalArgumentException("lead must be within [0, period)");
        this.periodNanos = periodNanos;
        this.originNanos = originNanos;
        this.leadNanos = leadNanos;
        this.clock = clock;
    }

    /** Ticks every {@code periodMillis} from now on {@link System#nanoTime()}, with the default lead (capped at a quarter period). */
    public static TickSchedule everyMillisFromNow(long periodMillis) {
        long period = periodMillis * 1_000_000L;
        return new TickSchedule(period, System.nanoTime(), Math.min(DEFAULT_LEAD_NANOS, period / 4), System::nanoTime);
    }

    public long periodNanos() { return periodNanos; }
    public long leadNanos() { return leadNanos; }
    public long originNanos() { return originNanos; }

    /** The clock now. */
    public long now() { return clock.getAsLong(); }

    /** When tick {@code k} is due. */
    public long tickTime(long k) { return originNanos + k * periodNanos; }

    /** The last tick due at or before {@code t}. */
    public long tickAt(long t) { return Math.floorDiv(t - originNanos, periodNanos); }

    /** The tick whose stats are published at {@code t}: the last tick whose publish time ({@code tickTime - lead}) is at or before {@code t}. */
    public long publishTickAt(long t) { return tickAt(t + leadNanos); }
}

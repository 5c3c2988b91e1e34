package dev.skbscope.engine.event;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a source reports about itself in {@code stats.source}: its kind and the events it could not
 * deliver. Written by the source's thread, read by any thread.
 */
public final class SourceCounters {
    private final String kind;
    /** Lines of a recording that were not valid events (spec section 1). */
    public final AtomicLong badLines = new AtomicLong();
    /** Events the kernel could not hand to us (ring buffer full), summed over CPUs. */
    public final AtomicLong lostEvents = new AtomicLong();
    /** Events read from the source, before filtering. */
    public final AtomicLong eventsRead = new AtomicLong();
    /** The source passes one packet in this many (1 = every packet); its events carry the matching weight. */
    public final java.util.concurrent.atomic.AtomicInteger sampleOneIn = new java.util.concurrent.atomic.AtomicInteger(1);
    private volatile String detail;

    public SourceCounters(String kind) { this.kind = kind; }

    public String kind() { return kind; }
    /** A short human description (file name, "live: 14 probes attached" ...), or null. */
    public String detail() { return detail; }
    public void detail(String d) { detail = d; }
}

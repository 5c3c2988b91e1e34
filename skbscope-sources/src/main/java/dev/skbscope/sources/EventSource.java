package dev.skbscope.sources;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;

import java.io.IOException;

/**
 * Where a session's events come from: a recording, the synthetic generator, or the live kernel.
 * Pull-based and single-threaded: one session thread calls {@link #poll} in a loop and hands each
 * filled batch to the engine; {@link #close} may be called from another thread to stop it.
 */
public interface EventSource extends AutoCloseable {
    /**
     * The longest a {@link #poll} may block. The session thread publishes its stats between polls,
     * on a schedule with a 150 ms lead: a source that blocks longer makes its session's updates late.
     */
    long MAX_BLOCK_NANOS = 100_000_000L;

    /**
     * Fills {@code batch} (already reset by the caller) with up to its capacity of events. May block
     * for at most {@link #MAX_BLOCK_NANOS} when no event is ready (pacing, idle kernel), then
     * returns 0.
     *
     * @return the number of events added (0 is fine), or -1 once the source is exhausted or closed
     */
    int poll(EventBatch batch) throws IOException;

    /** Counters shown in {@code stats.source}; the same instance for the source's whole life. */
    SourceCounters counters();

    /**
     * Pipeline nodes this source cannot observe on this machine, node id to reason (e.g. the live
     * kernel refused fentry on {@code ip_rcv}). Shown as {@code nodes.<id>.observable: false}.
     */
    default java.util.Map<String, String> unobservedNodes() { return java.util.Map.of(); }

    /**
     * Where the text of the nftables rules in this source's events comes from, or null (the
     * default) when the source can't tell. Called from snapshot threads.
     */
    default dev.skbscope.engine.RuleTextLookup ruleTextLookup() { return null; }

    /** Stops the source and frees what it holds. Idempotent; safe from any thread. */
    @Override
    void close();

    /**
     * A warning about how the source ended (a recording with a damaged tail: what was read and what
     * was lost), or null; asked once {@link #poll} has returned -1.
     */
    default String endWarning() { return null; }
}

package dev.skbscope.sources.synthetic;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.sources.EventSource;

/** Deterministic model of inbound/local, forward and outbound traffic. STUB: API only. */
public final class SyntheticSource implements EventSource {
    private final SourceCounters counters = new SourceCounters("synthetic");

    public SyntheticSource(SyntheticConfig config) { }

    @Override public int poll(EventBatch batch) { return -1; }
    @Override public SourceCounters counters() { return counters; }
    @Override public void close() { }
}

package dev.skbscope.sources;

import dev.skbscope.engine.RuleTextLookup;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Two sources of one session read as one (a full live session's kernel probes plus the nftables
 * trace that stands in for the netfilter hooks the kernel refused). Like every source, {@link #poll}
 * is for the one session thread and {@link #close} is safe from any thread.
 *
 * <p>The primary decides the session's life: when it ends, the merged source ends. The secondary
 * only adds events; if it fails or ends, the primary goes on alone. Each poll first drains what the
 * secondary has ready (without waiting), then lets the primary fill the rest of the batch, so the
 * secondary can't starve and the primary's bounded wait paces the loop. Events of the two are not
 * interleaved by time: the engine keeps the newest timestamp and only the primary's events are
 * tracked as packets.
 */
public final class MergedSource implements EventSource {
    private final EventSource primary;
    private final EventSource secondary;
    private final Map<String, String> unobserved;
    private final java.util.Set<String> enriched;
    private final SourceCounters counters;
    private EventBatch scratch;
    private volatile boolean secondaryDone;
    private long secondaryLost, secondaryBad;

    /**
     * @param secondaryCovers nodes the secondary observes (removed from the primary's unobserved nodes)
     * @param note            appended to the primary's detail, e.g. what the secondary adds
     */
    public MergedSource(EventSource primary, EventSource secondary, java.util.Set<String> secondaryCovers, String note) {
        this.primary = primary;
        this.secondary = secondary;
        Map<String, String> u = new LinkedHashMap<>(primary.unobservedNodes());
        java.util.Set<String> only = new java.util.HashSet<>(u.keySet());
        only.retainAll(secondaryCovers);
        this.enriched = java.util.Set.copyOf(only);
        u.keySet().removeAll(secondaryCovers);
        this.unobserved = Map.copyOf(u);
        this.counters = primary.counters();
        String d = counters.detail();
        counters.detail(d == null ? note : d + "; " + note);
    }

    /** The secondary should not wait (its events are a side dish); it gets at most half the batch. */
    @Override public int poll(EventBatch batch) throws IOException {
        int start = batch.size();
        if (!secondaryDone) drainSecondary(batch);
        int n = primary.poll(batch);
        if (n < 0) return -1;
        return batch.size() - start;
    }

    private void drainSecondary(EventBatch batch) {
        // a private half-size batch: the primary always finds room (a full batch would make it wait)
        int room = (batch.capacity() - batch.size()) / 2;
        if (room <= 0) return;
        if (scratch == null || scratch.capacity() != room) scratch = new EventBatch(room);
        scratch.reset();
        int n;
        try {
            n = secondary.poll(scratch);
        } catch (IOException | RuntimeException e) {
            n = -1;
        }
        if (n < 0) { secondaryDone = true; return; }
        for (int i = 0; i < scratch.size(); i++) batch.next().copyFrom(scratch.get(i));
        SourceCounters sc = secondary.counters();
        long lost = sc.lostEvents.get(), bad = sc.badLines.get();
        if (lost != secondaryLost) { counters.lostEvents.addAndGet(lost - secondaryLost); secondaryLost = lost; }
        if (bad != secondaryBad) { counters.badLines.addAndGet(bad - secondaryBad); secondaryBad = bad; }
    }

    @Override public SourceCounters counters() { return counters; }

    @Override public Map<String, String> unobservedNodes() { return unobserved; }

    /** The secondary's nodes the primary cannot see. */
    @Override public java.util.Set<String> enrichedNodes() { return enriched; }

    @Override public Map<String, String> notApplicableNodes() { return primary.notApplicableNodes(); }

    @Override public java.util.function.LongFunction<String> netnsNames() {
        java.util.function.LongFunction<String> n = primary.netnsNames();
        return n != null ? n : secondary.netnsNames();
    }

    @Override public RuleTextLookup ruleTextLookup() {
        RuleTextLookup l = primary.ruleTextLookup();
        return l != null ? l : secondary.ruleTextLookup();
    }

    @Override public void close() {
        try {
            secondary.close();
        } finally {
            primary.close();
        }
    }
}

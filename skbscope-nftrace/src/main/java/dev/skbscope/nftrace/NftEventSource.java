package dev.skbscope.nftrace;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.sources.EventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One nft-mode session's events: what the shared {@link NftTraceFeed} reader hands over lands in
 * a bounded primitive ring, which the session thread drains in {@link #poll}. {@link #poll} is for
 * one session thread; {@link #close} may come from any thread and removes the session's table.
 */
public final class NftEventSource implements EventSource, NftTraceFeed.Subscriber {
    private static final Logger log = LoggerFactory.getLogger(NftEventSource.class);
    static final int RING_CAPACITY = 1 << 16;
    private static final long MAX_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final SourceCounters counters = new SourceCounters("nft");
    private final TraceEventRing ring = new TraceEventRing(RING_CAPACITY);
    private final SessionTraceTable table;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile NftTraceFeed.Subscription subscription;
    /** 0 when this source only enriches a full session's kernel source, whose own poll paces the loop. */
    private final long waitNs;

    NftEventSource(SessionTraceTable table) { this(table, MAX_WAIT_NS); }

    NftEventSource(SessionTraceTable table, long waitNs) {
        this.table = table;
        this.waitNs = waitNs;
        counters.detail("live nft: table inet " + table.name());
    }

    void subscription(NftTraceFeed.Subscription s) { subscription = s; }

    SessionTraceTable table() { return table; }

    @Override public int poll(EventBatch batch) throws IOException {
        if (closed.get()) return -1;
        long now = System.nanoTime();
        if (waitNs > 0 && now - nextTableCheck >= 0) {
            // a table deleted behind our back (nft delete table, nft flush ruleset) marks nothing:
            // say so instead of showing a running session that sees no packets
            nextTableCheck = now + TABLE_CHECK_NS;
            if (!table.stillThere())
                throw new IOException("nftables table inet " + table.name() + " was deleted outside skbscope; the session saw no packets after that");
        }
        return ring.drainTo(batch, NftTraceFeed.PROBE_ID, waitNs);
    }

    /** How often an nft-mode session checks that its table is still there. */
    private static final long TABLE_CHECK_NS = TimeUnit.SECONDS.toNanos(2);
    private long nextTableCheck = System.nanoTime() + TABLE_CHECK_NS;

    @Override public SourceCounters counters() { return counters; }

    /** Rule text from {@code nft -a list ruleset}; a policy (handle -1) has none, so no listing for it. */
    static final dev.skbscope.engine.RuleTextLookup RULE_TEXT =
            (tableName, chain, handle) -> handle < 0 ? null : NftRuleCatalog.shared().text(tableName, chain, handle);

    @Override public dev.skbscope.engine.RuleTextLookup ruleTextLookup() { return RULE_TEXT; }

    /** nft mode sees netfilter hooks only; the rest of the pipeline is full mode's. */
    static final Map<String, String> UNOBSERVED;
    static {
        String why = "nft mode shows nftables verdicts only (use full mode for this node)";
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String n : new String[] {"nic_rx", "driver_napi", "gro", "tc_ingress", "conntrack", "routing_decision",
                "l4_rx", "socket", "nic_tx", "application", "l4_tx", "routing_lookup", "tc_egress", "driver_tx", "nic"}) {
            m.put(n, why);
        }
        UNOBSERVED = java.util.Collections.unmodifiableMap(m);
    }

    @Override public Map<String, String> unobservedNodes() {
        return UNOBSERVED;
    }

    // ---- reader thread ----

    @Override public void onTrace(TraceEvent event) {
        counters.eventsRead.lazySet(counters.eventsRead.get() + 1);
        if (!ring.offer(event)) counters.lostEvents.incrementAndGet();
    }

    @Override public void onBatchEnd() { ring.wake(); }

    @Override public void onLost(long n) { counters.lostEvents.addAndGet(n); }

    @Override public void onBad() { counters.badLines.incrementAndGet(); }

    @Override public void close() {
        if (!closed.compareAndSet(false, true)) return;
        NftTraceFeed.Subscription s = subscription;
        if (s != null) s.close();
        ring.wake();
        try {
            table.remove();
        } catch (IOException e) {
            log.warn("could not remove nftables table {}: {}", table.name(), e.getMessage());
        }
    }
}

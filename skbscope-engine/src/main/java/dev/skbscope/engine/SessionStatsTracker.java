package dev.skbscope.engine;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.EventSink;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import static dev.skbscope.engine.EngineCounters.N;

/**
 * One session's stats (spec sections 2-4). Single writer: one thread calls {@link #ingest} /
 * {@link #accept}; {@link #snapshot}, {@link #reset} and {@link #nodeUnobservable} are safe from
 * any thread. The writer takes a lock once per batch for its {@link PacketAccounting}; a
 * snapshot holds that lock only while its {@link SnapshotHandoff} copies the primitive counters
 * and swaps the histograms, and builds the immutable {@link StatsSnapshot} after releasing it.
 */
public final class SessionStatsTracker implements EventSink {
    private final SessionConfig config;
    private final SourceCounters source;
    /** Fair, so a waiting snapshot gets the lock at the next batch boundary instead of starving. */
    private final ReentrantLock lock = new ReentrantLock(true);
    private final PacketAccounting accounting;
    /** Guards itself: concurrent snapshots take turns instead of sharing the scratch copy. */
    private final SnapshotHandoff handoff;
    private final AtomicReferenceArray<String> unobserved = new AtomicReferenceArray<>(N);
    /** Wall clock in ns (System::nanoTime; tests inject their own). */
    private final LongSupplier clock;
    private final long startWallNs;
    private volatile RuleTextLookup ruleText;

    public SessionStatsTracker(SessionConfig config, SourceCounters source) {
        this(config, source, System::nanoTime);
    }

    SessionStatsTracker(SessionConfig config, SourceCounters source, LongSupplier clock) {
        this.config = config;
        this.clock = clock;
        this.startWallNs = clock.getAsLong();
        this.source = source;
        this.accounting = new PacketAccounting(config);
        this.handoff = new SnapshotHandoff(config.maxFunctions());
    }

    public SessionConfig config() { return config; }
    public SourceCounters source() { return source; }

    /** Writer thread: accounts every event of the batch. */
    public void ingest(EventBatch batch) {
        lock.lock();
        try {
            for (int i = 0, n = batch.size(); i < n; i++) accounting.account(batch.get(i));
            accounting.batchDone(clock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /** Writer thread: accounts one event (prefer {@link #ingest}, which locks once per batch). */
    @Override
    public void accept(TraceEvent e) {
        lock.lock();
        try {
            accounting.account(e);
            accounting.batchDone(clock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Marks a node as not observable on this machine, with the reason (any thread).
     * @throws IllegalArgumentException if {@code nodeId} is not a node id
     */
    public void nodeUnobservable(String nodeId, String reason) {
        PipelineNode n = PipelineNode.byId(nodeId);
        if (n == null) throw new IllegalArgumentException("unknown pipeline node: " + nodeId);
        unobserved.set(n.ordinal(), reason == null || reason.isBlank() ? "not observable" : reason);
    }

    /** Where snapshots get the text of nft rules from (null: none); any thread. */
    public void ruleTextLookup(RuleTextLookup lookup) { this.ruleText = lookup; }

    /** Any thread: an immutable copy of the stats now. */
    public StatsSnapshot snapshot() {
        synchronized (handoff) {
            lock.lock();
            try {
                handoff.capture(accounting.counters(), accounting.resetGeneration());
            } finally {
                lock.unlock();
            }
            EngineCounters quiet = handoff.fold();
            String[] reasons = new String[N];
            for (int i = 0; i < N; i++) reasons[i] = unobserved.get(i);
            return SnapshotBuilder.build(quiet, config, source, reasons, startWallNs, clock.getAsLong(), ruleText);
        }
    }

    /** Clears all stats and tracked packets (global tracker reset; the uptime keeps counting); any thread. */
    public void reset() {
        lock.lock();
        try {
            accounting.reset();
        } finally {
            lock.unlock();
        }
    }

    /** Packets tracked now; any thread (takes the lock briefly). */
    public int trackedPackets() {
        lock.lock();
        try {
            return accounting.trackedPackets();
        } finally {
            lock.unlock();
        }
    }

    /** For tests: sizes that must stay constant for the tracker's life (see SustainedLoadTest). */
    int[] internalSizes() {
        lock.lock();
        try {
            return accounting.internalSizes();
        } finally {
            lock.unlock();
        }
    }
}

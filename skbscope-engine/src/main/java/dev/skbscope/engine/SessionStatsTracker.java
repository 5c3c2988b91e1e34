package dev.skbscope.engine;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.EventSink;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.packet.JourneyColumns;
import dev.skbscope.engine.packet.JourneySink;
import dev.skbscope.engine.packet.PacketHistory;
import dev.skbscope.engine.packet.PacketPage;
import dev.skbscope.engine.packet.PacketQuery;
import dev.skbscope.engine.packet.PacketView;

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
 * {@link #packets} and {@link #packet} (any thread) query the session's {@link PacketHistory} under
 * the same lock and build their views after releasing it.
 */
public final class SessionStatsTracker implements EventSink {
    private final SessionConfig config;
    private final SourceCounters source;
    /** Fair, so a waiting snapshot gets the lock at the next batch boundary instead of starving. */
    private final ReentrantLock lock = new ReentrantLock(true);
    private final PacketAccounting accounting;
    /** The finished packets kept for queries, with exemplars (null when the session keeps none). */
    private final PacketHistory history;
    /** Guards itself: concurrent snapshots take turns instead of sharing the scratch copy. */
    private final SnapshotHandoff handoff;
    private final AtomicReferenceArray<String> unobserved = new AtomicReferenceArray<>(N);
    private final AtomicReferenceArray<String> notApplicable = new AtomicReferenceArray<>(N);
    private volatile java.util.function.LongFunction<String> netnsNames;
    /** Wall clock in ns (System::nanoTime; tests inject their own). */
    private final LongSupplier clock;
    private final long startWallNs;
    private volatile RuleTextLookup ruleText;

    public SessionStatsTracker(SessionConfig config, SourceCounters source) {
        this(config, source, System::nanoTime);
    }

    /**
     * A tracker whose finished journeys also go to {@code listener} (on the writer's thread, under
     * the lock; e.g. a recording summary). With {@code packet_history} 0 and no listener, no journeys
     * are recorded.
     */
    public SessionStatsTracker(SessionConfig config, SourceCounters source, JourneySink listener) {
        this(config, source, System::nanoTime, listener);
    }

    SessionStatsTracker(SessionConfig config, SourceCounters source, LongSupplier clock) {
        this(config, source, clock, null);
    }

    private SessionStatsTracker(SessionConfig config, SourceCounters source, LongSupplier clock, JourneySink listener) {
        this(config, source, clock, listener, true);
    }

    /**
     * A tracker that follows packets and records their journeys exactly as a session does, without
     * the aggregate stats (latency histograms, rates, top functions): for indexing a recording, where
     * only the journeys are queried. Its snapshots count events, packets, drops and verdicts, but
     * carry no latencies, rates or functions.
     */
    public static SessionStatsTracker journeysOnly(SessionConfig config, SourceCounters source) {
        return new SessionStatsTracker(config, source, System::nanoTime, null, false);
    }

    private SessionStatsTracker(SessionConfig config, SourceCounters source, LongSupplier clock, JourneySink listener,
                                boolean aggregates) {
        this.config = config;
        this.clock = clock;
        this.startWallNs = clock.getAsLong();
        this.source = source;
        int keep = config.packetHistory();
        this.history = keep == 0 ? null
                : keep <= SessionConfig.PREALLOCATED_HISTORY ? PacketHistory.live(keep) : PacketHistory.index(keep);
        this.accounting = new PacketAccounting(config, history, listener, aggregates);
        this.handoff = new SnapshotHandoff(config.maxFunctions(), history != null && history.exemplars() != null);
    }

    public SessionConfig config() { return config; }
    public SourceCounters source() { return source; }

    /**
     * Writer thread: accounts every event of the batch, then moves the engine's time to the
     * batch's clock if the source set one (an empty batch with a clock only expires idle packets).
     */
    public void ingest(EventBatch batch) {
        lock.lock();
        try {
            for (int i = 0, n = batch.size(); i < n; i++) accounting.account(batch.get(i));
            accounting.advance(batch.clockNs());
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

    /**
     * Marks a node as not applicable to this session's packets, with the reason, or applicable again
     * ({@code reason} null); any thread.
     * @throws IllegalArgumentException if {@code nodeId} is not a node id
     */
    public void nodeNotApplicable(String nodeId, String reason) {
        PipelineNode n = PipelineNode.byId(nodeId);
        if (n == null) throw new IllegalArgumentException("unknown pipeline node: " + nodeId);
        notApplicable.set(n.ordinal(), reason);
    }

    /**
     * Sets which nodes the session sees only through nft trace events (the kernel source cannot see
     * them): trace events count fully there; elsewhere they add verdicts and rules only. Any thread.
     */
    public void enrichedOnly(java.util.Set<String> nodeIds) {
        lock.lock();
        try {
            for (PipelineNode n : PipelineNode.values()) accounting.enrichedOnly(n.ordinal(), nodeIds.contains(n.id()));
        } finally {
            lock.unlock();
        }
    }

    /** Where snapshots get namespace names from (inode to name, null: none); any thread. */
    public void netnsNames(java.util.function.LongFunction<String> names) { this.netnsNames = names; }

    /** Where snapshots get the text of nft rules from (null: none); any thread. */
    public void ruleTextLookup(RuleTextLookup lookup) { this.ruleText = lookup; }

    /** Any thread: an immutable copy of the stats now. */
    public StatsSnapshot snapshot() {
        synchronized (handoff) {
            lock.lock();
            try {
                if (history != null) {
                    history.refreshExemplars();
                    accounting.tailThresholds(handoff.tailNs());
                }
                handoff.capture(accounting.counters(), accounting.resetGeneration(), history);
            } finally {
                lock.unlock();
            }
            EngineCounters quiet = handoff.fold();
            if (history != null) handoff.tails(quiet);
            String[] reasons = new String[N], na = new String[N];
            for (int i = 0; i < N; i++) {
                reasons[i] = unobserved.get(i);
                na[i] = notApplicable.get(i);
            }
            return SnapshotBuilder.build(quiet, config, source, reasons, na, startWallNs, clock.getAsLong(), ruleText,
                    netnsNames, handoff.exemplars(), history == null ? null : handoff.packetsKept());
        }
    }

    /** Clears all stats and tracked packets (global tracker reset; the uptime keeps counting); any thread. */
    public void reset() {
        lock.lock();
        try {
            accounting.reset();
            if (history != null) history.clear();
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

    /** Whether this session keeps finished packets for queries. */
    public boolean keepsPackets() { return history != null; }

    /**
     * Any thread: a page of the kept packets matching {@code query}, newest first, finishing before
     * {@code before} (a cursor's value; Long.MAX_VALUE for the first page), as list views. Empty when
     * the session keeps none.
     */
    public PacketPage packets(PacketQuery query, long before, int limit) { return packets(query, before, limit, false); }

    /** Like {@link #packets(PacketQuery, long, int)}; {@code detail}: whole journeys (hops, verdicts). */
    public PacketPage packets(PacketQuery query, long before, int limit, boolean detail) {
        if (history == null) return new PacketPage(java.util.List.of(), 0, 0, 0, null);
        PacketQuery.Result r;
        PacketView.RuleNames rules;
        lock.lock();
        try {
            rules = ruleNames();
            r = history.query(query, new PacketQuery.Context(rules.handles(), accounting.firstTs(), accounting.counters().maxTs),
                    before, limit);
        } finally {
            lock.unlock();
        }
        return PacketPage.of(r, rules, query.node(), detail);
    }

    /** Any thread: the whole journey of kept packet {@code id}, or null when it is not kept. */
    public PacketView packet(long id) {
        if (history == null) return null;
        JourneyColumns j;
        PacketView.RuleNames rules;
        lock.lock();
        try {
            j = history.find(id);
            rules = ruleNames();
        } finally {
            lock.unlock();
        }
        return j == null ? null : PacketView.of(j, 0, rules, true, null);
    }

    /** Under the lock: the session's nft rules by index, copied. */
    private PacketView.RuleNames ruleNames() {
        EngineCounters c = accounting.counters();
        int n = c.ruleCount;
        return new PacketView.RuleNames(java.util.Arrays.copyOf(c.ruleTable, n), java.util.Arrays.copyOf(c.ruleChain, n),
                java.util.Arrays.copyOf(c.ruleHandle, n), ruleText);
    }

    /**
     * Writer thread, after the last event (the end of a recording): the packets still tracked go to
     * the history and the listener as {@code in_flight}; the stats do not change.
     */
    public void flushJourneys() {
        lock.lock();
        try {
            accounting.flushJourneys();
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

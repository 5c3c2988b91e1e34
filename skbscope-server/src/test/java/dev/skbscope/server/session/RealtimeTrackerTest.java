package dev.skbscope.server.session;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.server.stats.PublishedStats;
import dev.skbscope.server.stats.TickSchedule;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The realtime tracer's outflow with an injected clock: it publishes on the tick schedule like a
 * session, readers get the published value, and publishing never holds session threads' ingest.
 */
class RealtimeTrackerTest {
    private static final long MS = 1_000_000L;
    private final AtomicLong clock = new AtomicLong(10_000 * MS);
    /** Ticks every second from t = 10 s, published 150 ms ahead. */
    private final TickSchedule schedule = new TickSchedule(1000 * MS, 10_000 * MS, 150 * MS, clock::get);
    private final List<PublishedStats> told = new CopyOnWriteArrayList<>();

    private RealtimeTracker tracker(Supplier<SessionStatsTracker> factory) {
        return new RealtimeTracker(factory, schedule, told::add, false);
    }

    private static SessionStatsTracker plain() {
        return new SessionStatsTracker(SessionConfig.defaults(RealtimeTracker.ID, "full").withPacketHistory(0), new SourceCounters("sessions"));
    }

    private void at(long millis) { clock.set(millis * MS); }

    @Test
    void publishesOnTheTickScheduleWhileEnabledAndReadersGetThatValue() {
        RealtimeTracker rt = tracker(RealtimeTrackerTest::plain);
        assertThat(rt.published().last()).as("a tracer not running has stats, as a last value").isTrue();
        rt.ingest(batch(1));
        assertThat(rt.published().snapshot().totalEvents()).as("nothing counted while disabled").isZero();

        rt.enable();
        assertThat(rt.published().last()).isFalse();
        assertThat(rt.published().tick()).isZero();
        rt.ingest(batch(2));
        PublishedStats first = rt.published();
        assertThat(first.snapshot().totalEvents()).as("published, not built per read").isZero();
        at(10_500);
        assertThat(rt.publishIfDue()).as("nothing due half-way").isFalse();
        assertThat(rt.published()).isSameAs(first);
        at(10_860);
        assertThat(rt.publishIfDue()).as("150 ms before tick 1").isTrue();
        assertThat(rt.publishIfDue()).as("once per tick").isFalse();
        PublishedStats p = rt.published();
        assertThat(p.tick()).isEqualTo(1);
        assertThat(p.publishedAtNanos()).isEqualTo(10_860 * MS);
        assertThat(p.snapshot().totalEvents()).isEqualTo(1);
        assertThat(p.jsonLength()).isPositive();
        assertThat(told).last().isSameAs(p);

        at(11_200);
        rt.disable();
        assertThat(rt.published().last()).as("disabling publishes the run's last stats").isTrue();
        assertThat(rt.published().snapshot().totalEvents()).isEqualTo(1);
        at(11_900);
        assertThat(rt.publishIfDue()).as("nothing published while disabled").isFalse();
        assertThat(told).extracting(PublishedStats::last).containsExactly(true, false, false, true);
        assertThat(told).allMatch(v -> v.sessionId().equals(RealtimeTracker.ID));
    }

    @Test
    void aLateTickIsPublishedOnceAndMissedTicksAreSkipped() {
        RealtimeTracker rt = tracker(RealtimeTrackerTest::plain);
        rt.enable();
        at(13_400);   // the thread was held up past ticks 1 to 3
        assertThat(rt.publishIfDue()).isTrue();
        assertThat(rt.published().tick()).isEqualTo(3);
        assertThat(rt.publishIfDue()).isFalse();
    }

    @Test
    void resetPublishesTheClearedStatsAtOnce() {
        RealtimeTracker rt = tracker(RealtimeTrackerTest::plain);
        rt.enable();
        rt.ingest(batch(1));
        at(10_900);
        rt.publishIfDue();
        assertThat(rt.published().snapshot().totalEvents()).isEqualTo(1);
        rt.reset();
        assertThat(rt.published().snapshot().totalEvents()).isZero();
        assertThat(rt.published().last()).isFalse();
        rt.disable();
        rt.reset();
        assertThat(rt.published().last()).isTrue();
        assertThat(rt.published().snapshot().totalEvents()).isZero();
    }

    @Test
    void sessionThreadsIngestWhileTheTracerPublishes() throws Exception {
        CountDownLatch building = new CountDownLatch(1), release = new CountDownLatch(1);
        RealtimeTracker rt = tracker(() -> {
            SessionStatsTracker t = plain();
            // building a snapshot looks up rule texts: hold the publisher there
            t.ruleTextLookup((table, chain, handle) -> {
                building.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
            return t;
        });
        rt.enable();
        rt.ingest(batch(1));   // a rule, so the snapshot has a rule text to look up
        at(10_900);
        CompletableFuture<Boolean> publishing = CompletableFuture.supplyAsync(rt::publishIfDue, Thread::startVirtualThread);
        assertThat(building.await(10, TimeUnit.SECONDS)).as("snapshot building").isTrue();
        // with the snapshot built under the ingest lock, this waited for the release
        CompletableFuture<Void> ingest = CompletableFuture.runAsync(() -> rt.ingest(batch(2)), Thread::startVirtualThread);
        try {
            ingest.get(5, TimeUnit.SECONDS);
        } finally {
            release.countDown();
        }
        assertThat(publishing.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(rt.published().snapshot().totalEvents()).isEqualTo(1);
        at(11_900);
        assertThat(rt.publishIfDue()).isTrue();
        assertThat(rt.published().snapshot().totalEvents()).isEqualTo(2);
    }

    @Test
    void itsOwnThreadPublishesBeforeEveryTickWhileEnabled() throws Exception {
        TickSchedule fast = TickSchedule.everyMillisFromNow(50);
        try (RealtimeTracker rt = new RealtimeTracker(fast, told::add)) {
            rt.enable();
            long first = rt.published().tick();
            long deadline = System.nanoTime() + 10_000 * MS;
            while (rt.published().tick() < first + 3 && System.nanoTime() < deadline) Thread.onSpinWait();
            assertThat(rt.published().tick()).as("three ticks published by the tracer's thread").isGreaterThanOrEqualTo(first + 3);
            rt.disable();
            PublishedStats last = rt.published();
            assertThat(last.last()).isTrue();
            // nothing more once disabled: its thread's task is cancelled, and a due call publishes nothing
            assertThat(rt.publishIfDue()).isFalse();
            assertThat(rt.published()).isSameAs(last);
        }
    }

    private static EventBatch batch(long traceId) {
        EventBatch b = new EventBatch(4);
        TraceEvent e = b.next();
        e.tsNs = traceId * 1000;
        e.probe = SymbolTable.PROBES.intern("nft_trace");
        e.traceId = traceId;
        e.hook = Hook.INPUT;
        e.verdict = Verdict.ACCEPT;
        e.table = SymbolTable.NFT_NAMES.intern("filter");
        e.chain = SymbolTable.NFT_NAMES.intern("input");
        e.ruleHandle = 3;
        return b;
    }
}

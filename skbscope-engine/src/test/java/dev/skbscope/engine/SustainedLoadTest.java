package dev.skbscope.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Long event streams: bounded memory, no allocation per event, and snapshots concurrent with ingest. */
class SustainedLoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void feed(SessionStatsTracker t, EngineEventStream gen, EventBatch batch, long events) {
        long end = gen.events() + events;
        while (gen.events() < end) {
            gen.fill(batch);
            t.ingest(batch);
        }
    }

    /**
     * Every table is sized once: ten times the events leave each internal size where it was. (That
     * the retained heap stays flat is measured by scripts/bench/heap-flat.sh, not asserted here: a
     * heap reading after System.gc() is a benchmark, not a unit test.)
     */
    @Test
    void internalSizesDoNotGrowWithTheNumberOfEvents() {
        SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("load", "full"), new SourceCounters("synthetic"));
        EngineEventStream gen = new EngineEventStream(64, 2);
        EventBatch batch = new EventBatch(256);
        feed(t, gen, batch, 2_000_000);
        int[] early = t.internalSizes();
        StatsSnapshot s1 = t.snapshot();
        assertThat(s1.evictedPackets()).isPositive();

        feed(t, gen, batch, 18_000_000);
        int[] late = t.internalSizes();
        StatsSnapshot s2 = t.snapshot();

        assertThat(s2.totalEvents()).isEqualTo(gen.events());
        assertThat(gen.events()).isGreaterThanOrEqualTo(20_000_000);
        assertThat(late[0]).isLessThanOrEqualTo(SessionConfig.DEFAULT_MAX_TRACKED_SKBS);
        assertThat(s2.inFlightTotal()).isEqualTo(late[0]);
        // slot capacity, map capacity, probe cache, drop-reason table: fixed for the tracker's life
        assertThat(late[1]).isEqualTo(early[1]);
        assertThat(late[2]).isEqualTo(early[2]);
        assertThat(late[3]).isEqualTo(early[3]);
        assertThat(late[4]).isEqualTo(early[4]);
        assertThat(s2.evictedPackets()).isGreaterThan(s1.evictedPackets());
        assertThat(s2.totalPackets()).isEqualTo(gen.packetsEmitted());
        // pipelines account for every started journey
        for (StatsSnapshot.PipelineStats p : s2.pipelines()) {
            assertThat(p.inFlight()).isBetween(0L, (long) SessionConfig.DEFAULT_MAX_TRACKED_SKBS);
        }
        long nodeInFlight = s2.nodes().values().stream().mapToLong(StatsSnapshot.NodeStats::inFlight).sum();
        assertThat(nodeInFlight).isEqualTo(s2.inFlightTotal());
    }

    @Test
    void ingestAllocatesNothingPerEventInSteadyState() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("alloc", "full"), new SourceCounters("synthetic"));
        EngineEventStream gen = new EngineEventStream(64, 2);
        EventBatch batch = new EventBatch(256);
        feed(t, gen, batch, 3_000_000); // warm up: every histogram and edge exists, eviction has happened
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        feed(t, gen, batch, 3_000_000);
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(t.snapshot().evictedPackets()).isPositive();
        assertThat(allocated).as("bytes allocated by 3M events").isLessThan(64 * 1024);
    }

    @Test
    void snapshotsFromAnotherThreadSeeConsistentMonotonicStats() throws Exception {
        SessionStatsTracker t = new SessionStatsTracker(
                new SessionConfig("conc", "full", 50, 2_000, 500), new SourceCounters("synthetic"));
        AtomicBoolean done = new AtomicBoolean();
        List<Throwable> errors = new ArrayList<>();
        Thread writer = new Thread(() -> {
            try {
                EngineEventStream gen = new EngineEventStream(32, 2);
                EventBatch batch = new EventBatch(128);
                feed(t, gen, batch, 3_000_000);
            } catch (Throwable e) {
                synchronized (errors) { errors.add(e); }
            } finally {
                done.set(true);
            }
        }, "writer");
        writer.start();
        long lastEvents = -1, lastPackets = -1, lastEvicted = -1, snapshots = 0;
        while (!done.get() || snapshots < 5) {
            StatsSnapshot s = t.snapshot();
            JSON.writeValueAsString(s);
            snapshots++;
            assertThat(s.totalEvents()).isGreaterThanOrEqualTo(lastEvents);
            assertThat(s.totalPackets()).isGreaterThanOrEqualTo(lastPackets);
            assertThat(s.evictedPackets()).isGreaterThanOrEqualTo(lastEvicted);
            lastEvents = s.totalEvents();
            lastPackets = s.totalPackets();
            lastEvicted = s.evictedPackets();
            // a snapshot is one consistent moment: every event is at a node or is an end event
            long atNodes = s.nodes().values().stream().mapToLong(StatsSnapshot.NodeStats::count).sum();
            long ends = s.topFunctions().getOrDefault("consume_skb", 0L) + s.topFunctions().getOrDefault("kfree_skb", 0L);
            assertThat(atNodes + ends).isEqualTo(s.totalEvents());
            long nodeInFlight = s.nodes().values().stream().mapToLong(StatsSnapshot.NodeStats::inFlight).sum();
            assertThat(nodeInFlight).isEqualTo(s.inFlightTotal());
            assertThat(s.inFlightTotal()).isBetween(0L, 2_000L);
            StatsSnapshot.PipelineStats in = s.pipeline("inbound");
            assertThat(in.inFlight()).isEqualTo(in.started() - in.completed() - in.dropped() - in.evicted()).isNotNegative();
        }
        writer.join();
        assertThat(errors).isEmpty();
        assertThat(snapshots).isGreaterThanOrEqualTo(5);
        assertThat(t.snapshot().totalEvents()).isEqualTo(3_000_000 + (3_000_000 % 128 == 0 ? 0 : 128 - 3_000_000 % 128));
    }
}

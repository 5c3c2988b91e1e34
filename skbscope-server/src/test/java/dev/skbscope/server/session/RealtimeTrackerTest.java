package dev.skbscope.server.session;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RealtimeTrackerTest {
    @Test
    void sessionThreadsIngestWhileASnapshotIsBeingBuilt() throws Exception {
        CountDownLatch building = new CountDownLatch(1), release = new CountDownLatch(1);
        RealtimeTracker rt = new RealtimeTracker(() -> {
            SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults(RealtimeTracker.ID, "full"), new SourceCounters("sessions"));
            // building a snapshot looks up rule texts: hold the builder there
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
        CompletableFuture<StatsSnapshot> snapshot = CompletableFuture.supplyAsync(rt::snapshot, Thread::startVirtualThread);
        assertThat(building.await(10, TimeUnit.SECONDS)).as("snapshot building").isTrue();
        // with the snapshot built under the ingest lock, this waited for the release
        CompletableFuture<Void> ingest = CompletableFuture.runAsync(() -> rt.ingest(batch(2)), Thread::startVirtualThread);
        try {
            ingest.get(5, TimeUnit.SECONDS);
        } finally {
            release.countDown();
        }
        assertThat(snapshot.get(10, TimeUnit.SECONDS).totalEvents()).isEqualTo(1);
        assertThat(rt.snapshot().totalEvents()).isEqualTo(2);
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

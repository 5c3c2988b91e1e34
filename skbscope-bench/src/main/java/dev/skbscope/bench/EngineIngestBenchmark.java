package dev.skbscope.bench;

import dev.skbscope.engine.EngineEventStream;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Throughput of {@link SessionStatsTracker#ingest}: one operation is one event, so the score is
 * events per second on one core. The stream is pre-built (no generation cost in the loop):
 * interleaved inbound, forward and outbound journeys with drops; a quarter of the packets never
 * end, so the tracker (10,000 slots) evicts continuously. {@code passEvents} sets the stream's
 * length: 524,288 events (~80 MB of events, streamed from memory like a cold source) or 65,536
 * (~10 MB, closer to a source refilling a few hot batches). Each pass XORs a new salt into the
 * identities it is about to ingest, so every pass brings new packets (the salt write is part of
 * the measured cost, as a source's write of the event would be). {@code packetHistory} 10,000 is a
 * session's default (every journey recorded, the last 10,000 kept with exemplars); 0 records none.
 * Like a live session (a snapshot for each 1 s Socket.IO tick), the tracker takes a snapshot every
 * 20,000 batches (5.1 M events), inside the measured time.
 * Run: {@code java -jar skbscope-bench/target/benchmarks.jar EngineIngest -f 1 -wi 3 -i 5 -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EngineIngestBenchmark {
    static final int BATCH = 256;
    static final int EVENTS = 1 << 19;

    /** Packets interleaved in the stream (how many journeys are in flight at once). */
    @Param({"64"})
    public int lanes;

    /** Events per pass over the pre-built stream. */
    @Param({"524288", "65536"})
    public int passEvents;

    /** Finished packets the session keeps (0: journeys not recorded). */
    @Param({"10000", "0"})
    public int packetHistory;

    private EventBatch[] batches;
    private SessionStatsTracker tracker;
    private int next;
    private long salt;
    private int calls;

    @Setup(Level.Trial)
    public void build() {
        EngineEventStream stream = new EngineEventStream(lanes, 4);
        batches = new EventBatch[passEvents / BATCH];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = new EventBatch(BATCH);
            stream.fill(batches[i]);
        }
        tracker = new SessionStatsTracker(SessionConfig.defaults("bench", "full").withPacketHistory(packetHistory),
                new SourceCounters("bench"));
        // one pass up front so histograms, edges and the probe cache exist before measuring
        for (EventBatch b : batches) tracker.ingest(b);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void ingest() {
        EventBatch b = batches[next];
        if (next == 0) salt += 0x100000000L; // a new pass: new identities
        next = next + 1 == batches.length ? 0 : next + 1;
        long s = salt;
        for (int i = 0, n = b.size(); i < n; i++) {
            TraceEvent e = b.get(i);
            e.skb = (e.skb & 0xffffffffL) | s;
        }
        tracker.ingest(b);
        if (++calls == 20_000) {
            calls = 0;
            tracker.snapshot();
        }
    }

    /** Prints what the run did, so the numbers can be checked against the claims above. */
    @org.openjdk.jmh.annotations.TearDown(Level.Trial)
    public void report() {
        StatsSnapshot s = tracker.snapshot();
        System.out.printf("%n[engine] events=%d packets=%d evicted=%d drops=%d tracked=%d%n",
                s.totalEvents(), s.totalPackets(), s.evictedPackets(), s.drops(), s.inFlightTotal());
    }
}

package dev.skbscope.bench;

import dev.skbscope.engine.EngineEventStream;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Cost of {@link SessionStatsTracker#snapshot} on a tracker that has seen a realistic stream (all
 * pipeline nodes of the stream with latency histograms, ~20 edges, 10,000 tracked packets). The
 * ingest lock is held only for the copy part of this time. Single-threaded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EngineSnapshotBenchmark {
    private SessionStatsTracker tracker;

    @Setup(Level.Trial)
    public void build() {
        EngineEventStream stream = new EngineEventStream(64, 4);
        EventBatch batch = new EventBatch(256);
        tracker = new SessionStatsTracker(SessionConfig.defaults("bench", "full"), new SourceCounters("bench"));
        for (int i = 0; i < 4_000; i++) {
            stream.fill(batch);
            tracker.ingest(batch);
        }
    }

    @Benchmark
    public StatsSnapshot snapshot() { return tracker.snapshot(); }
}

package dev.skbscope.bench;

import dev.skbscope.engine.SimulatedTraffic;
import dev.skbscope.engine.StatsInterval;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.alert.Alert;
import dev.skbscope.engine.alert.AlertEvaluator;
import dev.skbscope.engine.alert.DefaultRules;
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

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What alerting costs per session and tick, on the ticker's thread (never the Socket.IO loop): the
 * {@link StatsInterval} between two published snapshots and the seven default rules evaluated on
 * it. The snapshots are of a session with traffic at three nodes and a 30 % drop share (two rules
 * pending or firing). Single-threaded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AlertTickBenchmark {
    private StatsSnapshot before, after;
    private AlertEvaluator evaluator;
    private long now;

    @Setup(Level.Trial)
    public void build() {
        SimulatedTraffic t = new SimulatedTraffic();
        t.dropShare = 0.3;
        t.packetsPerSecond = 2000;
        before = t.second();
        after = t.second();
        evaluator = new AlertEvaluator();
    }

    @Benchmark
    public List<Alert> intervalAndDefaultRules() {
        now += 1000;
        return evaluator.evaluate(StatsInterval.between(before, after), DefaultRules.ALL, now);
    }
}

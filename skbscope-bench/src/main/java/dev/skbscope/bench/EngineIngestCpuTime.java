package dev.skbscope.bench;

import dev.skbscope.engine.EngineEventStream;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Events per <em>CPU</em> second of {@link SessionStatsTracker#ingest} on the same stream as
 * {@link EngineIngestBenchmark}, measured with the thread's CPU clock so that the figure holds on
 * a shared, busy machine where JMH's wall-clock throughput only shows the share of a core we got.
 * Single-threaded. Run: {@code java -cp skbscope-bench/target/benchmarks.jar dev.skbscope.bench.EngineIngestCpuTime [seconds] [passEvents]}.
 */
public final class EngineIngestCpuTime {
    private EngineIngestCpuTime() { }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int passEvents = args.length > 1 ? Integer.parseInt(args[1]) : EngineIngestBenchmark.EVENTS;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        var alloc = (com.sun.management.ThreadMXBean) mx;
        EngineEventStream stream = new EngineEventStream(64, 4);
        EventBatch[] batches = new EventBatch[passEvents / EngineIngestBenchmark.BATCH];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = new EventBatch(EngineIngestBenchmark.BATCH);
            stream.fill(batches[i]);
        }
        SessionStatsTracker tracker = new SessionStatsTracker(SessionConfig.defaults("cpu", "full"), new SourceCounters("bench"));
        long tid = Thread.currentThread().threadId();
        long salt = 0;
        for (int round = 0; round < 4; round++) {
            boolean warmup = round < 2;
            long cpu0 = mx.getCurrentThreadCpuTime(), wall0 = System.nanoTime(), alloc0 = alloc.getThreadAllocatedBytes(tid);
            long events = 0;
            double budget = warmup ? seconds / 2 : seconds;
            while (mx.getCurrentThreadCpuTime() - cpu0 < budget * 1e9) {
                salt += 0x100000000L; // same as the benchmark: each pass brings new packets
                for (EventBatch b : batches) {
                    for (int i = 0, n = b.size(); i < n; i++) {
                        TraceEvent e = b.get(i);
                        e.skb = (e.skb & 0xffffffffL) | salt;
                    }
                    tracker.ingest(b);
                }
                events += (long) batches.length * EngineIngestBenchmark.BATCH;
            }
            double cpuS = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9, wallS = (System.nanoTime() - wall0) / 1e9;
            long bytes = alloc.getThreadAllocatedBytes(tid) - alloc0;
            System.out.printf("%s (pass %,d events): %,d events, %.2f s CPU, %.2f s wall: %.2f M events/CPU-s, %.2f M events/wall-s, %.4f B/event allocated%n",
                    warmup ? "warmup" : "measure", passEvents, events, cpuS, wallS, events / cpuS / 1e6, events / wallS / 1e6,
                    (double) bytes / events);
        }
        var s = tracker.snapshot();
        System.out.printf("tracker: events=%,d packets=%,d evicted=%,d drops=%,d tracked=%,d%n",
                s.totalEvents(), s.totalPackets(), s.evictedPackets(), s.drops(), s.inFlightTotal());
    }
}

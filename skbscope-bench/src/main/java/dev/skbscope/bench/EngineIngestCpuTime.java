package dev.skbscope.bench;

import dev.skbscope.engine.EngineEventStream;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Events per <em>CPU</em> second of {@link SessionStatsTracker#ingest} on the same stream as
 * {@link EngineIngestBenchmark}, measured with the thread's CPU clock so that the figure holds on
 * a shared, busy machine where JMH's wall-clock throughput only shows the share of a core we got.
 * Two trackers take turns, round after round, so that drift on a busy machine hits both alike: a
 * session's default (journeys recorded, the last 10,000 packets kept with exemplars) and one that
 * keeps no packets ({@code packet_history} 0); the last line is the median ratio of their rounds.
 * Like a live session (a snapshot for each 1 s Socket.IO tick), each tracker takes a snapshot
 * every {@value #SNAPSHOT_EVERY} events, on the same thread and inside the measured time.
 * Single-threaded. Run: {@code java -cp skbscope-bench/target/benchmarks.jar dev.skbscope.bench.EngineIngestCpuTime [seconds] [passEvents] [rounds]}.
 */
public final class EngineIngestCpuTime {
    /** About a second of a busy session's events at this rate. */
    static final long SNAPSHOT_EVERY = 5_000_000;

    /** Packets the first tracker keeps: a session's default, or {@code -Dskbscope.bench.history=N} to see what the history's size costs. */
    static final int KEPT = Integer.getInteger("skbscope.bench.history", SessionConfig.defaults("cpu", "full").packetHistory());

    private EngineIngestCpuTime() { }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int passEvents = args.length > 1 ? Integer.parseInt(args[1]) : EngineIngestBenchmark.EVENTS;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        EngineEventStream stream = new EngineEventStream(64, 4);
        EventBatch[] batches = new EventBatch[passEvents / EngineIngestBenchmark.BATCH];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = new EventBatch(EngineIngestBenchmark.BATCH);
            stream.fill(batches[i]);
        }
        SessionStatsTracker[] trackers = {
                new SessionStatsTracker(SessionConfig.defaults("cpu", "full").withPacketHistory(KEPT), new SourceCounters("bench")),
                new SessionStatsTracker(SessionConfig.defaults("cpu", "full").withPacketHistory(0), new SourceCounters("bench"))};
        String[] names = {"packets kept (" + KEPT + ")", "packet_history 0"};
        long[] salt = new long[2];
        for (int t = 0; t < 2; t++) run(trackers[t], batches, salt, t, seconds / 2, "warmup " + names[t]);
        double[][] rates = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int t = 0; t < 2; t++) rates[t][r] = run(trackers[t], batches, salt, t, seconds, "measure " + names[t]);
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = rates[0][r] / rates[1][r];
        Arrays.sort(ratio);
        System.out.printf("median ratio, packets kept / none: %.3f (rounds: %s)%n", ratio[rounds / 2], Arrays.toString(ratio));
        for (int t = 0; t < 2; t++) {
            var s = trackers[t].snapshot();
            System.out.printf("tracker %s: events=%,d packets=%,d evicted=%,d drops=%,d tracked=%,d kept=%s%n", names[t],
                    s.totalEvents(), s.totalPackets(), s.evictedPackets(), s.drops(), s.inFlightTotal(), s.packetsKept());
        }
    }

    /** Ingests passes for {@code seconds} of thread CPU time; returns M events per CPU second. */
    private static double run(SessionStatsTracker tracker, EventBatch[] batches, long[] salt, int t, double seconds, String label) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        var alloc = (com.sun.management.ThreadMXBean) mx;
        long tid = Thread.currentThread().threadId();
        long cpu0 = mx.getCurrentThreadCpuTime(), wall0 = System.nanoTime(), alloc0 = alloc.getThreadAllocatedBytes(tid);
        long events = 0, nextSnapshot = SNAPSHOT_EVERY;
        while (mx.getCurrentThreadCpuTime() - cpu0 < seconds * 1e9) {
            salt[t] += 0x100000000L; // same as the benchmark: each pass brings new packets
            for (EventBatch b : batches) {
                for (int i = 0, n = b.size(); i < n; i++) {
                    TraceEvent e = b.get(i);
                    e.skb = (e.skb & 0xffffffffL) | salt[t];
                }
                tracker.ingest(b);
            }
            events += (long) batches.length * EngineIngestBenchmark.BATCH;
            if (events >= nextSnapshot) {
                tracker.snapshot();
                nextSnapshot += SNAPSHOT_EVERY;
            }
        }
        double cpuS = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9, wallS = (System.nanoTime() - wall0) / 1e9;
        long bytes = alloc.getThreadAllocatedBytes(tid) - alloc0;
        double rate = events / cpuS / 1e6;
        System.out.printf("%s (pass %,d events): %,d events, %.2f s CPU, %.2f s wall: %.2f M events/CPU-s, %.2f M events/wall-s, %.4f B/event allocated%n",
                label, batches.length * EngineIngestBenchmark.BATCH, events, cpuS, wallS, rate, events / wallS / 1e6, (double) bytes / events);
        return rate;
    }
}

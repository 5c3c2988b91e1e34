package dev.skbscope.kernel.bench;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.kernel.KernelLiveBackend;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;
import dev.skbscope.sources.live.LiveUnavailableException;

import java.lang.management.ManagementFactory;
import java.util.Map;

/**
 * Runs one full-mode live session (as the server would: source, then the stats engine) for the
 * overhead benchmark ({@code scripts/bench/kernel-overhead.sh}) and prints what it consumed.
 * Single-threaded apart from the backend's dispatcher.
 *
 * <pre>java -cp skbscope-cli/target/skbscope.jar dev.skbscope.kernel.bench.OverheadMain [seconds] [cidr]</pre>
 */
public final class OverheadMain {
    private OverheadMain() { }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        String cidr = args.length > 1 ? args[1] : "198.18.0.0/15";
        KernelLiveBackend backend = new KernelLiveBackend();
        PacketFilter filter = new PacketFilter(null, null, null, Cidr.parse(cidr), null, null, null, null, null);
        EventSource src;
        try {
            src = backend.open(new LiveBackend.LiveRequest("bench", "full", filter, 50));
        } catch (LiveUnavailableException e) {
            System.err.println("live tracing unavailable: " + e.getMessage());
            System.exit(2);
            return;
        }
        SessionStatsTracker tracker = new SessionStatsTracker(SessionConfig.defaults("bench", "full"), src.counters());
        System.out.println("attached; tracing " + cidr + " for " + seconds + " s");
        System.out.flush();
        EventBatch batch = new EventBatch(1024);
        // -Dskbscope.bench.engine=false: measure the source alone
        boolean engine = Boolean.parseBoolean(System.getProperty("skbscope.bench.engine", "true"));
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long events = 0;
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        while (System.nanoTime() < end) {
            batch.reset();
            int n = src.poll(batch);
            if (n < 0) break;
            events += n;
            if (engine) tracker.ingest(batch);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        Map<String, Object> caps = backend.capabilities();
        long lost = src.counters().lostEvents.get();
        src.close();
        backend.shutdown();
        System.out.printf("events=%d events_per_s=%.0f lost=%d cpu_s=%.2f cpu_pct=%.1f%n", events, events / wall, lost,
                cpu, 100 * cpu / wall);
        System.out.println("probe_counts=" + caps.get("probe_counts"));
    }
}

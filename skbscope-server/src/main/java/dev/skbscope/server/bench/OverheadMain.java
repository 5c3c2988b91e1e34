package dev.skbscope.server.bench;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.server.LiveBackends;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;
import dev.skbscope.sources.live.LiveUnavailableException;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Runs full-mode live sessions exactly as the server opens them ({@link LiveBackends}: the kernel
 * source merged with the nftables trace's, whose marking tables it installs where it would for a
 * served session; then the stats engine) for the overhead benchmark
 * ({@code scripts/bench/kernel-overhead.sh}) and prints what each consumed. Until 2026-12-01 the
 * bench opened the kernel backend alone and so left out what the trace costs.
 * Commands on stdin, one per line: {@code open [maxEventsPerSecond]} (the sampling limit of the
 * tracer this session attaches; 0 = trace every packet), {@code close}, {@code quit}; the JVM stays up
 * between sessions so that later rounds measure warmed-up code, as in a long-running server.
 * The main thread reads commands; one session thread runs the source.
 *
 * <pre>java -cp skbscope-cli/target/skbscope.jar dev.skbscope.server.bench.OverheadMain [cidr]</pre>
 */
public final class OverheadMain {
    private static volatile boolean running;

    private OverheadMain() { }

    public static void main(String[] args) throws Exception {
        String cidr = args.length > 0 ? args[0] : "198.18.0.0/15";
        PacketFilter filter = new PacketFilter(null, null, null, Cidr.parse(cidr), null, null, null, null, null);
        LiveBackends backends = LiveBackends.load();
        backends.capabilities(); // probe before the first session, outside the measurement
        var kernel = backends.forMode("full");
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Thread session = null;
        long[] events = new long[1];
        EventSource[] src = new EventSource[1];
        long cpu0 = 0, t0 = 0;
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.strip().split("\\s+");
            switch (words[0]) {
                case "open" -> {
                    if (words.length > 1) System.setProperty("skbscope.kernel.maxEventsPerSecond", words[1]);
                    else System.clearProperty("skbscope.kernel.maxEventsPerSecond");
                    try {
                        src[0] = backends.open(new LiveBackend.LiveRequest("bench", "full", filter, 50));
                    } catch (LiveUnavailableException e) {
                        System.out.println("error " + e.getMessage());
                        continue;
                    }
                    SessionStatsTracker tracker = new SessionStatsTracker(SessionConfig.defaults("bench", "full"),
                            src[0].counters());
                    events[0] = 0;
                    running = true;
                    session = Thread.ofPlatform().name("bench-session").start(() -> drain(src[0], tracker, events));
                    cpu0 = os.getProcessCpuTime();
                    t0 = System.nanoTime();
                    System.out.println("attached; tracing " + cidr + " with " + (src[0] instanceof dev.skbscope.sources.MergedSource
                            ? "the kernel and the nftables trace" : "the kernel alone"));
                }
                case "close" -> {
                    if (session == null) continue;
                    double wall = (System.nanoTime() - t0) / 1e9;
                    double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                    running = false;
                    session.join();
                    session = null;
                    long lost = src[0].counters().lostEvents.get();
                    int oneIn = src[0].counters().sampleOneIn.get();
                    Object counts = kernel == null ? null : kernel.capabilities().get("probe_counts");
                    src[0].close();
                    System.out.printf("events=%d events_per_s=%.0f lost=%d sample_one_in=%d cpu_s=%.2f cpu_pct=%.1f%n",
                            events[0], events[0] / wall, lost, oneIn, cpu, 100 * cpu / wall);
                    System.out.println("probe_counts=" + counts);
                }
                case "quit" -> {
                    backends.shutdown();
                    return;
                }
                default -> System.out.println("error unknown command: " + line);
            }
        }
        backends.shutdown();
    }

    private static void drain(EventSource src, SessionStatsTracker tracker, long[] events) {
        EventBatch batch = new EventBatch(1024);
        try {
            while (running) {
                batch.reset();
                int n = src.poll(batch);
                if (n < 0) break;
                events[0] += n;
                tracker.ingest(batch);
            }
        } catch (java.io.IOException e) {
            System.out.println("error " + e.getMessage());
        }
    }
}

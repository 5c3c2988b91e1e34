package dev.skbscope.cli;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.sources.recording.RecordingWriter;
import dev.skbscope.sources.synthetic.SyntheticConfig;
import dev.skbscope.sources.synthetic.SyntheticSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code skbscope synth}: writes a synthetic recording, as fast as it can be generated. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes a synthetic recording (pipeline-trace format; gzip if FILE ends in .gz): "
                + "inbound local delivery with NO_SOCKET and netfilter drops, forward and outbound traffic "
                + "from 198.18.0.0/15, with lognormal per-node latencies. The same seed gives the same file."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the file could not be written", "2:bad usage"})
public final class SynthCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--rate", defaultValue = "10000", paramLabel = "R", description = "packets per second of event time (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--seconds", defaultValue = "10", paramLabel = "S", description = "seconds of event time to generate (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--out", paramLabel = "FILE", description = "the recording to write (.jsonl or .jsonl.gz)")
    Path out;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--drop-share", defaultValue = "0.05", paramLabel = "X", description = "share of packets dropped, 0..1 (default: ${DEFAULT-VALUE})")
    double dropShare;

    @Option(names = "--slow", paramLabel = "NODE=FACTOR",
            description = "multiply the time packets spend at a pipeline node, e.g. --slow conntrack=2 (repeatable; for comparisons with diff)")
    Map<String, Double> slow = new LinkedHashMap<>();

    /** Benchmark aid: feed a stats tracker instead of a file and report the heap (scripts/bench/heap-flat.sh). */
    @Option(names = "--track-events", hidden = true, paramLabel = "N")
    long trackEvents;

    @Option(names = "--heap-every", hidden = true, defaultValue = "10000000", paramLabel = "N")
    long heapEvery;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (!(rate > 0) || Double.isInfinite(rate)) throw new ParameterException(spec.commandLine(), "--rate must be > 0");
        if (!(seconds > 0) || Double.isInfinite(seconds)) throw new ParameterException(spec.commandLine(), "--seconds must be > 0");
        if (!(dropShare >= 0 && dropShare <= 1)) throw new ParameterException(spec.commandLine(), "--drop-share must be within 0..1");
        if (trackEvents > 0) return track();
        if (out == null) throw new ParameterException(spec.commandLine(), "Missing required option: '--out=FILE'");

        SyntheticConfig config;
        try {
            config = new SyntheticConfig(rate, seed, dropShare, seconds, false, slow);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--slow: " + e.getMessage());
        }
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("mode", "full");
        header.put("generator", "skbscope synth");
        header.put("seed", seed);
        header.put("rate", rate);
        header.put("seconds", seconds);
        header.put("drop_share", dropShare);
        if (!slow.isEmpty()) header.put("slow", slow);
        long events = 0;
        long started = System.nanoTime();
        try (SyntheticSource source = new SyntheticSource(config); RecordingWriter writer = new RecordingWriter(out, header)) {
            EventBatch batch = new EventBatch(4096);
            int n;
            while ((n = source.poll(batch)) >= 0) {
                for (int i = 0; i < n; i++) writer.write(batch.get(i));
                events += n;
                batch.reset();
            }
        } catch (IOException e) {
            err.println("skbscope synth: cannot write " + out + ": " + e.getMessage());
            return 1;
        }
        err.printf("skbscope synth: wrote %,d events to %s in %.1f s%n", events, out, (System.nanoTime() - started) / 1e9);
        err.flush();
        return 0;
    }

    /** Runs unpaced synthetic events into a tracker, printing the heap after GC every {@code heapEvery} events. */
    private int track() {
        PrintWriter o = spec.commandLine().getOut();
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        SyntheticSource source = new SyntheticSource(new SyntheticConfig(rate, seed, dropShare, 0, false));
        SessionStatsTracker tracker = new SessionStatsTracker(SessionConfig.defaults("heap-flat", "full"), source.counters());
        EventBatch batch = new EventBatch(4096);
        long events = 0, nextReport = heapEvery;
        long started = System.nanoTime();
        o.printf("%14s %12s %14s %10s%n", "events", "packets", "heap_used_MB", "seconds");
        while (events < trackEvents) {
            batch.reset();
            int n = source.poll(batch);
            if (n < 0) break;
            tracker.ingest(batch);
            events += n;
            if (events >= nextReport) {
                nextReport += heapEvery;
                System.gc();
                StatsSnapshot s = tracker.snapshot();
                o.printf("%,14d %,12d %14.1f %10.1f%n", events, s.totalPackets(),
                        mem.getHeapMemoryUsage().getUsed() / 1048576.0, (System.nanoTime() - started) / 1e9);
                o.flush();
            }
        }
        return 0;
    }
}

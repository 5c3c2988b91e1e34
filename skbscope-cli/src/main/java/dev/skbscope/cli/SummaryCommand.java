package dev.skbscope.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.IpAddresses;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.packet.JourneyColumns;
import dev.skbscope.engine.packet.JourneyEnd;
import dev.skbscope.engine.packet.JourneySink;
import dev.skbscope.engine.packet.PacketView;
import dev.skbscope.sources.recording.RecordingFormat;
import dev.skbscope.sources.recording.RecordingPackets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * {@code skbscope summary FILE}: what a recording holds, like capinfos: time span, events, packets
 * per path and end, drops per reason and node, verdicts, top flows, sampling, lost events and bad
 * lines. Runs the recording through the engine once (no packets kept).
 */
@Command(name = "summary", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Summarises a recording (pipeline-trace, Retis or pwru JSON lines, optionally gzipped): "
                + "time span, events, packets per path and end, drops per reason, verdicts, top flows, sampling, "
                + "events the kernel lost (recorded by skbscope sessions) and bad lines.",
                "With --json, stdout carries one JSON object."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the recording could not be read", "2:bad usage"})
public final class SummaryCommand implements Callable<Integer> {
    /** Flows counted one by one; more distinct flows count together as "other flows". */
    static final int MAX_FLOWS = 200_000;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the recording (.jsonl, .json or .jsonl.gz)")
    Path file;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Option(names = "--top", defaultValue = "10", paramLabel = "N", description = "flows listed, 0..1000 (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "FORMAT",
            description = "auto, pipeline, retis or pwru (default: ${DEFAULT-VALUE})")
    RecordingFormat format;

    @Option(names = "--max-tracked-skbs", paramLabel = "N",
            description = "packets tracked at once (default: the recording header's, else 10000)")
    Integer maxTrackedSkbs;

    /** The summary as {@code --json} prints it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Summary(
            @JsonProperty("file") String file,
            @JsonProperty("format") String format,
            @JsonProperty("size_bytes") long sizeBytes,
            @JsonProperty("gzip") boolean gzip,
            @JsonProperty("header") Map<String, Object> header,
            @JsonProperty("events") long events,
            @JsonProperty("bad_lines") long badLines,
            @JsonProperty("first_ns") Long firstNs,
            @JsonProperty("last_ns") Long lastNs,
            @JsonProperty("duration_s") double durationS,
            @JsonProperty("packets") long packets,
            @JsonProperty("journeys") long journeys,
            @JsonProperty("paths") Map<String, Long> paths,
            @JsonProperty("ends") Map<String, Long> ends,
            @JsonProperty("drops") long drops,
            @JsonProperty("drop_reasons") Map<String, DropReason> dropReasons,
            @JsonProperty("verdicts") Map<String, Long> verdicts,
            @JsonProperty("top_flows") List<Flow> topFlows,
            @JsonProperty("flows") long flows,
            @JsonProperty("sampling") Sampling sampling,
            @JsonProperty("lost_events") Long lostEvents,
            @JsonProperty("reordered_events") long reorderedEvents,
            @JsonProperty("untracked_end_events") long untrackedEndEvents,
            @JsonProperty("evicted_packets") long evictedPackets,
            @JsonProperty("top_functions") Map<String, Long> topFunctions,
            /** A damaged or cut end of the file (a crash), in words; absent when it ended cleanly. */
            @JsonProperty("damaged_end") String damagedEnd) { }

    record DropReason(@JsonProperty("packets") long packets, @JsonProperty("nodes") Map<String, Long> nodes) { }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Flow(@JsonProperty("proto") String proto, @JsonProperty("src") String src, @JsonProperty("sport") Integer sport,
                @JsonProperty("dst") String dst, @JsonProperty("dport") Integer dport,
                @JsonProperty("packets") long packets, @JsonProperty("drops") long drops, @JsonProperty("bytes") long bytes) { }

    /**
     * @param weightedEvents events that stood for more than one packet (the source sampled)
     * @param maxWeight      the largest weight (1 in N)
     * @param sampleOneIn    the sampling the session last recorded, when it did
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Sampling(@JsonProperty("sampled") boolean sampled, @JsonProperty("weighted_journeys") long weightedJourneys,
                    @JsonProperty("max_weight") int maxWeight, @JsonProperty("sample_one_in") Integer sampleOneIn) { }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (top < 0 || top > 1000) throw new ParameterException(spec.commandLine(), "--top must be within 0..1000");
        if (maxTrackedSkbs != null && maxTrackedSkbs < 1) throw new ParameterException(spec.commandLine(), "--max-tracked-skbs must be >= 1");
        Tally tally = new Tally();
        RecordingPackets rec;
        long size;
        boolean gzip;
        try {
            rec = RecordingPackets.load(file, format, maxTrackedSkbs, 0, tally);
            size = Files.size(file);
            try (var in = Files.newInputStream(file)) {
                gzip = in.read() == 0x1f && in.read() == 0x8b;
            }
        } catch (IOException e) {
            err.println("skbscope summary: " + e.getMessage());
            err.flush();
            return 1;
        }
        Summary s = tally.summary(rec, size, gzip, top);
        if (json) {
            try {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(s));
            } catch (IOException e) {
                err.println("skbscope summary: cannot write JSON: " + e.getMessage());
                return 1;
            }
        } else {
            print(s, out);
        }
        out.flush();
        return 0;
    }

    /** Counts the journeys as the engine finishes them; the engine's writer thread only. */
    static final class Tally implements JourneySink {
        private record FlowKey(int proto, int ip, long srcHi, long srcLo, int sport, long dstHi, long dstLo, int dport) { }

        long journeys, packets, drops;
        final long[] paths = new long[5], ends = new long[JourneyEnd.values().length];
        final Map<Integer, Map<Integer, Long>> dropsByReason = new HashMap<>();   // reason → node → packets
        final Map<FlowKey, long[]> flows = new HashMap<>();
        final long[] otherFlows = new long[3];
        long weightedJourneys;
        int maxWeight = 1;

        @Override
        public void finished(JourneyColumns j, int r) {
            int w = Math.max(1, j.i(r, WEIGHT));
            journeys++;
            packets += w;
            if (w > 1) weightedJourneys++;
            maxWeight = Math.max(maxWeight, w);
            paths[j.path(r)] += w;
            ends[j.end(r).ordinal()] += w;
            boolean dropped = (j.info(r) & INFO_DROPPED) != 0;
            if (dropped) {
                drops += w;
                dropsByReason.computeIfAbsent(j.i(r, DROP_REASON), k -> new HashMap<>()).merge(j.i(r, DROP_NODE), (long) w, Long::sum);
            }
            int ip = j.info(r) & INFO_IP_MASK;
            if (ip == 0 && j.i(r, PROTO) < 0) return;   // nothing to call a flow
            FlowKey k = new FlowKey(j.i(r, PROTO), ip, j.l(r, SRC_HI), j.l(r, SRC_LO), j.i(r, SPORT), j.l(r, DST_HI), j.l(r, DST_LO), j.i(r, DPORT));
            long[] c = flows.get(k);
            if (c == null) {
                if (flows.size() >= MAX_FLOWS) c = otherFlows;
                else flows.put(k, c = new long[3]);
            }
            c[0] += w;
            if (dropped) c[1] += w;
            c[2] += (long) Math.max(0, j.i(r, LEN)) * w;
        }

        Summary summary(RecordingPackets rec, long size, boolean gzip, int top) {
            StatsSnapshot st = rec.stats();
            Map<String, Long> pathMap = new LinkedHashMap<>();
            for (int p = 1; p <= 4; p++) pathMap.put(PacketView.pathId(p), paths[p]);
            if (paths[0] > 0) pathMap.put("unknown", paths[0]);
            Map<String, Long> endMap = new LinkedHashMap<>();
            for (JourneyEnd e : JourneyEnd.values()) if (e != JourneyEnd.IN_FLIGHT) endMap.put(e.id(), ends[e.ordinal()]);
            endMap.put(JourneyEnd.IN_FLIGHT.id(), ends[JourneyEnd.IN_FLIGHT.ordinal()]);
            Map<String, DropReason> reasons = new LinkedHashMap<>();
            dropsByReason.entrySet().stream()
                    .sorted(Comparator.comparingLong((Map.Entry<Integer, Map<Integer, Long>> e) -> -sum(e.getValue())))
                    .forEach(e -> {
                        Map<String, Long> nodes = new LinkedHashMap<>();
                        e.getValue().entrySet().stream().sorted(Map.Entry.<Integer, Long>comparingByValue().reversed())
                                .forEach(n -> nodes.put(n.getKey() >= 0 && n.getKey() < PipelineNode.COUNT ? PipelineNode.of(n.getKey()).id() : "?", n.getValue()));
                        int id = e.getKey();
                        String name = id >= 0 && id < SymbolTable.DROP_REASONS.size() ? SymbolTable.DROP_REASONS.name(id) : "(no reason)";
                        reasons.put(name, new DropReason(sum(e.getValue()), nodes));
                    });
            List<Flow> topFlows = new ArrayList<>();
            flows.entrySet().stream()
                    .sorted(Comparator.comparingLong((Map.Entry<FlowKey, long[]> e) -> -e.getValue()[0]))
                    .limit(top)
                    .forEach(e -> {
                        FlowKey k = e.getKey();
                        topFlows.add(new Flow(PacketView.protoName(k.proto()), IpAddresses.text(k.ip(), k.srcHi(), k.srcLo()),
                                k.sport() < 0 ? null : k.sport(), IpAddresses.text(k.ip(), k.dstHi(), k.dstLo()),
                                k.dport() < 0 ? null : k.dport(), e.getValue()[0], e.getValue()[1], e.getValue()[2]));
                    });
            Map<String, Object> counters = rec.recordedCounters();
            Integer oneIn = counters.get("sample_one_in") instanceof Number n ? n.intValue() : null;
            Long lost = counters.get("lost_events") instanceof Number n ? n.longValue() : null;
            long first = rec.firstNs(), last = rec.lastNs();
            return new Summary(rec.path().toString(), rec.format().name().toLowerCase(), size, gzip, rec.header(),
                    st.totalEvents(), st.source().badLines(), first == Long.MIN_VALUE ? null : first,
                    first == Long.MIN_VALUE ? null : last, first == Long.MIN_VALUE ? 0 : (last - first) / 1e9,
                    packets, journeys, pathMap, endMap, drops, reasons, st.totalVerdicts(), topFlows,
                    flows.size() + (otherFlows[0] > 0 ? 1 : 0),
                    new Sampling(weightedJourneys > 0 || oneIn != null && oneIn > 1, weightedJourneys, maxWeight, oneIn),
                    lost, st.reorderedEvents(), st.untrackedEndEvents(), st.evictedPackets(), st.topFunctions(),
                    rec.tailWarning());
        }

        private static long sum(Map<Integer, Long> m) { return m.values().stream().mapToLong(Long::longValue).sum(); }
    }

    static void print(Summary s, PrintWriter out) {
        out.printf("File:          %s (%s%s, %s)%n", s.file(), s.format(), s.gzip() ? ", gzip" : "", bytes(s.sizeBytes()));
        if (s.header() != null && !s.header().isEmpty()) {
            out.printf("Header:        %s%n", s.header().entrySet().stream()
                    .filter(e -> !e.getKey().equals("format") && !e.getKey().equals("version"))
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        }
        out.printf("Events:        %,d   bad lines %,d   reordered %,d   end events of untracked packets %,d%n",
                s.events(), s.badLines(), s.reorderedEvents(), s.untrackedEndEvents());
        if (s.damagedEnd() != null) out.printf("Damaged end:   %s%n", s.damagedEnd());
        if (s.firstNs() != null) {
            out.printf("Time span:     %.9f s .. %.9f s of the trace clock: %.6f s%n", s.firstNs() / 1e9, s.lastNs() / 1e9, s.durationS());
        } else {
            out.println("Time span:     (no events)");
        }
        out.printf("Packets:       %,d%s   %s%n", s.packets(), s.packets() != s.journeys() ? String.format(" (%,d journeys, weighted)", s.journeys()) : "",
                pairs(s.ends()));
        out.printf("Paths:         %s%n", pairs(s.paths()));
        out.printf("Drops:         %,d%n", s.drops());
        s.dropReasons().forEach((r, d) -> out.printf("  %-28s %,10d   at %s%n", r, d.packets(), pairs(d.nodes())));
        out.printf("Verdicts:      %s%n", s.verdicts().isEmpty() ? "-" : pairs(s.verdicts()));
        if (!s.topFlows().isEmpty()) {
            out.printf("Top flows:     %,d flows%n", s.flows());
            out.printf("  %10s %8s %12s  %-6s %s%n", "PACKETS", "DROPS", "BYTES", "PROTO", "FLOW");
            for (Flow f : s.topFlows()) {
                out.printf("  %,10d %,8d %,12d  %-6s %s -> %s%n", f.packets(), f.drops(), f.bytes(), f.proto() == null ? "-" : f.proto(),
                        PacketReport.endpoint(f.src(), f.sport()), PacketReport.endpoint(f.dst(), f.dport()));
            }
        }
        Sampling sm = s.sampling();
        out.printf("Sampling:      %s%n", !sm.sampled() ? "every packet traced"
                : String.format("sampled: %,d journeys stand for several packets (up to %d each)%s", sm.weightedJourneys(), sm.maxWeight(),
                sm.sampleOneIn() == null ? "" : ", last recorded 1 in " + sm.sampleOneIn()));
        out.printf("Lost events:   %s%n", s.lostEvents() == null ? "not recorded (only skbscope session recordings carry it)"
                : String.format("%,d (events the kernel could not deliver, as the session recorded)", s.lostEvents()));
        out.printf("Evicted:       %,d packets (more than max_tracked_skbs in flight)%n", s.evictedPackets());
        if (!s.topFunctions().isEmpty()) {
            out.printf("Top functions: %s%n", s.topFunctions().entrySet().stream().limit(8)
                    .map(e -> String.format("%s %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", ")));
        }
    }

    private static String pairs(Map<String, Long> m) {
        return m.entrySet().stream().map(e -> e.getKey() + " " + String.format("%,d", e.getValue())).collect(Collectors.joining(", "));
    }

    private static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1 << 20) return String.format("%.1f KiB", n / 1024.0);
        if (n < 1 << 30) return String.format("%.1f MiB", n / 1048576.0);
        return String.format("%.2f GiB", n / 1073741824.0);
    }
}

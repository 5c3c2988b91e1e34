package dev.skbscope.cli;

import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.StatsSnapshot.NodeStats;
import dev.skbscope.engine.StatsSnapshot.PipelineStats;
import dev.skbscope.engine.StatsSnapshot.TopLatency;

import java.io.PrintWriter;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders a stats snapshot as plain-text tables for a terminal. Stateless and thread-safe. */
final class StatsReport {
    private StatsReport() { }

    static void print(StatsSnapshot s, String title, PrintWriter out) {
        out.printf("skbscope: %s, mode %s%n", title, s.mode());
        StatsSnapshot.SourceStats src = s.source();
        out.printf("events %,d   packets %,d   drops %,d   evicted %,d   in flight %,d   bad lines %,d%n",
                s.totalEvents(), s.totalPackets(), s.drops(), s.evictedPackets(), s.inFlightTotal(),
                src == null ? 0 : src.badLines());
        if (s.reorderedEvents() > 0 || s.untrackedEndEvents() > 0)
            out.printf("reordered events %,d   end events of untracked packets %,d%n", s.reorderedEvents(), s.untrackedEndEvents());

        out.println();
        out.printf("%-16s %10s %10s %10s %10s%n", "PIPELINE", "STARTED", "IN_FLIGHT", "COMPLETED", "DROPPED");
        for (PipelineStats p : s.pipelines())
            out.printf("%-16s %,10d %,10d %,10d %,10d%n", p.name(), p.started(), p.inFlight(), p.completed(), p.dropped());

        out.println();
        out.printf("%-24s %10s %10s %9s %9s %9s %9s %8s%n", "NODE", "COUNT", "PACKETS", "IN_FLIGHT", "P50_US", "P99_US", "AVG_US", "DROPS");
        for (NodeStats n : s.nodes().values()) {
            if (n.count() == 0 && n.inFlight() == 0) continue;
            out.printf("%-24s %,10d %,10d %,9d %9s %9s %9s %,8d%n", n.id(),
                    n.count(), n.packets(), n.inFlight(), us(n.samples(), n.p50Us()), us(n.samples(), n.p99Us()),
                    us(n.samples(), n.avgUs()), n.drops());
        }

        if (!s.hooks().isEmpty()) {
            out.println();
            out.printf("%-12s %10s  %s%n", "HOOK", "COUNT", "VERDICTS");
            s.hooks().forEach((h, v) -> {
                if (v.count() > 0) out.printf("%-12s %,10d  %s%n", h, v.count(), pairs(v.verdicts()));
            });
        }
        out.println();
        out.println("verdicts:     " + pairs(s.totalVerdicts()));
        out.println("drop reasons: " + pairs(s.dropReasons()));
        if (!s.topLatency().isEmpty()) {
            out.println();
            out.printf("%-24s %9s %9s %9s%n", "TOP LATENCY", "AVG_US", "P99_US", "SAMPLES");
            for (TopLatency t : s.topLatency())
                out.printf("%-24s %9.1f %9.1f %,9d%n", t.label(), t.avgUs(), t.p99Us(), t.samples());
        }
    }

    private static String us(long samples, double v) { return samples == 0 ? "-" : String.format("%.1f", v); }

    private static String pairs(Map<String, Long> m) {
        if (m == null || m.isEmpty()) return "-";
        return m.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }
}

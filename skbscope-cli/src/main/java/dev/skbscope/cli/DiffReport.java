package dev.skbscope.cli;

import dev.skbscope.engine.compare.StatsComparison;
import dev.skbscope.engine.compare.StatsComparison.CountChange;
import dev.skbscope.engine.compare.StatsComparison.Metric;
import dev.skbscope.engine.compare.StatsComparison.NodeChange;
import dev.skbscope.engine.compare.StatsComparison.RuleChange;
import dev.skbscope.engine.compare.StatsComparison.Side;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders a {@link StatsComparison} as plain text for a terminal. Stateless and thread-safe. */
final class DiffReport {
    private DiffReport() { }

    static void print(StatsComparison c, boolean all, PrintWriter out) {
        side(out, "A", c.a());
        side(out, "B", c.b());
        out.println();
        List<NodeChange> changed = c.changedNodes();
        out.printf(Locale.ROOT, "%d of %d nodes changed beyond noise (%.0f standard errors; '~' = within noise)%n",
                changed.size(), c.nodes().size(), c.zThreshold());
        if (!changed.isEmpty()) {
            out.println();
            for (NodeChange n : changed) {
                out.printf("%-22s %s%n", n.label() + (n.path() == null ? "" : ""), n.summary().getFirst());
                for (String s : n.summary().subList(1, n.summary().size())) out.printf("%-22s %s%n", "", s);
            }
        }
        out.println();
        out.println(String.format("%-22s %-20s %-17s %-25s %s", "NODE", "PACKETS A → B", "DROP RATE", "P50", "P99"));
        for (NodeChange n : c.nodes()) {
            String label = n.label().length() > 21 ? n.label().substring(0, 21) : n.label();
            if (!n.observableA() && !n.observableB()) {
                out.printf("%-22s not observable%s%n", label, n.unobservedReason() == null ? "" : ": " + n.unobservedReason());
                continue;
            }
            String packets = count(n.packets().a()) + " → " + count(n.packets().b()) + mark(n.packets().significant());
            String drops = n.dropRate() == null || (n.dropRate().a() == 0 && n.dropRate().b() == 0) ? "-"
                    : pct(n.dropRate().a()) + " → " + pct(n.dropRate().b()) + mark(n.dropRate().significant());
            out.println(String.format("%-22s %-20s %-17s %-25s %s", label, packets, drops, latency(n.p50Us()),
                    latency(n.p99Us())).stripTrailing());
        }
        List<CountChange> reasons = all ? c.dropReasons()
                : c.dropReasons().stream().filter(r -> r.significant() || !r.status().equals("up") && !r.status().equals("down") && !r.status().equals("same")).toList();
        if (!reasons.isEmpty()) {
            out.println();
            out.println("DROP REASONS (drops per packet)");
            for (CountChange r : reasons)
                out.printf("  %-9s %-28s %s → %s   %s → %s%s%n", r.status(), r.name(), count(r.a()), count(r.b()),
                        pct(r.shareA()), pct(r.shareB()), mark(r.significant()));
        }
        List<RuleChange> rules = all ? c.rules()
                : c.rules().stream().filter(r -> r.significant() || r.status().equals("appeared") || r.status().equals("vanished")).toList();
        if (!rules.isEmpty() || !c.rules().isEmpty()) {
            out.println();
            out.println("NFTABLES RULES (hits A → B)");
            for (RuleChange r : rules)
                out.printf("  %-9s %s%s   %s → %s hits%s%s%n", r.status(), r.name(),
                        r.text() == null ? "" : "  \"" + r.text() + "\"", count(r.a()), count(r.b()),
                        verdicts(r.status().equals("vanished") ? r.verdictsA() : r.verdictsB()), mark(r.significant()));
            int quiet = c.rules().size() - rules.size();
            if (quiet > 0) out.printf("  (%d more rules without a significant change; --all lists them)%n", quiet);
        }
    }

    private static void side(PrintWriter out, String which, Side s) {
        out.printf(Locale.ROOT, "%s  %-28s %-13s %s packets, %s drops (%s)%s%n", which, s.name(), s.mode(),
                count(s.totalPackets()), count(s.drops()), pct(s.dropRate()),
                s.sampleOneIn() > 1 ? ", sampled 1 in " + s.sampleOneIn() : "");
    }

    private static String latency(Metric m) {
        if (m == null) return "-";
        if (m.a() == 0 && m.b() == 0) return "-";
        String change = m.change() == null ? "" : String.format(Locale.ROOT, " %+.0f%%", m.change() * 100);
        if (m.a() == 0 || m.b() == 0) return lat(m.a()) + " → " + lat(m.b());   // no samples on one side: nothing to judge
        return lat(m.a()) + " → " + lat(m.b()) + (m.significant() ? change + " *" : " ~");
    }

    private static String mark(boolean significant) { return significant ? " *" : " ~"; }

    private static String verdicts(Map<String, Long> v) {
        if (v == null || v.isEmpty()) return "";
        return " (" + v.entrySet().stream().map(e -> e.getKey() + " " + count(e.getValue())).collect(Collectors.joining(", ")) + ")";
    }

    /** A latency in µs, ms or s; "-" when there were no samples (0). */
    static String lat(double us) {
        if (us == 0) return "-";
        if (us >= 1_000_000) return String.format(Locale.ROOT, "%.2f s", us / 1e6);
        if (us >= 1000) return String.format(Locale.ROOT, "%.2f ms", us / 1e3);
        return (us >= 100 ? String.format(Locale.ROOT, "%.0f", us) : us >= 10 ? String.format(Locale.ROOT, "%.1f", us)
                : String.format(Locale.ROOT, "%.2f", us)) + " µs";
    }

    static String count(long n) {
        if (n < 10_000) return String.format(Locale.ROOT, "%,d", n);
        if (n < 1_000_000) return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        if (n < 1_000_000_000) return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        return String.format(Locale.ROOT, "%.2fG", n / 1e9);
    }

    static String pct(double share) {
        double p = share * 100;
        return p == 0 ? "0%" : p < 0.1 ? String.format(Locale.ROOT, "%.3f%%", p)
                : p < 10 ? String.format(Locale.ROOT, "%.1f%%", p) : String.format(Locale.ROOT, "%.0f%%", p);
    }
}

package dev.skbscope.cli;

import dev.skbscope.engine.packet.PacketPage;
import dev.skbscope.engine.packet.PacketView;

import java.io.PrintWriter;

/** Renders packets (a list, or one journey as a waterfall) as plain text for a terminal. Stateless and thread-safe. */
final class PacketReport {
    private static final int BAR = 30;

    private PacketReport() { }

    /** A table of list views; start times in ms after {@code firstNs} (the recording's first event). */
    static void printTable(PacketPage page, long firstNs, boolean nodeLatency, PrintWriter out) {
        out.printf("%-8s %11s %10s %-8s %-9s %-26s %-6s %-44s %5s%s%n", "ID", "START_MS", "DUR_US", "PATH", "END", "DROP",
                "PROTO", "SRC -> DST", "HOPS", nodeLatency ? "  NODE_US" : "");
        for (PacketView p : page.packets()) {
            String drop = p.drop() == null ? "-" : (p.drop().node() == null ? "?" : p.drop().node())
                    + (p.drop().reason() == null ? "" : " " + p.drop().reason());
            out.printf("%-8s %11.3f %10.1f %-8s %-9s %-26s %-6s %-44s %5d%s%n", p.id(),
                    firstNs == Long.MIN_VALUE ? 0.0 : (p.startNs() - firstNs) / 1e6, p.durationUs(), p.path(), p.end(),
                    clip(drop, 26), p.proto() == null ? "-" : p.proto(), clip(flow(p), 44), p.nodes().size(),
                    nodeLatency ? String.format("  %7.1f", p.nodeLatencyUs() == null ? Double.NaN : p.nodeLatencyUs()) : "");
        }
    }

    /** One packet: identity, 5-tuple, then its hops as a waterfall and its verdict chain. */
    static void printJourney(PacketView p, long firstNs, PrintWriter out) {
        out.printf("packet %s  %s %s  journey %d  path %s  end %s%s%n", p.id(), p.skb() != null ? "skb" : "nft trace",
                p.skb() != null ? p.skb() : p.traceId(), p.journey(), p.path(), p.end(),
                p.drop() == null ? "" : " at " + p.drop().node() + (p.drop().reason() == null ? "" : " (" + p.drop().reason() + ")"));
        out.printf("  %s  ifindex %s  netns %s  len %s  weight %d%n",
                p.proto() == null && p.src() == null ? "no 5-tuple recorded" : (p.proto() == null ? "" : p.proto() + " ") + flow(p),
                opt(p.ifindex()), opt(p.netns()), opt(p.len()), p.weight());
        out.printf("  start %d ns (+%.3f ms)  duration %.3f us  events %d%s%s%n", p.startNs(),
                firstNs == Long.MIN_VALUE ? 0.0 : (p.startNs() - firstNs) / 1e6, p.durationUs(), p.events(),
                p.stepsOmitted() == null ? "" : " (" + p.stepsOmitted() + " not kept)",
                p.endProbe() == null ? "" : "  ended by " + p.endProbe());
        out.println();
        out.printf("  %-20s %-28s %10s %10s  %s%n", "HOP", "PROBE", "OFFSET_US", "SPENT_US", "");
        double total = Math.max(p.durationUs(), 1e-9);
        for (PacketView.Hop h : p.hops()) {
            int from = (int) Math.round(h.offsetUs() / total * BAR);
            int len = h.spentUs() == null ? 0 : Math.max(1, (int) Math.round(h.spentUs() / total * BAR));
            String probe = h.functions() == null ? h.probe() : h.probe() + " +" + (h.functions().size() - 1);
            out.printf("  %-20s %-28s %10.3f %10s  |%s%s%n", h.node(), clip(probe, 28), h.offsetUs(),
                    h.spentUs() == null ? "?" : String.format("%.3f", h.spentUs()),
                    " ".repeat(Math.min(BAR, from)), "#".repeat(Math.min(BAR - Math.min(BAR, from), len)));
        }
        if (!p.verdicts().isEmpty()) {
            out.println();
            out.println("  VERDICTS");
            for (PacketView.VerdictStep v : p.verdicts()) {
                StringBuilder sb = new StringBuilder("  ").append(String.format("%-16s %-12s %-9s %-14s", v.node(),
                        v.hook() == null ? "-" : v.hook(), v.verdict() == null ? "-" : v.verdict(), v.probe()));
                if (v.table() != null) {
                    sb.append(' ').append(v.table()).append('/').append(v.chain());
                    if (v.ruleHandle() != null) sb.append(" handle ").append(v.ruleHandle());
                    if (v.ruleText() != null) sb.append(": ").append(v.ruleText());
                }
                out.println(sb);
            }
        }
    }

    static String flow(PacketView p) {
        if (p.src() == null && p.dst() == null) return "-";
        return endpoint(p.src(), p.sport()) + " -> " + endpoint(p.dst(), p.dport());
    }

    /** {@code addr:port}, IPv6 in brackets. */
    static String endpoint(String addr, Integer port) {
        if (addr == null) return "?";
        String a = addr.indexOf(':') >= 0 && port != null ? "[" + addr + "]" : addr;
        return port == null ? a : a + ":" + port;
    }

    private static String opt(Object o) { return o == null ? "-" : o.toString(); }

    private static String clip(String s, int n) { return s.length() <= n ? s : s.substring(0, n - 1) + "…"; }
}

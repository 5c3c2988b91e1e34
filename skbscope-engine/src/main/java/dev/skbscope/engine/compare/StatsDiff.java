package dev.skbscope.engine.compare;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.StatsSnapshot.EdgeStats;
import dev.skbscope.engine.StatsSnapshot.NodeStats;
import dev.skbscope.engine.StatsSnapshot.RuleStats;
import dev.skbscope.engine.compare.StatsComparison.CountChange;
import dev.skbscope.engine.compare.StatsComparison.Metric;
import dev.skbscope.engine.compare.StatsComparison.NodeChange;
import dev.skbscope.engine.compare.StatsComparison.RuleChange;
import dev.skbscope.engine.compare.StatsComparison.Side;
import dev.skbscope.engine.compare.StatsComparison.Volume;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares two sessions' stats node by node and tells which changes are beyond noise
 * ({@link Noise}); stateless and thread-safe. The same stats on both sides give no significant
 * change. Works on any two snapshots: recordings replayed here, live sessions, stats read back from
 * JSON (older stats without latency intervals are judged with estimated intervals).
 */
public final class StatsDiff {
    /** An entry node's share of the session's packets must move by this much (relative) to count. */
    public static final double ENTRY_SHARE_FLOOR = 0.25;

    private StatsDiff() { }

    public static StatsComparison compare(String nameA, StatsSnapshot a, String nameB, StatsSnapshot b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        int ka = sampling(a), kb = sampling(b);
        Reach reachA = new Reach(a.edges()), reachB = new Reach(b.edges());

        List<NodeChange> nodes = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        for (PipelineNode n : PipelineNode.values()) ids.add(n.id());
        if (a.nodes() != null) ids.addAll(a.nodes().keySet());
        if (b.nodes() != null) ids.addAll(b.nodes().keySet());
        for (String id : ids) {
            NodeStats na = node(a, id), nb = node(b, id);
            if (na == null && nb == null) continue;
            boolean obsA = na == null || na.observable(), obsB = nb == null || nb.observable();
            boolean active = count(na) > 0 || count(nb) > 0;
            if (!active && obsA == obsB) continue;
            nodes.add(node(id, na, nb, a, b, ka, kb, reachA, reachB));
        }
        nodes.sort(Comparator.comparing(NodeChange::significant).reversed()
                .thenComparing(Comparator.comparingDouble(NodeChange::score).reversed()));

        List<CountChange> reasons = counts(a.dropReasons(), a.totalPackets(), ka, b.dropReasons(), b.totalPackets(), kb);
        List<RuleChange> rules = rules(a, b, ka, kb);
        int significant = (int) nodes.stream().filter(NodeChange::significant).count();
        return new StatsComparison(side(nameA, a), side(nameB, b), Noise.Z, significant, List.copyOf(nodes),
                reasons, rules);
    }

    private static NodeChange node(String id, NodeStats na, NodeStats nb, StatsSnapshot a, StatsSnapshot b,
                                   int ka, int kb, Reach reachA, Reach reachB) {
        NodeStats any = na != null ? na : nb;
        List<String> summary = new ArrayList<>();
        double score = 0;
        boolean obsA = na == null || na.observable(), obsB = nb == null || nb.observable();
        String reason = !obsA ? na.unobservedReason() : !obsB ? nb.unobservedReason() : null;
        if (obsA != obsB) {
            summary.add((obsA ? "not observable in B" : "not observable in A") + (reason == null ? "" : ": " + reason));
            score = 2;
        }

        Volume volume = volume(id, na, nb, a, b, ka, kb, reachA, reachB);
        if (volume.significant()) {
            double ma = "reach".equals(volume.basis()) ? volume.reachA() : volume.shareA();
            double mb = "reach".equals(volume.basis()) ? volume.reachB() : volume.shareB();
            score = Math.max(score, Noise.magnitude(ma, mb));
            summary.add("reach".equals(volume.basis())
                    ? String.format(Locale.ROOT, "gets %s → %s of the packets its predecessors pass on", pct(ma), pct(mb))
                    : String.format(Locale.ROOT, "share of packets %s → %s", pct(ma), pct(mb)));
        }

        String events = eventsChange(na, nb, a, b, ka, kb);
        if (events != null) {
            score = Math.max(score, Noise.magnitude(share(count(na), a.totalEvents()), share(count(nb), b.totalEvents())));
            summary.add(events);
        }

        long expA = exposure(na), expB = exposure(nb);
        Metric dropRate = null;
        if (expA > 0 || expB > 0) {
            long da = na == null ? 0 : na.drops(), db = nb == null ? 0 : nb.drops();
            double ra = expA == 0 ? 0 : Math.min(1, (double) da / expA), rb = expB == 0 ? 0 : Math.min(1, (double) db / expB);
            double z = Noise.proportionZ(Math.min(da, expA), expA, ka, Math.min(db, expB), expB, kb);
            dropRate = new Metric(round6(ra), round6(rb), ra == 0 ? null : round6((rb - ra) / ra), round(z), Noise.significant(z));
            if (dropRate.significant()) {
                score = Math.max(score, Noise.magnitude(ra, rb));
                summary.add("drop rate " + pct(ra) + " → " + pct(rb));
            }
        }

        Metric p50 = latency(50, na, nb, ka, kb);
        Metric p99 = latency(99, na, nb, ka, kb);
        for (var e : List.of(Map.entry("p50", p50 == null ? NONE : p50), Map.entry("p99", p99 == null ? NONE : p99))) {
            Metric m = e.getValue();
            if (!m.significant()) continue;
            score = Math.max(score, Noise.magnitude(m.a(), m.b()));
            summary.add(e.getKey() + " " + us(m.a()) + " → " + us(m.b())
                    + (m.change() == null ? "" : String.format(Locale.ROOT, " (%+.0f%%)", m.change() * 100)));
        }

        List<CountChange> verdicts = counts(verdicts(na), total(verdicts(na)), ka, verdicts(nb), total(verdicts(nb)), kb);
        for (CountChange c : verdicts) {
            if (!c.significant()) continue;
            score = Math.max(score, Noise.magnitude(c.shareA(), c.shareB()));
            summary.add(c.name() + " verdicts " + pct(c.shareA()) + " → " + pct(c.shareB()));
        }
        List<CountChange> reasons = counts(na == null ? null : na.dropReasons(), expA, ka,
                nb == null ? null : nb.dropReasons(), expB, kb);
        for (CountChange c : reasons) {
            if (!c.significant()) continue;
            score = Math.max(score, Noise.magnitude(c.shareA(), c.shareB()));
            summary.add(switch (c.status()) {
                case "appeared" -> "drop reason " + c.name() + " appeared (" + c.b() + ")";
                case "vanished" -> "drop reason " + c.name() + " vanished (was " + c.a() + ")";
                default -> "drop reason " + c.name() + " " + c.a() + " → " + c.b();
            });
        }
        boolean significant = !summary.isEmpty();
        return new NodeChange(id, any.label(), any.path(), significant, round(score), List.copyOf(summary),
                obsA, obsB, reason, volume, dropRate, p50, p99, verdicts, reasons);
    }

    private static final Metric NONE = new Metric(0, 0, null, 0, false);

    /**
     * For a node whose events carry no packet on either side (a hook the nftables trace alone sees),
     * which the packet volume cannot judge: its events as a share of the session's events, when that
     * moved beyond noise and by {@link #ENTRY_SHARE_FLOOR} or more. A hook seen only once a rule was
     * added is the change a before/after diff must name. Null when nothing to say.
     */
    private static String eventsChange(NodeStats na, NodeStats nb, StatsSnapshot a, StatsSnapshot b, int ka, int kb) {
        if ((na != null && na.packets() > 0) || (nb != null && nb.packets() > 0)) return null;
        long ea = count(na), eb = count(nb), ta = a.totalEvents(), tb = b.totalEvents();
        if (ea == 0 && eb == 0 || ta <= 0 || tb <= 0) return null;
        double sa = share(ea, ta), sb = share(eb, tb);
        double z = Noise.proportionZ(Math.min(ea, ta), ta, ka, Math.min(eb, tb), tb, kb);
        if (!Noise.significant(z) || Noise.magnitude(sa, sb) < ENTRY_SHARE_FLOOR) return null;
        if (ea == 0) return "seen only in B: " + eb + " events" + verdictList(nb);
        if (eb == 0) return "seen only in A: " + ea + " events" + verdictList(na);
        return "events " + ea + " → " + eb + " (" + pct(sa) + " → " + pct(sb) + " of all events)";
    }

    private static double share(long part, long whole) { return whole <= 0 ? 0 : Math.min(1, (double) part / whole); }

    /** " (DROP 1206, ACCEPT 3)", or "" without verdicts. */
    private static String verdictList(NodeStats n) {
        Map<String, Long> v = verdicts(n);
        if (v.isEmpty()) return "";
        List<String> parts = new ArrayList<>();
        v.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> parts.add(e.getKey() + " " + e.getValue()));
        return " (" + String.join(", ", parts) + ")";
    }

    private static Volume volume(String id, NodeStats na, NodeStats nb, StatsSnapshot a, StatsSnapshot b,
                                 int ka, int kb, Reach reachA, Reach reachB) {
        long pa = na == null ? 0 : na.packets(), pb = nb == null ? 0 : nb.packets();
        double shareA = a.totalPackets() == 0 ? 0 : (double) pa / a.totalPackets();
        double shareB = b.totalPackets() == 0 ? 0 : (double) pb / b.totalPackets();
        Double change = pa == 0 ? null : (double) (pb - pa) / pa;
        // the predecessors of this node on either side, so a path that vanished still counts
        Set<String> preds = new LinkedHashSet<>(reachA.predecessors(id));
        preds.addAll(reachB.predecessors(id));
        if (preds.isEmpty()) {
            double z = Noise.proportionZ(pa, a.totalPackets(), ka, pb, b.totalPackets(), kb);
            boolean sig = Noise.significant(z) && Noise.magnitude(shareA, shareB) >= ENTRY_SHARE_FLOOR;
            return new Volume(pa, pb, change, round6(shareA), round6(shareB), "entry", null, null, round(z), sig);
        }
        long inA = reachA.into(id), inB = reachB.into(id);
        long outA = reachA.passedOn(preds), outB = reachB.passedOn(preds);
        double ra = outA == 0 ? 0 : (double) inA / outA, rb = outB == 0 ? 0 : (double) inB / outB;
        double z = Noise.proportionZ(inA, outA, ka, inB, outB, kb);
        return new Volume(pa, pb, change, round6(shareA), round6(shareB), "reach", round6(ra), round6(rb), round(z),
                Noise.significant(z));
    }

    private static Metric latency(int which, NodeStats na, NodeStats nb, int ka, int kb) {
        long sa = na == null ? 0 : na.samples(), sb = nb == null ? 0 : nb.samples();
        if (sa == 0 && sb == 0) return null;
        double va = sa == 0 ? 0 : which == 50 ? na.p50Us() : na.p99Us();
        double vb = sb == 0 ? 0 : which == 50 ? nb.p50Us() : nb.p99Us();
        if (sa == 0 || sb == 0) return new Metric(va, vb, null, 0, false);   // latency without a counterpart: nothing to compare
        var ciA = which == 50 ? na.p50CiUs() : na.p99CiUs();
        var ciB = which == 50 ? nb.p50CiUs() : nb.p99CiUs();
        // the samples actually observed: a sampled source weighs each one N times
        double oa = Math.max(1.0, (double) sa / ka), ob = Math.max(1.0, (double) sb / kb);
        double z = Noise.latencyZ(which / 100.0, va, ciA, Noise.estimatedHalfWidth(which, na.p50Us(), na.p90Us(), na.p99Us(), oa), oa,
                vb, ciB, Noise.estimatedHalfWidth(which, nb.p50Us(), nb.p90Us(), nb.p99Us(), ob), ob);
        return new Metric(va, vb, va == 0 ? null : round6((vb - va) / va), round(z), Noise.significant(z));
    }

    /** Each key of either map as a proportion of its side's exposure. */
    private static List<CountChange> counts(Map<String, Long> a, long expA, int ka, Map<String, Long> b, long expB, int kb) {
        Set<String> keys = new LinkedHashSet<>();
        if (a != null) keys.addAll(a.keySet());
        if (b != null) keys.addAll(b.keySet());
        List<CountChange> out = new ArrayList<>();
        for (String k : keys) {
            long ca = a == null ? 0 : a.getOrDefault(k, 0L), cb = b == null ? 0 : b.getOrDefault(k, 0L);
            if (ca == 0 && cb == 0) continue;
            double sa = expA == 0 ? 0 : Math.min(1, (double) ca / expA), sb = expB == 0 ? 0 : Math.min(1, (double) cb / expB);
            double z = expA == 0 || expB == 0 ? 0 : Noise.proportionZ(Math.min(ca, expA), expA, ka, Math.min(cb, expB), expB, kb);
            out.add(new CountChange(k, ca, cb, round6(sa), round6(sb), status(ca, cb, sa, sb), round(z), Noise.significant(z)));
        }
        out.sort(Comparator.comparing(CountChange::significant).reversed()
                .thenComparing(Comparator.comparingDouble((CountChange c) -> Noise.magnitude(c.shareA(), c.shareB())).reversed())
                .thenComparing(Comparator.comparingLong((CountChange c) -> c.a() + c.b()).reversed()));
        return List.copyOf(out);
    }

    private static List<RuleChange> rules(StatsSnapshot a, StatsSnapshot b, int ka, int kb) {
        Map<String, RuleStats> ra = ruleMap(a), rb = ruleMap(b);
        Set<String> keys = new LinkedHashSet<>(ra.keySet());
        keys.addAll(rb.keySet());
        long expA = Math.max(a.totalEvents(), 1), expB = Math.max(b.totalEvents(), 1);
        List<RuleChange> out = new ArrayList<>();
        for (String k : keys) {
            RuleStats x = ra.get(k), y = rb.get(k);
            RuleStats any = x != null ? x : y;
            long ha = x == null ? 0 : x.hits(), hb = y == null ? 0 : y.hits();
            double sa = (double) ha / expA, sb = (double) hb / expB;
            double z = Noise.proportionZ(Math.min(ha, expA), expA, ka, Math.min(hb, expB), expB, kb);
            String text = y != null && y.text() != null ? y.text() : x != null ? x.text() : null;
            out.add(new RuleChange(any.table(), any.chain(), any.handle(), text, ha, hb, status(ha, hb, sa, sb),
                    x == null ? Map.of() : x.verdicts(), y == null ? Map.of() : y.verdicts(), round(z), Noise.significant(z)));
        }
        out.sort(Comparator.comparing(RuleChange::significant).reversed()
                .thenComparing(Comparator.comparingDouble((RuleChange r) ->
                        Noise.magnitude((double) r.a() / expA, (double) r.b() / expB)).reversed())
                .thenComparing(Comparator.comparingLong((RuleChange r) -> r.a() + r.b()).reversed()));
        return List.copyOf(out);
    }

    private static Map<String, RuleStats> ruleMap(StatsSnapshot s) {
        Map<String, RuleStats> m = new LinkedHashMap<>();
        if (s.rules() != null) for (RuleStats r : s.rules()) m.put(r.table() + "\u0000" + r.chain() + "\u0000" + r.handle(), r);
        return m;
    }

    private static String status(long ca, long cb, double sa, double sb) {
        if (ca == 0 && cb > 0) return "appeared";
        if (ca > 0 && cb == 0) return "vanished";
        return sb > sa ? "up" : sb < sa ? "down" : "same";
    }

    /**
     * Packets crossing edges: into a node, and passed on by a set of nodes. Immutable after
     * construction; edges to the same node (none are recorded) and to {@code other} are ignored.
     */
    private static final class Reach {
        private final Map<String, Long> in = new HashMap<>();
        private final Map<String, Long> out = new HashMap<>();
        private final Map<String, Set<String>> preds = new HashMap<>();

        Reach(List<EdgeStats> edges) {
            if (edges == null) return;
            for (EdgeStats e : edges) {
                if (e.from().equals(e.to()) || "other".equals(e.to()) || "other".equals(e.from())) continue;
                in.merge(e.to(), e.count(), Long::sum);
                out.merge(e.from(), e.count(), Long::sum);
                preds.computeIfAbsent(e.to(), k -> new LinkedHashSet<>()).add(e.from());
            }
        }

        Set<String> predecessors(String node) { return preds.getOrDefault(node, Set.of()); }
        long into(String node) { return in.getOrDefault(node, 0L); }
        long passedOn(Set<String> nodes) {
            long sum = 0;
            for (String n : nodes) sum += out.getOrDefault(n, 0L);
            return sum;
        }
    }

    private static Side side(String name, StatsSnapshot s) {
        double rate = s.totalPackets() == 0 ? 0 : round6((double) s.drops() / s.totalPackets());
        return new Side(name, s.sessionId(), s.mode(), s.totalPackets(), s.totalEvents(), s.drops(), rate, sampling(s),
                s.uptimeSeconds());
    }

    private static int sampling(StatsSnapshot s) {
        return s.source() == null ? 1 : Math.max(1, s.source().sampleOneIn());
    }

    private static NodeStats node(StatsSnapshot s, String id) { return s.nodes() == null ? null : s.nodes().get(id); }
    private static long count(NodeStats n) { return n == null ? 0 : Math.max(n.count(), n.packets()); }

    /** What a node's drops and drop reasons are counted against: its packets, or its events where it has none (nft enrichment). */
    private static long exposure(NodeStats n) { return n == null ? 0 : n.packets() > 0 ? n.packets() : n.count(); }

    private static Map<String, Long> verdicts(NodeStats n) { return n == null || n.verdicts() == null ? Map.of() : n.verdicts(); }
    private static long total(Map<String, Long> m) { return m.values().stream().mapToLong(Long::longValue).sum(); }

    static String pct(double share) {
        double p = share * 100;
        return p == 0 ? "0%" : p < 0.1 ? String.format(Locale.ROOT, "%.3f%%", p)
                : p < 10 ? String.format(Locale.ROOT, "%.1f%%", p) : String.format(Locale.ROOT, "%.0f%%", p);
    }

    static String us(double us) {
        return us >= 1_000_000 ? String.format(Locale.ROOT, "%.2f s", us / 1e6)
                : us >= 1000 ? String.format(Locale.ROOT, "%.2f ms", us / 1000)
                : us >= 100 ? String.format(Locale.ROOT, "%.0f µs", us)
                : us >= 10 ? String.format(Locale.ROOT, "%.1f µs", us) : String.format(Locale.ROOT, "%.2f µs", us);
    }

    /** Three decimals; an infinite z (exact values that differ) is written as ±999 so JSON stays numeric. */
    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000.0) / 1000.0 : Math.copySign(999, v);
    }

    private static double round6(double v) { return Math.round(v * 1e6) / 1e6; }
}

package dev.skbscope.cli.top;

import dev.skbscope.cli.top.FeedState.AlertLine;
import dev.skbscope.cli.top.FeedState.Connection;
import dev.skbscope.cli.top.FeedState.SessionInfo;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.StatsSnapshot.NodeStats;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Draws one frame of {@code top} for a given terminal size: header, pipeline rows, side panels and
 * the key line. Holds the view's settings (sort, freeze, help, scroll) and the previous stats for
 * rates; used by one thread (the render loop) only. Pure text and styles: the terminal or plain
 * printer decides how to put it on screen.
 */
final class TopScreen {
    enum Sort {
        PIPELINE("pipeline"), RATE("pkts/s"), P99("p99"), DROPS("drops"), IN_FLIGHT("in-flight"), COUNT("count");
        final String label;
        Sort(String label) { this.label = label; }
        Sort next() { return values()[(ordinal() + 1) % values().length]; }
    }

    static final String[] PATHS = {"inbound", "local", "forward", "outbound"};
    private static final Map<String, String> PATH_TITLES = Map.of("inbound", "INBOUND", "local", "LOCAL DELIVERY",
            "forward", "FORWARD", "outbound", "OUTBOUND");
    private static final int SIDE_WIDTH = 38;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final boolean color;
    private final boolean unicode;
    private final boolean interactive;

    Sort sort = Sort.PIPELINE;
    boolean help;
    boolean panelsOnly;
    int scroll;
    private FeedState frozen;

    // rates derived from consecutive stats of the watched session
    private String rateSession;
    private long lastTakenAt;
    private double lastUptime;
    private long lastDrops, lastLost;
    private double dropsPerSecond = -1, lostPerSecond = -1;

    TopScreen(boolean color, boolean unicode, boolean interactive) {
        this.color = color;
        this.unicode = unicode;
        this.interactive = interactive;
    }

    boolean frozen() { return frozen != null; }

    /** Freezes the view on {@code now}, or unfreezes it. */
    void toggleFreeze(FeedState now) { frozen = frozen == null ? now : null; }

    // ---- styles ----

    private AttributedStyle plain() { return AttributedStyle.DEFAULT; }
    private AttributedStyle bold() { return AttributedStyle.DEFAULT.bold(); }
    private AttributedStyle dim() { return AttributedStyle.DEFAULT.faint(); }
    private AttributedStyle fg(int c) { return color ? AttributedStyle.DEFAULT.foreground(c) : AttributedStyle.DEFAULT; }
    private AttributedStyle title() { return color ? AttributedStyle.DEFAULT.bold().foreground(AttributedStyle.CYAN) : bold(); }
    private AttributedStyle bad() { return color ? AttributedStyle.DEFAULT.bold().foreground(AttributedStyle.RED) : bold(); }

    // ---- frame ----

    /** One frame for a {@code width}×{@code height} screen (height ≥ 10_000: everything, for plain output). */
    List<AttributedString> render(FeedState live, int width, int height) {
        width = Math.max(width, 40);
        height = Math.max(height, 8);
        FeedState s = frozen != null ? frozen : live;
        noteRates(s);
        List<AttributedString> out = new ArrayList<>();
        header(out, s, live, width);
        int footer = interactive ? 1 : 0;
        int body = height - out.size() - footer;
        if (help) {
            help(out, width, body);
        } else if (s.stats() == null) {
            waiting(out, s, width);
        } else if (panelsOnly) {
            panels(out, s, width, body, true);
        } else {
            body(out, s, width, body);
        }
        if (interactive) {
            while (out.size() < height - 1) out.add(AttributedString.EMPTY);
            if (out.size() > height - 1) out.subList(height - 1, out.size()).clear();
            out.add(footer(s, width));
        }
        return out;
    }

    private void noteRates(FeedState s) {
        StatsSnapshot st = s.stats();
        if (st == null) return;
        if (!java.util.Objects.equals(rateSession, s.current())) {
            rateSession = s.current();
            lastTakenAt = 0;
            dropsPerSecond = lostPerSecond = -1;
        }
        if (st.takenAtMs() == lastTakenAt) return;
        long lost = st.source() == null ? 0 : st.source().lostEvents();
        if (lastTakenAt != 0 && st.uptimeSeconds() > lastUptime) {
            double dt = st.uptimeSeconds() - lastUptime;
            dropsPerSecond = Math.max(0, (st.drops() - lastDrops) / dt);
            lostPerSecond = Math.max(0, (lost - lastLost) / dt);
        }
        lastTakenAt = st.takenAtMs();
        lastUptime = st.uptimeSeconds();
        lastDrops = st.drops();
        lastLost = lost;
    }

    private void header(List<AttributedString> out, FeedState s, FeedState live, int w) {
        AttributedStringBuilder a = new AttributedStringBuilder();
        a.style(bold()).append("skbscope top").style(plain());
        SessionInfo info = s.currentInfo();
        if (s.current() != null) {
            a.append("  ").style(bold()).append(s.current()).style(plain());
            int idx = info == null ? -1 : s.sessions().indexOf(info);
            if (s.sessions().size() > 1 && idx >= 0) a.append(" (" + (idx + 1) + "/" + s.sessions().size() + ")");
            String mode = s.stats() != null ? s.stats().mode() : info != null ? info.mode() : null;
            if (mode != null && !mode.isEmpty()) a.append("  " + mode);
            if (info != null && !info.sourceKind().isEmpty()) a.append("  " + info.sourceKind());
            if (info != null && !info.state().isEmpty()) {
                a.append("  ");
                a.style(info.state().equals("running") ? fg(AttributedStyle.GREEN) : fg(AttributedStyle.YELLOW))
                        .append(info.state()).style(plain());
            }
        }
        String right = connection(live) + "  " + LocalTime.now().format(CLOCK);
        if (frozen != null) right = "FROZEN  " + right;
        if (a.columnLength() + 2 + s.source().length() + right.length() + 1 <= w) a.append("  " + s.source());
        out.add(rightAligned(a, right, w, live.connection() == Connection.DISCONNECTED ? bad()
                : live.connection() == Connection.LIVE ? fg(AttributedStyle.GREEN) : fg(AttributedStyle.YELLOW)));

        AttributedStringBuilder b = new AttributedStringBuilder();
        StatsSnapshot st = s.stats();
        if (st != null) {
            double dropRate = st.totalPackets() == 0 ? 0 : (double) st.drops() / st.totalPackets();
            int k = st.source() == null ? 1 : Math.max(1, st.source().sampleOneIn());
            long lost = st.source() == null ? 0 : st.source().lostEvents();
            b.append("up " + Fmt.duration(st.uptimeSeconds()));
            b.append("  pkts/s ").style(bold()).append(Fmt.rate(st.packetsPerSecond())).style(plain());
            b.append("  drops ");
            b.style(st.drops() > 0 ? bad() : plain()).append(Fmt.pct(dropRate)).style(plain());
            if (dropsPerSecond >= 0) b.append(" " + Fmt.rate(dropsPerSecond) + "/s");
            b.append("  in-flight " + Fmt.count(st.inFlightTotal()));
            b.append("  sampling ").append(k == 1 ? "none" : "1 in " + k);
            b.append("  lost ");
            b.style(lost > 0 ? bad() : plain()).append(Fmt.count(lost)).style(plain());
            if (lostPerSecond > 0) b.append(" " + Fmt.rate(lostPerSecond) + "/s");
            String pkts = "  pkts " + Fmt.count(st.totalPackets());
            if (b.columnLength() + pkts.length() <= w) b.append(pkts);
        }
        out.add(cut(b, w));
        String detail = live.detail();
        if (detail != null && !detail.isEmpty()) {
            AttributedStringBuilder d = new AttributedStringBuilder();
            d.style(live.connection() == Connection.DISCONNECTED || live.connection() == Connection.ENDED && detail.contains("fail")
                    ? bad() : fg(AttributedStyle.YELLOW)).append(detail);
            out.add(cut(d, w));
        }
    }

    private String connection(FeedState s) {
        String dot = unicode ? "● " : "* ";
        return switch (s.connection()) {
            case LIVE -> dot + "live";
            case CONNECTING -> (unicode ? "○ " : "o ") + "connecting";
            case DISCONNECTED -> (unicode ? "✖ " : "x ") + "disconnected";
            case ENDED -> (unicode ? "■ " : "# ") + "ended";
        };
    }

    private void waiting(List<AttributedString> out, FeedState s, int w) {
        out.add(AttributedString.EMPTY);
        String msg = s.connection() == Connection.DISCONNECTED ? "no stats yet: the source is not reachable"
                : s.current() == null ? "no session to show yet" : "waiting for the first stats of " + s.current() + "...";
        out.add(cut(new AttributedStringBuilder().style(dim()).append("  " + msg), w));
    }

    // ---- the body: pipeline and panels ----

    private void body(List<AttributedString> out, FeedState s, int w, int rows) {
        StatsSnapshot st = s.stats();
        boolean side = w >= 80 + SIDE_WIDTH + 2;
        int pipeWidth = side ? w - SIDE_WIDTH - 2 : w;
        List<Panel> panels = panelsOf(s, side ? SIDE_WIDTH : panelWidth(w, s));
        List<Row> all = rows(st);
        int panelRows = 0;       // rows below the pipeline: a blank line and the panels, or a summary line
        boolean summary = false;
        if (!side) {
            // the pipeline first: panels get what is left when every node fits (folded if need be)
            int pipeFull = all.size() + 1;
            int pipeMin = fit(all, 0).size() + 1;
            int panelFull = panelHeight(panels, rows);
            if (pipeFull + 1 + panelFull <= rows || pipeMin + 1 + panelFull <= rows) panelRows = panelFull + 1;
            else if (pipeMin + 1 + 4 <= rows) panelRows = rows - pipeMin;
            else if (pipeMin + 1 <= rows) { panelRows = 1; summary = true; }
        }
        int pipeRows = rows - panelRows;
        List<AttributedString> pipe = pipeline(st, all, pipeWidth, pipeRows, s.stats() != null && frozen == null && s.connection() != Connection.LIVE);
        if (side) {
            List<AttributedString> right = stackPanels(panels, SIDE_WIDTH, rows);
            for (int i = 0; i < Math.max(pipe.size(), right.size()) && i < rows; i++) {
                AttributedStringBuilder l = new AttributedStringBuilder();
                AttributedString left = i < pipe.size() ? pipe.get(i) : AttributedString.EMPTY;
                l.append(left);
                pad(l, pipeWidth - left.columnLength() + 2);
                if (i < right.size()) l.append(right.get(i));
                out.add(l.toAttributedString());
            }
        } else {
            out.addAll(pipe);
            if (summary) {
                out.add(summary(st, w));
            } else if (panelRows > 1) {
                out.add(AttributedString.EMPTY);
                panels(out, s, w, panelRows - 1, false);
            }
        }
    }

    /** A row of the pipeline table: a section title, a node, or a folded group of nodes. */
    private record Row(String title, NodeStats node, String folded, boolean dim) { }

    private List<Row> rows(StatsSnapshot st) {
        List<Row> rows = new ArrayList<>();
        List<NodeStats> nodes = new ArrayList<>();
        for (NodeStats n : inPipelineOrder(st)) if (n.path() != null || n.count() > 0) nodes.add(n);
        if (sort == Sort.PIPELINE) {
            for (String p : PATHS) {
                rows.add(new Row(PATH_TITLES.get(p), null, null, false));
                for (NodeStats n : nodes) if (p.equals(n.path())) rows.add(new Row(null, n, null, !n.observable()));
            }
            for (NodeStats n : nodes) if (n.path() == null) rows.add(new Row(null, n, null, false));
        } else {
            ToDoubleFunction<NodeStats> key = switch (sort) {
                case RATE -> NodeStats::packetsPerSecond;
                case P99 -> n -> n.samples() == 0 ? -1 : n.p99Us();
                case DROPS -> n -> n.drops();
                case IN_FLIGHT -> n -> n.inFlight();
                default -> n -> n.count();
            };
            nodes.sort(Comparator.comparing((NodeStats n) -> !n.observable())
                    .thenComparing(Comparator.comparingDouble(key).reversed()));
            for (NodeStats n : nodes) rows.add(new Row(null, n, null, !n.observable()));
        }
        return rows;
    }

    /** Makes the rows fit: drops section titles, then folds idle and unobservable nodes, then scrolls. */
    private List<Row> fit(List<Row> rows, int max) {
        if (rows.size() <= max) return rows;
        List<Row> r = new ArrayList<>(rows.stream().filter(x -> x.title() == null).toList());
        if (r.size() <= max) return r;
        r = fold(r, n -> n.observable() && n.count() == 0 && n.inFlight() == 0, "idle: ", false);
        if (r.size() <= max) return r;
        return fold(r, n -> !n.observable(), "not observable: ", true);
    }

    private List<Row> fold(List<Row> rows, java.util.function.Predicate<NodeStats> which, String prefix, boolean dim) {
        List<Row> out = new ArrayList<>();
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.node() != null && which.test(r.node())) {
                String reason = r.node().observable() ? "" : String.valueOf(r.node().unobservedReason());
                byReason.computeIfAbsent(reason, k -> new ArrayList<>()).add(shortLabel(r.node().label()));
            } else {
                out.add(r);
            }
        }
        for (var e : byReason.entrySet())
            out.add(new Row(null, null, prefix + String.join(", ", e.getValue()) + (e.getKey().isEmpty() ? "" : " (" + e.getKey() + ")"), dim));
        return out;
    }

    private List<AttributedString> pipeline(StatsSnapshot st, List<Row> all, int w, int rows, boolean stale) {
        List<AttributedString> out = new ArrayList<>();
        if (rows <= 1) return out;
        int labelW = w >= 100 ? 21 : 16;
        int fixed = 1 + labelW + 8 * 3 + 7 + 8 + 7;   // indent, label, count/pkts-s/p50, infl, p99, drops
        int barW = Math.max(0, Math.min(40, w - fixed - 2));
        AttributedStringBuilder h = new AttributedStringBuilder().style(bold());
        h.append(String.format(Locale.ROOT, " %-" + labelW + "s %7s %7s %6s %7s %7s %6s", "NODE", "COUNT", "PKTS/S", "INFL",
                "P50", "P99", "DROPS"));
        if (barW > 3) h.append("  " + (sort == Sort.PIPELINE ? "rate" : "sort: " + sort.label));
        out.add(cut(h, w));
        List<Row> shown = fit(all, rows - 1);
        int room = rows - 1;
        int first = 0;
        if (shown.size() > room) {
            scroll = Math.max(0, Math.min(scroll, shown.size() - (room - 1)));
            first = scroll;
            room -= 1;   // the "more" line
        } else {
            scroll = 0;
        }
        double maxRate = 0, maxCount = 0;
        for (NodeStats n : st.nodes().values()) {
            maxRate = Math.max(maxRate, n.packetsPerSecond());
            maxCount = Math.max(maxCount, n.count());
        }
        for (int i = first; i < shown.size() && out.size() - 1 < room; i++) {
            Row r = shown.get(i);
            AttributedStringBuilder l = new AttributedStringBuilder();
            if (r.title() != null) {
                l.style(title()).append(r.title());
            } else if (r.folded() != null) {
                l.style(r.dim() ? dim() : plain()).append(" " + r.folded());
            } else {
                node(l, r.node(), labelW, barW, maxRate, maxCount, stale, w);
            }
            out.add(cut(l, w));
        }
        if (shown.size() > room + first || first > 0) {
            int below = Math.max(0, shown.size() - first - room);
            out.add(cut(new AttributedStringBuilder().style(dim()).append(String.format(Locale.ROOT,
                    " %s %d more rows %s (%s to scroll)", unicode ? "↕" : "+/-", below + first,
                    first > 0 ? "(" + first + " above)" : "", unicode ? "↑/↓" : "up/down")), w));
        }
        return out;
    }

    private void node(AttributedStringBuilder l, NodeStats n, int labelW, int barW, double maxRate, double maxCount, boolean stale, int w) {
        String label = labelW < 21 ? shortLabel(n.label()) : n.label();
        if (!n.observable()) {
            String head = " " + pad(Fmt.fit(label, labelW, unicode), labelW) + " not observable: ";
            // the reason cut with a mark where the line ends (the panels may stand beside it), not mid-word unseen
            l.style(dim()).append(head + Fmt.fit(String.valueOf(n.unobservedReason()), w - head.length(), unicode));
            return;
        }
        boolean idle = n.count() == 0 && n.inFlight() == 0;
        AttributedStyle base = idle || stale ? dim() : plain();
        l.style(base).append(" " + pad(Fmt.fit(label, labelW, unicode), labelW));
        l.append(String.format(Locale.ROOT, " %7s %7s %6s %7s %7s ", Fmt.count(n.count()), Fmt.rate(n.packetsPerSecond()),
                Fmt.count(n.inFlight()), n.samples() == 0 ? "-" : Fmt.us(n.p50Us(), unicode),
                n.samples() == 0 ? "-" : Fmt.us(n.p99Us(), unicode)));
        l.style(n.drops() > 0 ? bad() : base).append(String.format(Locale.ROOT, "%6s", Fmt.count(n.drops())));
        if (barW > 3) {
            l.style(base).append("  ");
            double frac = maxRate > 0 ? n.packetsPerSecond() / maxRate : maxCount > 0 ? n.count() / maxCount : 0;
            double dropShare = n.packets() > 0 ? Math.min(1, (double) n.drops() / n.packets()) : n.drops() > 0 ? 1 : 0;
            bar(l, frac, dropShare, barW, base);
        }
    }

    /** A horizontal bar of {@code frac} of {@code width} cells, its dropped share drawn apart (red, or ▒ without colour). */
    private void bar(AttributedStringBuilder l, double frac, double dropShare, int width, AttributedStyle base) {
        double cells = Math.max(0, Math.min(1, frac)) * width;
        int full = (int) cells;
        int eighths = (int) Math.round((cells - full) * 8);
        if (eighths == 8) { full++; eighths = 0; }
        int dropCells = dropShare > 0 ? Math.max(1, (int) Math.round(full * dropShare)) : 0;
        if (dropShare > 0 && full == 0) { full = 1; eighths = 0; }
        dropCells = Math.min(dropCells, full);
        String block = unicode ? "█" : "#";
        AttributedStyle pass = color ? base.foreground(AttributedStyle.GREEN) : base;
        l.style(pass).append(block.repeat(full - dropCells));
        if (dropCells > 0) l.style(color ? bad() : base).append((color ? block : unicode ? "▒" : "x").repeat(dropCells));
        if (eighths > 0 && unicode && dropCells == 0) l.style(pass).append(String.valueOf("▏▎▍▌▋▊▉".charAt(eighths - 1)));
        l.style(plain());
    }

    // ---- panels ----

    private record Panel(String title, List<AttributedString> lines) { }

    private List<Panel> panelsOf(FeedState s, int width) {
        StatsSnapshot st = s.stats();
        List<Panel> p = new ArrayList<>();
        p.add(new Panel("VERDICTS", shares(st.totalVerdicts(), width, true)));
        p.add(new Panel("TOP DROP REASONS", shares(st.dropReasons(), width, false)));
        List<AttributedString> fns = new ArrayList<>();
        long total = st.topFunctions().values().stream().mapToLong(Long::longValue).sum();
        st.topFunctions().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> fns.add(entry(e.getKey(), e.getValue(), total, width, false)));
        if (fns.isEmpty()) fns.add(none("none yet"));
        p.add(new Panel("TOP FUNCTIONS", fns));
        if (s.alerts() != null) {
            List<AttributedString> al = new ArrayList<>();
            for (AlertLine a : s.alerts()) {
                AttributedStringBuilder b = new AttributedStringBuilder();
                b.style(a.severity().equalsIgnoreCase("critical") || a.severity().equalsIgnoreCase("error") ? bad() : fg(AttributedStyle.YELLOW))
                        .append(Fmt.fit((a.severity().isEmpty() ? "" : a.severity() + " ") + a.name()
                                + (a.subject().isEmpty() ? "" : " " + a.subject()) + (a.value().isEmpty() ? "" : " = " + a.value()),
                                width, unicode));
                al.add(b.toAttributedString());
            }
            if (al.isEmpty()) al.add(none("none firing"));
            p.add(0, new Panel("FIRING ALERTS", al));
        }
        return p;
    }

    /** Verdicts and drop reasons on one line, when the panels do not fit. */
    private AttributedString summary(StatsSnapshot st, int w) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        b.style(title()).append("verdicts ").style(plain());
        long vt = st.totalVerdicts().values().stream().mapToLong(Long::longValue).sum();
        st.totalVerdicts().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(3)
                .forEach(e -> b.append(e.getKey() + " " + Fmt.pct((double) e.getValue() / vt) + "  "));
        if (vt == 0) b.append("none  ");
        b.style(title()).append("drops ").style(plain());
        long dt = st.dropReasons().values().stream().mapToLong(Long::longValue).sum();
        st.dropReasons().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(3)
                .forEach(e -> b.append(e.getKey() + " " + Fmt.pct((double) e.getValue() / dt) + "  "));
        if (dt == 0) b.append("none  ");
        if (interactive) b.style(dim()).append("(p: panels)");
        return cut(b, w);
    }

    private List<AttributedString> shares(Map<String, Long> m, int width, boolean verdicts) {
        List<AttributedString> out = new ArrayList<>();
        long total = m.values().stream().mapToLong(Long::longValue).sum();
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.add(entry(e.getKey(), e.getValue(), total, width, verdicts && e.getKey().equals("DROP"))));
        if (out.isEmpty()) out.add(none("none"));
        return out;
    }

    private AttributedString entry(String name, long n, long total, int width, boolean red) {
        String right = Fmt.count(n) + (total > 0 ? " " + pad(Fmt.pct((double) n / total), 4) : "");
        int nameW = Math.max(4, width - right.length() - 1);
        AttributedStringBuilder b = new AttributedStringBuilder();
        b.style(red ? bad() : plain()).append(pad(Fmt.fit(name, nameW, unicode), nameW)).append(" ").append(right);
        return b.toAttributedString();
    }

    private AttributedString none(String text) { return new AttributedStringBuilder().style(dim()).append(text).toAttributedString(); }

    private int panelWidth(int w, FeedState s) {
        int n = s.alerts() != null ? 4 : 3;
        return Math.max(18, (w - (n - 1) * 2) / n);
    }

    private static int panelHeight(List<Panel> panels, int rows) {
        int h = 0;
        for (Panel p : panels) h = Math.max(h, p.lines().size() + 1);
        return Math.min(h, Math.max(4, Math.min(9, rows / 3)));
    }

    /** Panels side by side in columns (below the pipeline), or all of them stacked (panels view). */
    private void panels(List<AttributedString> out, FeedState s, int w, int rows, boolean full) {
        if (full) {
            List<Panel> panels = panelsOf(s, Math.min(w, 60));
            out.addAll(stackPanels(panels, Math.min(w, 60), rows));
            return;
        }
        int pw = panelWidth(w, s);
        List<Panel> panels = panelsOf(s, pw);
        int cols = Math.max(1, Math.min(panels.size(), (w + 2) / (pw + 2)));
        for (int i = 0; i < rows; i++) {
            AttributedStringBuilder l = new AttributedStringBuilder();
            for (int c = 0; c < cols; c++) {
                Panel p = panels.get(c);
                AttributedString cell = i == 0 ? new AttributedStringBuilder().style(title()).append(Fmt.fit(p.title(), pw, unicode)).toAttributedString()
                        : i - 1 < p.lines().size() ? p.lines().get(i - 1) : AttributedString.EMPTY;
                if (i == rows - 1 && p.lines().size() > rows - 1)
                    cell = none("+" + (p.lines().size() - rows + 2) + " more");
                l.append(cell);
                if (c < cols - 1) pad(l, pw - cell.columnLength() + 2);
            }
            out.add(cut(l, w));
        }
    }

    private List<AttributedString> stackPanels(List<Panel> panels, int w, int rows) {
        List<AttributedString> out = new ArrayList<>();
        int left = rows;
        for (int i = 0; i < panels.size() && left > 1; i++) {
            Panel p = panels.get(i);
            int share = Math.max(2, Math.min(p.lines().size() + 1, i == panels.size() - 1 ? left : Math.max(3, left / (panels.size() - i))));
            out.add(new AttributedStringBuilder().style(title()).append(p.title()).toAttributedString());
            int n = Math.min(p.lines().size(), share - 1);
            for (int k = 0; k < n; k++) out.add(cutTo(p.lines().get(k), w));
            left -= n + 1;
            if (left > 1 && i < panels.size() - 1) {
                out.add(AttributedString.EMPTY);
                left--;
            }
        }
        return out;
    }

    // ---- help and footer ----

    private void help(List<AttributedString> out, int w, int rows) {
        String[] lines = {
                "KEYS",
                "  q, Ctrl-C       quit",
                "  s               sort the nodes: pipeline order, pkts/s, p99, drops, in-flight, count",
                "  f, space        freeze the view (numbers keep arriving; f again shows them)",
                "  Tab, n / N      next / previous session (server); 1-9 pick one",
                "  p               panels only (verdicts, drop reasons, functions, alerts)",
                "  Up/Down, PgUp/PgDn   scroll the node list when it does not fit",
                "  ?, h, Esc       this help / back",
                "",
                "COLUMNS",
                "  COUNT  events at the node     PKTS/S  new packets over the last second",
                "  INFL   packets whose latest node this is     P50/P99  time spent at the node",
                "  DROPS  packets dropped here; the bar is pkts/s (dropped share " + (color ? "red" : unicode ? "▒" : "x") + ")",
                "  Dimmed nodes cannot be observed on this kernel; the reason is shown.",
        };
        for (int i = 0; i < lines.length && i < rows; i++)
            out.add(cut(new AttributedStringBuilder().style(i == 0 || i == 9 ? title() : plain()).append(lines[i]), w));
    }

    private AttributedString footer(FeedState s, int w) {
        AttributedStringBuilder f = new AttributedStringBuilder().style(AttributedStyle.DEFAULT.inverse());
        String text = " q quit  s sort:" + sort.label + "  f " + (frozen != null ? "unfreeze" : "freeze")
                + (s.sessions().size() > 1 ? "  Tab session" : "") + "  p " + (panelsOnly ? "pipeline" : "panels") + "  ? help";
        f.append(pad(Fmt.fit(text, w, unicode), w));
        return f.toAttributedString();
    }

    // ---- helpers ----

    /** The nodes in pipeline order, whatever order the stats arrived in (a Socket.IO client may not keep it). */
    static List<NodeStats> inPipelineOrder(StatsSnapshot st) {
        List<NodeStats> out = new ArrayList<>();
        for (dev.skbscope.engine.PipelineNode p : dev.skbscope.engine.PipelineNode.values()) {
            NodeStats n = st.nodes().get(p.id());
            if (n != null) out.add(n);
        }
        for (NodeStats n : st.nodes().values()) if (dev.skbscope.engine.PipelineNode.byId(n.id()) == null) out.add(n);
        return out;
    }

    static String shortLabel(String label) {
        return label.replace("Netfilter ", "NF ").replace("Routing Decision", "Routing Decis.");
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    private static void pad(AttributedStringBuilder b, int n) {
        if (n > 0) b.style(AttributedStyle.DEFAULT).append(" ".repeat(n));
    }

    private AttributedString rightAligned(AttributedStringBuilder left, String right, int w, AttributedStyle rightStyle) {
        int room = w - right.length() - 1;
        AttributedString l = left.toAttributedString();
        if (l.columnLength() > room) l = l.columnSubSequence(0, Math.max(0, room));
        AttributedStringBuilder b = new AttributedStringBuilder().append(l);
        pad(b, w - l.columnLength() - right.length());
        b.style(rightStyle).append(right);
        return cutTo(b.toAttributedString(), w);
    }

    private static AttributedString cut(AttributedStringBuilder b, int w) { return cutTo(b.toAttributedString(), w); }

    private static AttributedString cutTo(AttributedString s, int w) {
        return s.columnLength() <= w ? s : s.columnSubSequence(0, w);
    }
}

package dev.skbscope.cli.top;

import dev.skbscope.cli.top.FeedState.AlertLine;
import dev.skbscope.cli.top.FeedState.Connection;
import dev.skbscope.cli.top.FeedState.SessionInfo;
import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.sources.synthetic.SyntheticConfig;
import dev.skbscope.sources.synthetic.SyntheticSource;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Frames of {@code top} at several sizes and styles, from real engine stats. */
class TopScreenTest {
    /** The kernel source's reason on this kernel: longer than a narrow pipeline column. */
    static final String REASON = "no tracepoint carries the packet here and this kernel refuses fentry/kprobe programs";
    static StatsSnapshot stats;

    @BeforeAll
    static void synthetic() {
        try (SyntheticSource src = new SyntheticSource(new SyntheticConfig(20_000, 4, 0.05, 1, false))) {
            SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("session_7", "full"), src.counters());
            t.nodeUnobservable("tc_ingress", "no tracepoint here and fentry is refused");
            t.nodeUnobservable("nat_prerouting", REASON);
            EventBatch b = new EventBatch(4096);
            while (src.poll(b) >= 0) {
                t.ingest(b);
                b.reset();
            }
            stats = t.snapshot();
        }
    }

    static FeedState state(Connection c, String detail, List<AlertLine> alerts) {
        return new FeedState("server 127.0.0.1:5000", c, detail,
                List.of(new SessionInfo("session_6", "stopped", "full", "replay"), new SessionInfo("session_7", "running", "full", "synthetic")),
                "session_7", stats, System.nanoTime(), alerts);
    }

    static List<String> text(List<AttributedString> lines) { return lines.stream().map(AttributedString::toString).toList(); }

    @Test
    void aLargeScreenShowsEveryNodeWithHeaderAndPanels() {
        TopScreen screen = new TopScreen(true, true, true);
        List<String> lines = text(screen.render(state(Connection.LIVE, null, null), 160, 50));
        assertThat(lines).hasSize(50);
        String all = String.join("\n", lines);
        assertThat(lines.get(0)).startsWith("skbscope top  session_7 (2/2)  full  synthetic  running").contains("live");
        assertThat(lines.get(1)).contains("pkts/s", "drops", "in-flight", "sampling none", "lost 0");
        for (PipelineNode n : PipelineNode.PIPELINE) assertThat(all).contains(" " + n.label() + " ");
        assertThat(all).contains("VERDICTS", "TOP DROP REASONS", "TOP FUNCTIONS", "NETFILTER_DROP", "NO_SOCKET")
                .contains("not observable: no tracepoint here and fentry is refused")
                .doesNotContain("FIRING ALERTS");   // this server offers no alerts
        assertThat(lines.getLast()).contains("q quit", "s sort", "f freeze", "Tab session", "? help");
    }

    @Test
    void eightyByTwentyFourKeepsHeaderAndPipelineWithinTheScreen() {
        TopScreen screen = new TopScreen(true, true, true);
        List<AttributedString> frame = screen.render(state(Connection.LIVE, null, null), 80, 24);
        assertThat(frame).hasSize(24);
        for (AttributedString l : frame) assertThat(l.columnLength()).isLessThanOrEqualTo(80);
        List<String> lines = text(frame);
        assertThat(lines.get(0)).startsWith("skbscope top  session_7");
        assertThat(lines.get(2)).startsWith(" NODE");
        String all = String.join("\n", lines);
        for (String label : List.of("Driver (NAPI)", "Conntrack", "NF INPUT", "Socket", "Application", "NIC"))
            assertThat(all).contains(label);
    }

    @Test
    void aLongReasonIsCutWithAMarkBeforeThePanelsBesideIt() {
        TopScreen screen = new TopScreen(false, true, true);
        List<String> lines = text(screen.render(state(Connection.LIVE, null, null), 120, 40));
        String nat = lines.stream().filter(l -> l.startsWith(" NAT PREROUTING ")).findFirst().orElseThrow();
        int panels = lines.get(2).indexOf("VERDICTS");
        assertThat(panels).isPositive();
        String cell = nat.substring(0, panels).stripTrailing();
        assertThat(cell).contains("not observable: no tracepoint carries").endsWith("…").hasSizeLessThan(panels);
    }

    @Test
    void noColourMeansNoColourCodesAndAsciiMeansAscii() {
        TopScreen screen = new TopScreen(false, false, true);
        List<AttributedString> frame = screen.render(state(Connection.LIVE, null, null), 120, 40);
        for (AttributedString l : frame) {
            assertThat(l.toAnsi()).doesNotContainPattern("\u001b\\[[0-9;]*3[0-9]m");   // no foreground colours
            assertThat(l.toString()).matches("[\\x20-\\x7e]*");
        }
    }

    @Test
    void aLostServerIsSaidAndItsLastNumbersStay() {
        TopScreen screen = new TopScreen(false, true, true);
        List<String> lines = text(screen.render(state(Connection.DISCONNECTED,
                "disconnected: cannot connect to 127.0.0.1:5000 (Connection refused), retrying", null), 100, 40));
        assertThat(lines.get(0)).contains("disconnected");
        assertThat(lines.get(2)).contains("Connection refused");
        assertThat(String.join("\n", lines)).contains("Conntrack");
    }

    @Test
    void alertsPanelAppearsWhenTheServerOffersAlerts() {
        TopScreen screen = new TopScreen(false, true, true);
        String none = String.join("\n", text(screen.render(state(Connection.LIVE, null, List.of()), 160, 50)));
        assertThat(none).contains("FIRING ALERTS", "none firing");
        String firing = String.join("\n", text(screen.render(state(Connection.LIVE, null,
                List.of(new AlertLine("critical", "high_drop_rate", "nf_input", "0.12"))), 160, 50)));
        assertThat(firing).contains("critical high_drop_rate nf_input");
    }

    @Test
    void sortFreezeHelpAndPlainFrames() {
        TopScreen screen = new TopScreen(false, true, true);
        screen.sort = TopScreen.Sort.P99;
        List<String> sorted = text(screen.render(state(Connection.LIVE, null, null), 120, 40));
        assertThat(sorted.get(2)).contains("sort: p99");
        assertThat(String.join("\n", sorted)).doesNotContain("INBOUND");
        screen.toggleFreeze(state(Connection.LIVE, null, null));
        assertThat(text(screen.render(state(Connection.LIVE, null, null), 120, 40)).get(0)).contains("FROZEN");
        screen.help = true;
        assertThat(String.join("\n", text(screen.render(state(Connection.LIVE, null, null), 120, 40)))).contains("KEYS", "quit");

        TopScreen plain = new TopScreen(false, true, false);
        List<String> frame = text(plain.render(state(Connection.LIVE, null, null), 100, 10_000));
        assertThat(frame.getLast()).doesNotContain("q quit");
        assertThat(String.join("\n", frame)).contains("INBOUND", "LOCAL DELIVERY", "FORWARD", "OUTBOUND", "VERDICTS");
    }
}

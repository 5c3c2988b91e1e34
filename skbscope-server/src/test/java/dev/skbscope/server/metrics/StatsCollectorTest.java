package dev.skbscope.server.metrics;

import dev.skbscope.server.ServerJson;
import dev.skbscope.server.session.Session;
import dev.skbscope.server.session.SessionRegistry;
import dev.skbscope.server.session.SessionSpecParser;
import dev.skbscope.server.socketio.SocketIoMetrics;
import dev.skbscope.server.stats.TickSchedule;
import dev.skbscope.server.store.SessionStore;
import dev.skbscope.sources.synthetic.SyntheticConfig;
import dev.skbscope.sources.synthetic.SyntheticSource;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The exposition's bounds: session cap, grace period of stopped sessions, drop-series budget, label sets. */
class StatsCollectorTest {
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

    @TempDir Path dir;
    private SessionRegistry registry;
    private Instant now = Instant.now();
    private final InstantSource clock = () -> now;

    private SessionRegistry registry() throws IOException {
        registry = new SessionRegistry(new SessionStore(dir), new SessionSpecParser(List.of(dir)),
                spec -> new SyntheticSource(new SyntheticConfig(2_000, 1, 0.2, 0, true)), 64, 60_000,
                TickSchedule.everyMillisFromNow(100));
        return registry;
    }

    @AfterEach
    void close() {
        if (registry != null) registry.close();
    }

    private String scrape(StatsCollector c) throws IOException {
        PrometheusRegistry r = new PrometheusRegistry();
        r.register(c);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, r.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
        return out.toString(StandardCharsets.UTF_8);
    }

    private Session start(String id) {
        Session s = registry.create(ServerJson.MAPPER.createObjectNode().put("id", id).put("record", false)
                .set("source", ServerJson.MAPPER.createObjectNode().put("kind", "synthetic")));
        awaitEvents(s);
        return s;
    }

    private static void awaitEvents(Session s) {
        long end = System.nanoTime() + 10_000_000_000L;
        while (s.published() == null || s.published().snapshot().totalEvents() == 0) {
            if (System.nanoTime() > end) throw new AssertionError("no events in " + s.id());
            LockSupport.parkNanos(10_000_000);
        }
    }

    @Test
    void aStoppedSessionsSeriesStayForTheGracePeriodThenGo() throws Exception {
        registry();
        StatsCollector c = new StatsCollector(registry, new SocketIoMetrics(), java.util.Map::of, new MetricsPolicy(64, Duration.ofMinutes(5), 64), clock, "t");
        start("a");
        registry.stop("a");
        Instant stopped = registry.get("a").stoppedAt();
        now = stopped.plus(Duration.ofMinutes(5));
        assertThat(scrape(c)).contains("skbscope_node_packets_total{node=\"nf_prerouting\",session=\"a\"}");
        now = stopped.plus(Duration.ofMinutes(5)).plusMillis(1);
        String m = scrape(c);
        assertThat(m).doesNotContain("session=\"a\"").contains("skbscope_sessions{state=\"stopped\"} 1.0");
    }

    @Test
    void sessionsPastTheCapAreCountedNotExported() throws Exception {
        registry();
        StatsCollector c = new StatsCollector(registry, new SocketIoMetrics(), java.util.Map::of, new MetricsPolicy(2, Duration.ofMinutes(5), 64), clock, "t");
        start("first");
        start("second");
        start("third");
        String m = scrape(c);
        assertThat(m).contains("session=\"first\"", "session=\"second\"").doesNotContain("session=\"third\"")
                .contains("skbscope_metrics_omitted_sessions 1.0");
        registry.stop("first"); // a running session takes precedence over a stopped one
        assertThat(scrape(c)).contains("session=\"second\"", "session=\"third\"").doesNotContain("session=\"first\"");
    }

    @Test
    void dropReasonsPastTheBudgetAreSummedIntoOther() throws Exception {
        registry();
        StatsCollector c = new StatsCollector(registry, new SocketIoMetrics(), java.util.Map::of, new MetricsPolicy(64, Duration.ofMinutes(5), 1), clock, "t");
        Session s = start("d");
        long end = System.nanoTime() + 10_000_000_000L;
        while (s.published().snapshot().dropReasons().size() < 2 && System.nanoTime() < end) LockSupport.parkNanos(10_000_000);
        registry.stop("d");
        String m = scrape(c);
        Set<String> reasons = new TreeSet<>();
        double sum = 0;
        for (String line : m.lines().filter(l -> l.startsWith("skbscope_drops_total{")).toList()) {
            Matcher lm = Pattern.compile("reason=\"([^\"]*)\"").matcher(line);
            assertThat(lm.find()).isTrue();
            reasons.add(lm.group(1));
            sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        assertThat(reasons).hasSize(2).contains("other");
        assertThat(sum).isEqualTo((double) s.published().snapshot().drops());
    }

    @Test
    void labelsComeOnlyFromBoundedSets() throws Exception {
        registry();
        StatsCollector c = new StatsCollector(registry, new SocketIoMetrics(), java.util.Map::of, MetricsPolicy.DEFAULT, clock, "0.1.0");
        start("s1");
        Set<String> names = new TreeSet<>();
        Matcher m = LABEL.matcher(scrape(c));
        while (m.find()) {
            names.add(m.group(1));
            assertThat(m.group(2)).as("label %s", m.group(1)).doesNotMatch("\\d+\\.\\d+\\.\\d+\\.\\d+(:\\d+)?|.*:\\d{2,5}");
        }
        assertThat(Set.of("session", "node", "hook", "verdict", "reason", "mode", "state", "version", "le")).containsAll(names);
    }
}

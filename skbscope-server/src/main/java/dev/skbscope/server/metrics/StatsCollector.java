package dev.skbscope.server.metrics;

import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.StatsSnapshot.LatencyBuckets;
import dev.skbscope.engine.StatsSnapshot.NodeStats;
import dev.skbscope.server.session.Session;
import dev.skbscope.server.session.SessionRegistry;
import dev.skbscope.server.session.SessionState;
import dev.skbscope.server.socketio.SocketIoMetrics;
import dev.skbscope.server.stats.PublishedStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Prometheus view of the sessions, built at scrape time from each session's latest published
 * {@link StatsSnapshot} (nothing is counted on the event path, and a scrape takes no snapshot).
 * Thread-safe: scrapes may run concurrently. Sessions loaded from disk and not restarted are only
 * counted in {@code skbscope_sessions}.
 *
 * <p>Cardinality is bounded by construction: label values come only from bounded sets (node ids,
 * hooks, verdicts, session modes and states, alert rules and severities, drop reasons under a
 * per-session budget, and the ids of at most {@link MetricsPolicy#maxSessions()} sessions, each
 * dropped a grace period after it stops); never an address, port or anything else taken from packets.
 */
public final class StatsCollector implements MultiCollector {
    private static final double[] BOUNDS_SECONDS = LatencyBuckets.UPPER_BOUNDS_US.stream()
            .mapToDouble(us -> us / 1e6).toArray();

    private final SessionRegistry registry;
    private final SocketIoMetrics socketIo;
    private final Supplier<Map<List<String>, Integer>> firingAlerts;
    private final MetricsPolicy policy;
    private final InstantSource clock;
    private final String version;
    private final DropSeriesBudget dropBudget;

    public StatsCollector(SessionRegistry registry, SocketIoMetrics socketIo) {
        this(registry, socketIo, Map::of, MetricsPolicy.DEFAULT, InstantSource.system(), "");
    }

    /**
     * @param firingAlerts firing alerts counted by (rule, severity, session)
     * @param policy       bounds on the sessions and drop series exported
     * @param clock        the time stopped sessions' grace periods are measured against
     * @param version      this skbscope's version, for {@code skbscope_build_info}
     */
    public StatsCollector(SessionRegistry registry, SocketIoMetrics socketIo, Supplier<Map<List<String>, Integer>> firingAlerts,
                          MetricsPolicy policy, InstantSource clock, String version) {
        this.registry = registry;
        this.socketIo = socketIo;
        this.firingAlerts = firingAlerts;
        this.policy = policy;
        this.clock = clock;
        this.version = version;
        this.dropBudget = new DropSeriesBudget(policy.maxDropSeries());
    }

    /** Data points of one metric family, collected over all sessions. */
    private static final class Family {
        final String name, help;
        final List<CounterDataPointSnapshot> counters = new ArrayList<>();
        final List<GaugeDataPointSnapshot> gauges = new ArrayList<>();

        Family(String name, String help) {
            this.name = name;
            this.help = help;
        }

        void counter(double v, String... labels) {
            counters.add(CounterDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build());
        }

        void gauge(double v, String... labels) {
            gauges.add(GaugeDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build());
        }

        MetricSnapshot counterSnapshot() {
            var b = CounterSnapshot.builder().name(name).help(help);
            counters.forEach(b::dataPoint);
            return b.build();
        }

        MetricSnapshot gaugeSnapshot() {
            var b = GaugeSnapshot.builder().name(name).help(help);
            gauges.forEach(b::dataPoint);
            return b.build();
        }
    }

    /**
     * Per bucket of a node's histogram, its slowest recent packet (OpenMetrics exposition only):
     * {@code packet_id} opens it at {@code GET /api/sessions/{session}/packets/{packet_id}};
     * {@code trace_id} carries the same id for tools that link exemplars by trace id.
     */
    private static Exemplars exemplars(StatsSnapshot st, NodeStats n) {
        List<StatsSnapshot.Exemplar> per = n.bucketExemplars();
        if (per == null) return null;
        List<Exemplar> out = new ArrayList<>();
        for (StatsSnapshot.Exemplar x : per) {
            if (x == null) continue;
            var e = Exemplar.builder().value(x.valueUs() / 1e6).labels(Labels.of("packet_id", x.packetId(), "trace_id", x.packetId()));
            if (st.eventTimeNs() != null) e.timestampMillis(st.takenAtMs() - Math.max(0, (st.eventTimeNs() - x.endNs()) / 1_000_000));
            out.add(e.build());
        }
        return out.isEmpty() ? null : Exemplars.of(out);
    }

    @Override
    public MetricSnapshots collect() {
        Family events = new Family("skbscope_session_events", "Events accepted by the session's engine");
        Family packets = new Family("skbscope_session_packets", "Distinct packets (journeys) seen");
        Family drops = new Family("skbscope_session_drops", "Packets dropped");
        Family dropReasons = new Family("skbscope_drops", "Drops by node and kernel drop reason");
        Family evicted = new Family("skbscope_session_evicted_packets", "Packets evicted from tracking (max_tracked_skbs)");
        Family pps = new Family("skbscope_session_packets_per_second", "New packets over the last second");
        Family tracked = new Family("skbscope_session_tracked_packets", "Packets tracked now");
        Family verdicts = new Family("skbscope_verdicts", "Netfilter and nft verdicts");
        Family nodeEvents = new Family("skbscope_node_events", "Events per pipeline node");
        Family nodePackets = new Family("skbscope_node_packets", "Packets that entered the node");
        Family nodeInFlight = new Family("skbscope_node_in_flight_packets", "Packets whose latest node is this one");
        Family nodeDrops = new Family("skbscope_node_drops", "Packets dropped at the node");
        Family nodeErrors = new Family("skbscope_node_errors", "Events at the node whose timestamp went backwards for their packet");
        Family hookVerdicts = new Family("skbscope_hook_verdicts", "Verdicts per netfilter hook");
        Family running = new Family("skbscope_session_running", "1 while the session runs, 0 once it stopped");
        Family lost = new Family("skbscope_source_lost_events", "Events the kernel could not deliver (ring buffer full)");
        Family bad = new Family("skbscope_source_bad_lines", "Recording lines that were not valid events");
        Family read = new Family("skbscope_source_events", "Events read from the source, before the session filter");
        Family sampling = new Family("skbscope_source_sample_one_in",
                "The source traces one packet in this many (1 = every packet); counts are scaled estimates above 1");
        var latency = HistogramSnapshot.builder().name("skbscope_node_latency_seconds")
                .help("Time from entering a node to entering the next one (or the packet's end)");
        Map<SessionState, Integer> byState = new EnumMap<>(SessionState.class);
        for (SessionState s : SessionState.values()) byState.put(s, 0);

        List<Session> all = registry.list();
        for (Session s : all) byState.merge(s.state(), 1, Integer::sum);
        ExportedSessions.Selection selection = ExportedSessions.select(all, policy, clock.instant());
        Set<String> exportedIds = new HashSet<>();
        for (Session s : selection.exported()) {
            PublishedStats published = s.published();
            StatsSnapshot st = published == null ? null : published.snapshot();
            if (st == null) continue;
            String id = s.id();
            exportedIds.add(id);
            running.gauge(s.running() ? 1 : 0, "session", id);
            events.counter(st.totalEvents(), "session", id, "mode", s.mode());
            packets.counter(st.totalPackets(), "session", id);
            drops.counter(st.drops(), "session", id);
            evicted.counter(st.evictedPackets(), "session", id);
            pps.gauge(st.packetsPerSecond(), "session", id);
            tracked.gauge(st.inFlightTotal(), "session", id);
            if (st.source() != null) {
                lost.counter(st.source().lostEvents(), "session", id);
                bad.counter(st.source().badLines(), "session", id);
                read.counter(st.source().eventsRead(), "session", id);
                sampling.gauge(st.source().sampleOneIn(), "session", id);
            }
            if (st.totalVerdicts() != null)
                st.totalVerdicts().forEach((v, n) -> verdicts.counter(n, "session", id, "verdict", v));
            if (st.hooks() != null)
                st.hooks().forEach((h, hs) -> hs.verdicts().forEach((v, n) -> hookVerdicts.counter(n, "session", id, "hook", h, "verdict", v)));
            if (st.nodes() == null) continue;
            Map<List<String>, Long> byReason = new LinkedHashMap<>();
            for (NodeStats n : st.nodes().values()) {
                if (n.count() == 0 && n.inFlight() == 0) continue; // keep the exposition to nodes that saw traffic
                String node = n.id();
                nodeEvents.counter(n.count(), "session", id, "node", node);
                nodePackets.counter(n.packets(), "session", id, "node", node);
                nodeInFlight.gauge(n.inFlight(), "session", id, "node", node);
                nodeDrops.counter(n.drops(), "session", id, "node", node);
                nodeErrors.counter(n.errors(), "session", id, "node", node);
                if (n.dropReasons() != null)
                    n.dropReasons().forEach((r, c) -> byReason.merge(List.of(node, dropBudget.label(id, node, r)), c, Long::sum));
                LatencyBuckets b = n.latencyBuckets();
                if (b != null && b.count() > 0) {
                    var point = HistogramDataPointSnapshot.builder()
                            .labels(Labels.of("session", id, "node", node))
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_SECONDS, b.bucketCounts()))
                            .sum(b.sumUs() / 1e6);
                    Exemplars ex = exemplars(st, n);
                    if (ex != null) point.exemplars(ex);
                    latency.dataPoint(point.build());
                }
            }
            byReason.forEach((k, c) -> dropReasons.counter(c, "session", id, "node", k.get(0), "reason", k.get(1)));
        }
        dropBudget.retain(exportedIds);

        List<MetricSnapshot> out = new ArrayList<>();
        for (Family f : List.of(events, packets, drops, dropReasons, evicted, verdicts, nodeEvents, nodePackets, nodeDrops,
                nodeErrors, hookVerdicts, lost, bad, read))
            out.add(f.counterSnapshot());
        for (Family f : List.of(pps, tracked, nodeInFlight, sampling, running)) out.add(f.gaugeSnapshot());
        Family alerts = new Family("skbscope_alerts_firing", "Alerts firing, by rule, severity and session");
        firingAlerts.get().forEach((k, n) -> alerts.gauge(n, "rule", k.get(0), "severity", k.get(1), "session", k.get(2)));
        out.add(alerts.gaugeSnapshot());
        out.add(latency.build());

        Family states = new Family("skbscope_sessions", "Sessions by state");
        byState.forEach((k, v) -> states.gauge(v, "state", k.id()));
        out.add(states.gaugeSnapshot());
        Family omitted = new Family("skbscope_metrics_omitted_sessions",
                "Sessions with stats not exported because more than the metrics session limit would be");
        omitted.gauge(selection.omitted());
        out.add(omitted.gaugeSnapshot());
        Family build = new Family("skbscope_build_info", "Always 1; the version of this skbscope");
        build.gauge(1, "version", version);
        out.add(build.gaugeSnapshot());
        Family clients = new Family("skbscope_socketio_clients", "Connected engine.io clients");
        clients.gauge(socketIo.connectedClients());
        out.add(clients.gaugeSnapshot());
        Family subscribed = new Family("skbscope_socketio_subscribed_clients", "Clients in at least one session room");
        subscribed.gauge(socketIo.subscribedClients());
        out.add(subscribed.gaugeSnapshot());
        Family sent = new Family("skbscope_socketio_updates_sent", "session_stats_update packets handed to clients");
        sent.counter(socketIo.sentUpdates.sum());
        Family dropped = new Family("skbscope_socketio_updates_dropped", "Updates skipped because the client had not taken earlier ones");
        dropped.counter(socketIo.droppedUpdates.sum());
        Family slow = new Family("skbscope_socketio_slow_clients_closed", "Connections closed for falling too far behind");
        slow.counter(socketIo.slowClientsClosed.sum());
        Family refused = new Family("skbscope_socketio_refused_handshakes", "Connections refused for a missing or wrong token");
        refused.counter(socketIo.refusedHandshakes.sum());
        Family lateRooms = new Family("skbscope_socketio_late_room_updates",
                "Room updates sent after their tick because the session thread published its stats late");
        lateRooms.counter(socketIo.lateUpdates.sum());
        Family limited = new Family("skbscope_socketio_rate_limited_handshakes",
                "Handshakes without a token refused because their address opened too many (429)");
        limited.counter(socketIo.rateLimitedHandshakes.sum());
        Family idle = new Family("skbscope_socketio_closed_idle_connections",
                "engine.io connections the server closed: never joined in time, silent past the ping timeout, or left the namespace");
        idle.counter(socketIo.closedIdle.sum());
        for (Family f : List.of(sent, dropped, slow, refused, lateRooms, limited, idle)) out.add(f.counterSnapshot());
        return new MetricSnapshots(out);
    }
}

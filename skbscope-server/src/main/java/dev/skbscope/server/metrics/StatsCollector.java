package dev.skbscope.server.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.server.session.Session;
import dev.skbscope.server.session.SessionRegistry;
import dev.skbscope.server.session.SessionState;
import dev.skbscope.server.socketio.SocketIoMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Prometheus view of the sessions, built at scrape time from each session's immutable stats
 * snapshot (nothing is counted on the event path). Thread-safe: scrapes may run concurrently.
 * Sessions loaded from disk and never restarted are not exported (they have no live counters).
 */
public final class StatsCollector implements MultiCollector {
    private final SessionRegistry registry;
    private final SocketIoMetrics socketIo;

    public StatsCollector(SessionRegistry registry, SocketIoMetrics socketIo) {
        this.registry = registry;
        this.socketIo = socketIo;
    }

    /** Data points of one metric family, collected over all sessions. */
    private static final class Family {
        final List<CounterDataPointSnapshot> counters = new ArrayList<>();
        final List<GaugeDataPointSnapshot> gauges = new ArrayList<>();

        void counter(double v, String... labels) {
            counters.add(CounterDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build());
        }

        void gauge(double v, String... labels) {
            gauges.add(GaugeDataPointSnapshot.builder().value(v).labels(Labels.of(labels)).build());
        }
    }

    @Override
    public MetricSnapshots collect() {
        Family events = new Family(), packets = new Family(), drops = new Family(), evicted = new Family();
        Family nodeEvents = new Family(), nodePackets = new Family(), nodeInFlight = new Family(), nodeDrops = new Family();
        Family verdicts = new Family(), lost = new Family(), bad = new Family(), pps = new Family();
        List<SummaryDataPointSnapshot> latency = new ArrayList<>();
        List<HistogramDataPointSnapshot> latencyHist = new ArrayList<>();
        Map<SessionState, Integer> byState = new EnumMap<>(SessionState.class);
        for (SessionState s : SessionState.values()) byState.put(s, 0);

        for (Session s : registry.list()) {
            byState.merge(s.state(), 1, Integer::sum);
            SessionStatsTracker t = s.tracker();
            if (t == null) continue;
            String id = s.id();
            SourceCounters src = t.source();
            lost.counter(src.lostEvents.get(), "session", id);
            bad.counter(src.badLines.get(), "session", id);
            JsonNode st = s.stats();
            if (st == null) continue;
            events.counter(st.path("total_events").asDouble(), "session", id, "mode", s.mode());
            packets.counter(st.path("total_packets").asDouble(), "session", id);
            drops.counter(st.path("drops").asDouble(), "session", id);
            evicted.counter(st.path("evicted_packets").asDouble(), "session", id);
            pps.gauge(st.path("packets_per_second").asDouble(), "session", id);
            for (Iterator<Map.Entry<String, JsonNode>> it = st.path("total_verdicts").fields(); it.hasNext(); ) {
                var v = it.next();
                verdicts.counter(v.getValue().asDouble(), "session", id, "verdict", v.getKey());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = st.path("nodes").fields(); it.hasNext(); ) {
                var e = it.next();
                String node = e.getKey();
                JsonNode n = e.getValue();
                nodeEvents.counter(n.path("count").asDouble(), "session", id, "node", node);
                if (n.has("packets")) nodePackets.counter(n.path("packets").asDouble(), "session", id, "node", node);
                nodeInFlight.gauge(n.path("in_flight").asDouble(), "session", id, "node", node);
                for (Iterator<Map.Entry<String, JsonNode>> r = n.path("drop_reasons").fields(); r.hasNext(); ) {
                    var dr = r.next();
                    nodeDrops.counter(dr.getValue().asDouble(), "session", id, "node", node, "reason", dr.getKey());
                }
                long samples = n.path("samples").asLong(0);
                if (samples > 0) {
                    HistogramDataPointSnapshot h = histogram(n, id, node, samples);
                    if (h != null) latencyHist.add(h);
                    latency.add(SummaryDataPointSnapshot.builder()
                            .labels(Labels.of("session", id, "node", node))
                            .count(samples)
                            .sum(n.path("avg_us").asDouble() * samples / 1e6)
                            .quantiles(Quantiles.of(
                                    new Quantile(0.5, n.path("p50_us").asDouble() / 1e6),
                                    new Quantile(0.9, n.path("p90_us").asDouble() / 1e6),
                                    new Quantile(0.99, n.path("p99_us").asDouble() / 1e6)))
                            .build());
                }
            }
        }

        List<MetricSnapshot> out = new ArrayList<>();
        counter(out, "skbscope_session_events", "Events accepted by the session's engine", events);
        counter(out, "skbscope_session_packets", "Distinct packets (journeys) seen", packets);
        counter(out, "skbscope_session_drops", "Packets dropped", drops);
        counter(out, "skbscope_session_evicted_packets", "Packets evicted from tracking (max_tracked_skbs)", evicted);
        gauge(out, "skbscope_session_packets_per_second", "New packets over the last second", pps);
        counter(out, "skbscope_verdicts", "Netfilter/nft verdicts", verdicts);
        counter(out, "skbscope_node_events", "Events per pipeline node", nodeEvents);
        counter(out, "skbscope_node_packets", "Packets that entered the node", nodePackets);
        gauge(out, "skbscope_node_in_flight_packets", "Packets whose latest node is this one", nodeInFlight);
        counter(out, "skbscope_node_drops", "Drops per node and kernel drop reason", nodeDrops);
        counter(out, "skbscope_source_lost_events", "Events the kernel could not deliver (ring buffer full)", lost);
        counter(out, "skbscope_source_bad_lines", "Recording lines that were not valid events", bad);
        if (!latency.isEmpty()) {
            var b = SummarySnapshot.builder().name("skbscope_node_latency_seconds")
                    .help("Time from entering a node to entering the next one");
            latency.forEach(b::dataPoint);
            out.add(b.build());
        }
        if (!latencyHist.isEmpty()) {
            var b = HistogramSnapshot.builder().name("skbscope_node_latency_histogram_seconds")
                    .help("Node latency buckets from the engine's histogram");
            latencyHist.forEach(b::dataPoint);
            out.add(b.build());
        }

        Family states = new Family();
        byState.forEach((k, v) -> states.gauge(v, "state", k.id()));
        gauge(out, "skbscope_sessions", "Sessions by state", states);
        Family clients = new Family();
        clients.gauge(socketIo.connectedClients());
        gauge(out, "skbscope_socketio_clients", "Connected engine.io clients", clients);
        Family subscribed = new Family();
        subscribed.gauge(socketIo.subscribedClients());
        gauge(out, "skbscope_socketio_subscribed_clients", "Clients in at least one session room", subscribed);
        Family sent = new Family();
        sent.counter(socketIo.sentUpdates.sum());
        counter(out, "skbscope_socketio_updates_sent", "session_stats_update packets handed to clients", sent);
        Family dropped = new Family();
        dropped.counter(socketIo.droppedUpdates.sum());
        counter(out, "skbscope_socketio_updates_dropped", "Updates skipped because the client had not taken earlier ones", dropped);
        Family slow = new Family();
        slow.counter(socketIo.slowClientsClosed.sum());
        counter(out, "skbscope_socketio_slow_clients_closed", "Connections closed for falling too far behind", slow);
        Family refused = new Family();
        refused.counter(socketIo.refusedHandshakes.sum());
        counter(out, "skbscope_socketio_refused_handshakes", "Connections refused for a missing or wrong token", refused);
        return new MetricSnapshots(out);
    }

    /**
     * A classic histogram from the engine's bucket view, if the snapshot carries one as
     * {@code latency_buckets: [{"le_us": upper, "count": cumulative-or-not}]}; null otherwise.
     */
    private static HistogramDataPointSnapshot histogram(JsonNode n, String id, String node, long samples) {
        JsonNode b = n.get("latency_buckets");
        if (b == null || !b.isArray() || b.isEmpty()) return null;
        int size = b.size();
        double[] bounds = new double[size + 1];
        long[] counts = new long[size + 1];
        long seen = 0;
        for (int i = 0; i < size; i++) {
            JsonNode e = b.get(i);
            bounds[i] = e.path("le_us").asDouble() / 1e6;
            counts[i] = e.path("count").asLong();
            seen += counts[i];
            if (i > 0 && !(bounds[i] > bounds[i - 1])) return null;
        }
        bounds[size] = Double.POSITIVE_INFINITY;
        counts[size] = Math.max(0, samples - seen);
        return HistogramDataPointSnapshot.builder()
                .labels(Labels.of("session", id, "node", node))
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                .sum(n.path("avg_us").asDouble() * samples / 1e6)
                .build();
    }

    private static void counter(List<MetricSnapshot> out, String name, String help, Family f) {
        var b = CounterSnapshot.builder().name(name).help(help);
        f.counters.forEach(b::dataPoint);
        out.add(b.build());
    }

    private static void gauge(List<MetricSnapshot> out, String name, String help, Family f) {
        var b = GaugeSnapshot.builder().name(name).help(help);
        f.gauges.forEach(b::dataPoint);
        out.add(b.build());
    }
}

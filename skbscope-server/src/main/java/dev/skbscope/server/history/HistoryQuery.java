package dev.skbscope.server.history;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.alert.LatencyQuantile;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;

import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code GET /api/sessions/{id}/history?from=&to=&step=&series=}: validates the parameters, picks
 * the finest tier that still holds the range (and at most {@link #MAX_POINTS} points), reads it and
 * shapes the answer as columns. Immutable, thread-safe.
 */
public final class HistoryQuery {
    /** Points a query returns at most when it does not ask for a step. */
    public static final int MAX_POINTS = 4000;
    /** Points a query may ask for at most with an explicit step. */
    static final int MAX_ASKED_POINTS = 20_000;
    /** A range may start this much before a tier's retention and still use that tier (clocks differ a little). */
    private static final long SLACK_SECONDS = 60;

    /** The series a client may ask for. */
    public static final List<String> SERIES = List.of("packets_per_second", "drops_per_second", "packets", "drops", "verdicts_per_second",
            "in_flight", "lost_events_per_second", "errors_per_second", "node_packets_per_second",
            "node_drops_per_second", "node_p50_us", "node_p99_us");

    private final HistoryDatabase db;

    public HistoryQuery(HistoryDatabase db) {
        this.db = db;
    }

    /**
     * Answers a query for {@code session} at {@code nowSeconds}; parameters may be null (defaults:
     * the hour before {@code to}, {@code to} = now, automatic step, every series). 400 naming the
     * parameter when one is wrong.
     */
    public ObjectNode answer(String session, String fromParam, String toParam, String stepParam, String seriesParam,
                             double nowSeconds) throws SQLException {
        long now = (long) Math.floor(nowSeconds);
        long to = toParam == null ? now + 1 : time("to", toParam, now);
        long from = fromParam == null ? to - 3600 : time("from", fromParam, now);
        if (from >= to) throw ApiException.badRequest("from: must be before to");
        Set<String> series = series(seriesParam);
        Long asked = stepParam == null ? null : step(stepParam);

        List<HistoryTiers.Tier> all = db.tiers().tiers();
        int tier = all.size() - 1;
        for (int i = 0; i < all.size(); i++) {
            if (from >= now - all.get(i).keepSeconds() - SLACK_SECONDS) {
                tier = i;
                break;
            }
        }
        long span = to - from;
        if (asked != null) {
            // the coarsest tier that still has the asked resolution reads the fewest rows
            while (tier + 1 < all.size() && all.get(tier + 1).stepSeconds() <= asked) tier++;
        } else {
            while (tier + 1 < all.size() && span / all.get(tier).stepSeconds() > MAX_POINTS) tier++;
        }
        long tierStep = all.get(tier).stepSeconds();
        long step;
        if (asked != null) {
            step = Math.max(tierStep, ceilTo(asked, tierStep));
            if (span / step > MAX_ASKED_POINTS)
                throw ApiException.badRequest("step: " + span / step + " points; ask for at most " + MAX_ASKED_POINTS + " (a larger step)");
        } else {
            step = Math.max(tierStep, ceilTo(ceilDiv(span, MAX_POINTS), tierStep));
        }
        long alignedFrom = Math.floorDiv(from, step) * step;
        boolean verdicts = series.contains("verdicts_per_second");
        boolean nodes = series.stream().anyMatch(s -> s.startsWith("node_"));
        HistoryDatabase.Rows rows = db.query(session, tierStep, step, alignedFrom, to, verdicts, nodes);
        return shape(session, from, to, step, all.get(tier), series, rows, db.extent(session));
    }

    private static ObjectNode shape(String session, long from, long to, long step, HistoryTiers.Tier tier, Set<String> series,
                                    HistoryDatabase.Rows rows, long[] extent) {
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        out.put("session_id", session);
        out.put("from", from);
        out.put("to", to);
        out.put("step", step);
        out.put("resolution", HistoryTiers.duration(tier.stepSeconds()) + " samples, kept " + HistoryTiers.duration(tier.keepSeconds()));
        if (extent != null) {
            ObjectNode e = out.putObject("extent");
            e.put("first", extent[0]);
            e.put("last", extent[1]);
        } else {
            out.putNull("extent");
        }
        Map<Long, Integer> index = new LinkedHashMap<>();
        ArrayNode t = out.putArray("t");
        for (HistoryDatabase.SessionRow r : rows.sessions()) {
            index.put(r.t(), index.size());
            t.add(r.t());
        }
        int n = index.size();
        ObjectNode s = out.putObject("series");
        double[] seconds = new double[n];
        for (HistoryDatabase.SessionRow r : rows.sessions()) seconds[index.get(r.t())] = r.seconds();
        for (String name : series) {
            switch (name) {
                case "packets_per_second" -> column(s, name, rows.sessions(), r -> r.packets() / r.seconds());
                case "drops_per_second" -> column(s, name, rows.sessions(), r -> r.drops() / r.seconds());
                case "packets" -> column(s, name, rows.sessions(), r -> (double) r.packets());
                case "drops" -> column(s, name, rows.sessions(), r -> (double) r.drops());
                case "lost_events_per_second" -> column(s, name, rows.sessions(), r -> r.lostEvents() / r.seconds());
                case "errors_per_second" -> column(s, name, rows.sessions(), r -> r.errors() / r.seconds());
                case "in_flight" -> {
                    column(s, name, rows.sessions(), r -> r.inFlightSum() / r.seconds());
                    column(s, "in_flight_max", rows.sessions(), r -> (double) r.inFlightMax());
                }
                case "verdicts_per_second" -> {
                    Map<String, Double[]> by = new TreeMap<>();
                    for (HistoryDatabase.VerdictRow r : rows.verdicts()) {
                        Integer i = index.get(r.t());
                        if (i == null) continue;
                        by.computeIfAbsent(r.verdict(), k -> new Double[n])[i] = r.count() / seconds[i];
                    }
                    nested(s, name, by);
                }
                default -> {
                    Map<String, Double[]> by = new LinkedHashMap<>();
                    for (HistoryDatabase.NodeRow r : rows.nodes()) {
                        Integer i = index.get(r.t());
                        if (i == null) continue;
                        double v = switch (name) {
                            case "node_packets_per_second" -> r.packets() / seconds[i];
                            case "node_drops_per_second" -> r.drops() / seconds[i];
                            case "node_p50_us" -> LatencyQuantile.of(r.latencyBuckets(), 0.5);
                            default -> LatencyQuantile.of(r.latencyBuckets(), 0.99);
                        };
                        if (Double.isNaN(v)) continue;
                        by.computeIfAbsent(r.node(), k -> new Double[n])[i] = v;
                    }
                    nested(s, name, by);
                }
            }
        }
        out.put("points", n);
        return out;
    }

    private interface Value {
        double of(HistoryDatabase.SessionRow r);
    }

    private static void column(ObjectNode s, String name, List<HistoryDatabase.SessionRow> rows, Value v) {
        ArrayNode a = s.putArray(name);
        for (HistoryDatabase.SessionRow r : rows) a.add(round(r.seconds() > 0 ? v.of(r) : 0));
    }

    private static void nested(ObjectNode s, String name, Map<String, Double[]> by) {
        ObjectNode o = s.putObject(name);
        by.forEach((k, values) -> {
            ArrayNode a = o.putArray(k);
            for (Double d : values) {
                if (d == null) a.addNull();
                else a.add(round(d));
            }
        });
    }

    /** Four significant digits after the point at most: the charts need no more, and the JSON stays small. */
    private static double round(double v) {
        return Math.round(v * 10_000.0) / 10_000.0;
    }

    /** A time parameter: epoch seconds, ISO-8601, {@code now} or {@code -DURATION} before now; 400 naming {@code field}. */
    public static long time(String field, String v, long now) {
        String s = v.strip();
        if (s.isEmpty()) throw ApiException.badRequest(field + ": must not be empty");
        if (s.equals("now")) return now;
        if (s.startsWith("-")) {
            try {
                return now - HistoryTiers.seconds(s.substring(1));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(field + ": " + e.getMessage());
            }
        }
        try {
            double d = Double.parseDouble(s);
            if (!Double.isFinite(d) || d < 0 || d > 32503680000.0)
                throw ApiException.badRequest(field + ": must be a time in epoch seconds (0..year 3000)");
            return (long) Math.floor(d);
        } catch (NumberFormatException e) {
            try {
                return Instant.parse(s).getEpochSecond();
            } catch (DateTimeParseException e2) {
                throw ApiException.badRequest(field + ": must be epoch seconds, an ISO-8601 time (2025-01-31T12:00:00Z), 'now' or -DURATION (-15m)");
            }
        }
    }

    private static long step(String v) {
        String s = v.strip();
        long step;
        try {
            step = s.chars().allMatch(Character::isDigit) && !s.isEmpty() && s.length() < 10 ? Long.parseLong(s) : HistoryTiers.seconds(s);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("step: must be seconds or a duration such as 10s, 1m, 1h");
        }
        if (step < 1 || step > 86400) throw ApiException.badRequest("step: must be within 1s..1d");
        return step;
    }

    private static Set<String> series(String v) {
        if (v == null || v.isBlank()) return new LinkedHashSet<>(SERIES);
        Set<String> out = new LinkedHashSet<>();
        for (String s : v.split(",")) {
            String name = s.strip();
            if (!SERIES.contains(name)) throw ApiException.badRequest("series: unknown series '" + name + "' (one of " + String.join(", ", SERIES) + ")");
            out.add(name);
        }
        return out;
    }

    private static long ceilTo(long v, long multiple) { return ceilDiv(v, multiple) * multiple; }

    private static long ceilDiv(long a, long b) { return -Math.floorDiv(-a, b); }
}

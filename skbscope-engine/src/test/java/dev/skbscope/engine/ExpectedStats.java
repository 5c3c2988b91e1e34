package dev.skbscope.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Java port of {@code shared/tools/check-stats}: compares a serialised stats object with an
 * expected-results file and lists the mismatches. Stateless.
 */
final class ExpectedStats {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> bad = new ArrayList<>();
    private int checks;

    private ExpectedStats() { }

    /** Returns the mismatches (empty when every check holds); {@code actual} may be the stats object or its wrapper. */
    static List<String> mismatches(JsonNode expected, JsonNode actual) {
        ExpectedStats x = new ExpectedStats();
        x.check(expected, actual.has("stats") ? actual.get("stats") : actual);
        if (x.checks < 10) x.bad.add("only " + x.checks + " checks ran");
        return x.bad;
    }

    private void eq(String name, Object want, Object got) {
        checks++;
        if (!Objects.equals(want, got)) bad.add(name + ": want " + want + " got " + got);
    }

    private void near(String name, double want, JsonNode got) {
        checks++;
        if (got == null || got.isNull() || !got.isNumber()
                || Math.abs(got.asDouble() - want) > Math.max(1.0, 0.02 * Math.abs(want))) {
            bad.add(name + ": want ~" + want + " got " + got);
        }
    }

    private static Object val(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) return null;
        if (n.isIntegralNumber()) return n.asLong();
        if (n.isNumber()) return n.asDouble();
        if (n.isTextual()) return n.asText();
        return JSON.convertValue(n, Object.class);
    }

    /** Maps with numbers normalised to Long, so {"ACCEPT": 9} compares equal however it was parsed. */
    private static Object map(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) return Map.of();
        Map<String, Object> m = new java.util.TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), val(e.getValue()));
        }
        return m;
    }

    private void check(JsonNode exp, JsonNode st) {
        eq("total_packets", val(exp.get("total_packets")), val(st.get("total_packets")));
        eq("total_events", val(exp.get("total_events")), val(st.get("total_events")));
        if (exp.has("bad_lines")) eq("source.bad_lines", val(exp.get("bad_lines")), val(st.path("source").get("bad_lines")));
        eq("drops", val(exp.get("drops")), val(st.get("drops")));
        eq("evicted_packets", exp.has("evicted_packets") ? val(exp.get("evicted_packets")) : 0L, val(st.get("evicted_packets")));
        eq("total_verdicts", map(exp.get("total_verdicts")), map(st.get("total_verdicts")));
        for (Iterator<Map.Entry<String, JsonNode>> it = exp.path("hooks").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            JsonNode got = st.path("hooks").path(h.getKey());
            eq("hooks." + h.getKey() + ".count", val(h.getValue().get("count")), val(got.get("count")));
            eq("hooks." + h.getKey() + ".verdicts", map(h.getValue().get("verdicts")), map(got.get("verdicts")));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = exp.path("pipelines").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            JsonNode got = null;
            for (JsonNode q : st.path("pipelines")) if (p.getKey().equals(q.path("name").asText())) got = q;
            for (Iterator<Map.Entry<String, JsonNode>> kv = p.getValue().fields(); kv.hasNext(); ) {
                Map.Entry<String, JsonNode> e = kv.next();
                eq("pipelines." + p.getKey() + "." + e.getKey(), val(e.getValue()), got == null ? null : val(got.get(e.getKey())));
            }
        }
        JsonNode nodes = st.path("nodes");
        for (Iterator<Map.Entry<String, JsonNode>> it = exp.path("nodes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> ne = it.next();
            String n = ne.getKey();
            JsonNode nv = ne.getValue(), got = nodes.path(n);
            eq("nodes." + n + ".count", val(nv.get("count")), val(got.get("count")));
            if (nv.has("drops")) eq("nodes." + n + ".drops", val(nv.get("drops")), val(got.get("drops")));
            if (nv.has("in_flight")) eq("nodes." + n + ".in_flight", val(nv.get("in_flight")), val(got.get("in_flight")));
            if (nv.path("samples").asLong() != 0) {
                eq("nodes." + n + ".samples", val(nv.get("samples")), val(got.get("samples")));
                for (String q : new String[]{"p50_us", "p90_us", "p99_us", "avg_us", "max_us"}) {
                    near("nodes." + n + "." + q, nv.get(q).asDouble(), got.get(q));
                }
            }
        }
        if (exp.has("top_latency_nodes")) {
            List<Object> want = new ArrayList<>(), got = new ArrayList<>();
            for (JsonNode t : exp.get("top_latency_nodes")) want.add(t.asText());
            for (JsonNode t : st.path("top_latency")) got.add(t.path("node").asText());
            eq("top_latency", want, got);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = exp.path("drop_reasons").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> r = it.next();
            long total = 0;
            for (JsonNode n : nodes) total += n.path("drop_reasons").path(r.getKey()).asLong(0);
            eq("drop_reasons." + r.getKey() + " (summed over nodes)", r.getValue().asLong(), total);
        }
    }
}

package dev.skbscope.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only reader of spec-section-1 recordings (the real one lives in skbscope-sources): turns
 * lines into {@link TraceEvent}s and counts bad lines the way the spec says. Single-threaded.
 */
final class SpecLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SpecLines() { }

    /** Parses a classpath resource; bad lines are added to {@code counters.badLines}. */
    static List<TraceEvent> read(String resource, SourceCounters counters) throws IOException {
        try (InputStream in = SpecLines.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("missing test resource " + resource);
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), counters);
        }
    }

    static List<TraceEvent> parse(String text, SourceCounters counters) {
        List<TraceEvent> out = new ArrayList<>();
        boolean first = true;
        for (String line : text.split("\n")) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) continue;
            JsonNode n;
            try {
                n = JSON.readTree(s);
            } catch (IOException e) {
                counters.badLines.incrementAndGet();
                first = false;
                continue;
            }
            if (first && n.has("format") && !n.has("ts_ns")) { first = false; continue; }
            first = false;
            TraceEvent e = event(n);
            if (e == null) counters.badLines.incrementAndGet();
            else { out.add(e); counters.eventsRead.incrementAndGet(); }
        }
        return out;
    }

    private static TraceEvent event(JsonNode n) {
        if (n == null || !n.isObject() || !n.hasNonNull("ts_ns") || !n.path("ts_ns").canConvertToLong()
                || !n.hasNonNull("probe")) return null;
        TraceEvent e = new TraceEvent();
        e.tsNs = n.get("ts_ns").asLong();
        String probe = n.get("probe").asText();
        e.probe = SymbolTable.PROBES.intern(probe);
        if (n.hasNonNull("trace_id")) e.traceId = n.get("trace_id").asLong();
        if (n.hasNonNull("skb")) {
            JsonNode skb = n.get("skb");
            e.skb = skb.isNumber() ? skb.asLong() : parseId(skb.asText());
            e.hasSkb = true;
        } else if (!probe.equals("nft_trace") || e.traceId == TraceEvent.UNKNOWN) {
            return null;
        }
        if (n.hasNonNull("hook")) e.hook = Hook.parse(n.get("hook").asText());
        if (e.hook == null) return null;
        if (n.hasNonNull("verdict")) e.verdict = Verdict.parse(n.get("verdict").asText());
        if (e.verdict == null) return null;
        if (n.hasNonNull("drop_reason")) e.dropReason = SymbolTable.DROP_REASONS.intern(n.get("drop_reason").asText());
        if (n.hasNonNull("table")) e.table = SymbolTable.NFT_NAMES.intern(n.get("table").asText());
        if (n.hasNonNull("chain")) e.chain = SymbolTable.NFT_NAMES.intern(n.get("chain").asText());
        if (n.hasNonNull("rule_handle")) e.ruleHandle = n.get("rule_handle").asLong();
        if (n.hasNonNull("cpu")) e.cpu = n.get("cpu").asInt();
        if (n.hasNonNull("len")) e.len = n.get("len").asInt();
        return e;
    }

    private static long parseId(String s) {
        String t = s.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseUnsignedLong(t.substring(2), 16);
        return Long.parseLong(t);
    }

    /** Feeds {@code events} to the tracker in batches of {@code batchSize}, as a source would. */
    static void feed(SessionStatsTracker tracker, List<TraceEvent> events, int batchSize) {
        EventBatch batch = new EventBatch(batchSize);
        for (TraceEvent e : events) {
            batch.next().copyFrom(e);
            if (batch.isFull()) { tracker.ingest(batch); batch.reset(); }
        }
        if (batch.size() > 0) tracker.ingest(batch);
    }
}

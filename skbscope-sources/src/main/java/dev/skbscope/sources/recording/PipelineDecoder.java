package dev.skbscope.sources.recording;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.skbscope.engine.event.TraceEvent;

import java.io.IOException;
import java.util.Map;

/**
 * Decodes skbscope's own pipeline-trace lines (spec section 1). Not thread-safe.
 * The first JSON line may be a header (it has a {@code format} key); its keys become metadata.
 */
final class PipelineDecoder extends JsonLineDecoder {
    private int nftTraceProbe = -1;
    private final FastPipelineLine fast = new FastPipelineLine(probes, dropReasons, nftNames);
    /** Off only in tests, to compare both paths. */
    boolean fastPath = true;

    @Override
    int decodeFast(byte[] buf, int off, int len, TraceEvent e) {
        if (!fastPath) return -1;
        int r = fast.decode(buf, off, len, e);
        if (r != FastPipelineLine.EVENT) e.clear();
        return r;
    }

    @Override
    int decodeObject(JsonParser p, long lineNo, TraceEvent e) throws IOException {
        boolean ts = false, probe = false, skb = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();   // canonical (interned) by the parser: no allocation
            t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) continue;
            switch (name) {
                case "ts_ns" -> {
                    if (t != JsonToken.VALUE_NUMBER_INT) throw new BadLine("ts_ns must be an integer");
                    e.tsNs = p.getLongValue();
                    ts = true;
                }
                case "probe" -> { e.probe = probe(p, "probe"); probe = true; }
                case "skb" -> {
                    if (t == JsonToken.VALUE_NUMBER_INT) e.skb = exactLong(p, "skb");
                    else if (t == JsonToken.VALUE_STRING) e.skb = parseNumber(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), "skb");
                    else throw new BadLine("skb must be a hex string or an integer");
                    e.hasSkb = skb = true;
                }
                case "hook" -> e.hook = hook(p);
                case "verdict" -> e.verdict = verdict(p);
                case "drop_reason" -> e.dropReason = dropReason(p, "drop_reason");
                case "ifindex" -> e.ifindex = intValue(p, "ifindex");
                case "len" -> e.len = intValue(p, "len");
                case "cpu" -> e.cpu = intValue(p, "cpu");
                case "pid" -> e.pid = intValue(p, "pid");
                case "netns" -> e.netns = longValue(p, "netns");
                case "proto" -> e.proto = proto(p);
                case "src" -> address(p, e, true, "src");
                case "dst" -> address(p, e, false, "dst");
                case "sport" -> e.sport = port(p, "sport");
                case "dport" -> e.dport = port(p, "dport");
                case "tcp_flags" -> e.tcpFlags = intValue(p, "tcp_flags");
                case "table" -> e.table = nftName(p, "table");
                case "chain" -> e.chain = nftName(p, "chain");
                case "rule_handle" -> e.ruleHandle = longValue(p, "rule_handle");
                case "trace_id" -> e.traceId = longValue(p, "trace_id");
                case "weight" -> {
                    e.weight = intValue(p, "weight");
                    if (e.weight < 1) throw new BadLine("weight must be an integer >= 1");
                }
                default -> p.skipChildren();
            }
        }
        if (!ts) return bad("missing ts_ns");
        if (!probe) return bad("missing probe");
        if (!skb) {
            if (nftTraceProbe < 0) nftTraceProbe = probes.id("nft_trace");
            if (e.probe != nftTraceProbe || e.traceId == TraceEvent.UNKNOWN) return bad("missing skb");
        }
        return EVENT;
    }

    @Override
    int firstLine(byte[] buf, int off, int len) {
        Map<String, Object> m = readMap(buf, off, len);
        if (m == null || !m.containsKey("format")) return -1;
        metadata.putAll(m);
        return SKIP;
    }
}

package dev.skbscope.sources.recording;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/**
 * Decodes the JSON lines of {@code retis collect -o} (retis-events): sections {@code common},
 * {@code kernel}, {@code skb-tracking}, {@code skb-drop}, {@code dev}, {@code netns}, {@code nft},
 * {@code packet} (raw bytes, base64, Retis 1.5+) and {@code skb} (parsed headers, older Retis).
 * Not thread-safe.
 *
 * <p>A packet's identity is Retis' tracking id, (orig_head, timestamp), folded into 64 bits, so
 * clones and skb re-allocations of one packet stay one packet, as Retis itself shows them.
 */
final class RetisDecoder extends JsonLineDecoder {
    private final RawBytes raw = new RawBytes();
    private int nftTraceProbe = -1;

    @Override
    int firstLine(byte[] buf, int off, int len) {
        Map<String, Object> m = readMap(buf, off, len);
        if (m == null || !(m.get("startup") instanceof Map<?, ?> startup)) return -1;
        metadata.put("format", "retis");
        for (Map.Entry<?, ?> en : startup.entrySet()) metadata.put(String.valueOf(en.getKey()), en.getValue());
        return SKIP;
    }

    @Override
    int decodeObject(JsonParser p, long lineNo, TraceEvent e) throws IOException {
        boolean ts = false, symbol = false, tracking = false, startup = false, nft = false;
        long origHead = 0, firstTs = 0;
        char[] chain = null;
        int chainLen = 0;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String section = p.currentName();
            t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) continue;
            if (t != JsonToken.START_OBJECT) { p.skipChildren(); continue; }
            switch (section) {
                case "common" -> {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "timestamp" -> { e.tsNs = exactLong(requireInt(p, "common.timestamp"), "common.timestamp"); ts = true; }
                            case "smp_id" -> e.cpu = intValue(p, "common.smp_id");
                            case "task" -> readTask(p, e);
                            default -> p.skipChildren();
                        }
                    }
                }
                case "kernel" -> {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        if (f.equals("symbol")) { symbol(p, e); symbol = true; }
                        else p.skipChildren();
                    }
                }
                case "skb-tracking" -> {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "orig_head" -> { origHead = exactLong(requireInt(p, "skb-tracking.orig_head"), "orig_head"); tracking = true; }
                            case "timestamp" -> firstTs = exactLong(requireInt(p, "skb-tracking.timestamp"), "timestamp");
                            default -> p.skipChildren();
                        }
                    }
                }
                case "skb-drop" -> {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        if (f.equals("drop_reason")) e.dropReason = dropReason(p, "skb-drop.drop_reason");
                        else p.skipChildren();
                    }
                }
                case "dev" -> readSkbSection(p, e, "dev");
                case "netns" -> readSkbSection(p, e, "netns");
                case "skb" -> readSkbSection(p, e, "skb");
                case "packet" -> {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "len" -> e.len = intValue(p, "packet.len");
                            case "data" -> {
                                requireString(p, "packet.data");
                                raw.reset();
                                p.readBinaryValue(raw);
                                PacketHeaders.decodeEthernet(raw.bytes(), raw.size(), e);
                            }
                            default -> p.skipChildren();
                        }
                    }
                }
                case "nft" -> {
                    nft = true;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "table_name" -> e.table = nftName(p, "nft.table_name");
                            case "chain_name" -> {
                                e.chain = nftName(p, "nft.chain_name");
                                int o = p.getTextOffset();
                                chainLen = p.getTextLength();
                                chain = Arrays.copyOfRange(p.getTextCharacters(), o, o + chainLen);   // rare section
                            }
                            case "verdict" -> {
                                requireString(p, "nft.verdict");
                                Verdict v = verdictOrNull(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                                if (v == null) throw new BadLine("unknown nft verdict " + quoted(p.getText()));
                                e.verdict = v;
                            }
                            case "rule_handle" -> e.ruleHandle = longValue(p, "nft.rule_handle");
                            default -> p.skipChildren();
                        }
                    }
                }
                case "startup" -> { startup = true; p.skipChildren(); }
                default -> p.skipChildren();
            }
        }
        if (startup && !symbol) return SKIP;
        if (!ts) return bad("missing common.timestamp");
        if (!symbol) return bad("missing kernel.symbol");
        if (!tracking) return bad("missing skb-tracking (run retis with the skb-tracking collector)");
        e.skb = trackingId(origHead, firstTs);
        e.hasSkb = true;
        if (nft) {
            e.probe = nftTraceProbe();
            // Retis does not report the hook; base chains are commonly named after theirs.
            if (chain != null && e.hook == Hook.NONE) e.hook = hookOfName(chain, 0, chainLen);
        }
        return EVENT;
    }

    private int nftTraceProbe() {
        if (nftTraceProbe < 0) nftTraceProbe = probes.id("nft_trace");
        return nftTraceProbe;
    }

    /** Folds Retis' 128-bit tracking id (timestamp, orig_head) into 64 bits (murmur3 finaliser). */
    static long trackingId(long origHead, long timestamp) {
        long h = origHead ^ Long.rotateLeft(timestamp * 0x9E3779B97F4A7C15L, 31);
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    private static JsonParser requireInt(JsonParser p, String field) {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) throw new BadLine(field + " must be an integer");
        return p;
    }

    private static void readTask(JsonParser p, TraceEvent e) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) { p.skipChildren(); return; }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            if (f.equals("pid")) e.pid = intValue(p, "common.task.pid");
            else p.skipChildren();
        }
    }

    /** "net:netif_receive_skb" is the tracepoint netif_receive_skb; kprobe symbols have no category. */
    private void symbol(JsonParser p, TraceEvent e) throws IOException {
        requireString(p, "kernel.symbol");
        char[] c = p.getTextCharacters();
        int off = p.getTextOffset(), len = p.getTextLength();
        for (int i = off; i < off + len; i++) {
            if (c[i] == ':') { len -= i + 1 - off; off = i + 1; break; }
        }
        if (len == 0) throw new BadLine("kernel.symbol is empty");
        // Retis' nft collector hooks the function behind nftables tracing: that is our nft_trace probe.
        e.probe = equalsIgnoreCase(c, off, len, "__nft_trace_packet") ? nftTraceProbe() : probes.id(c, off, len);
    }

    /**
     * The header fields Retis versions put in {@code skb} (flat before 1.5: saddr, sport...;
     * nested in 1.5: ip, tcp, udp, dev, ns, meta) and in the top-level {@code dev}/{@code netns}.
     */
    private void readSkbSection(JsonParser p, TraceEvent e, String parent) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) continue;
            if (t == JsonToken.START_OBJECT) {
                readSkbSection(p, e, f);
                continue;
            }
            switch (f) {
                case "saddr" -> address(p, e, true, parent + ".saddr");
                case "daddr" -> address(p, e, false, parent + ".daddr");
                case "protocol" -> e.proto = intValue(p, parent + ".protocol");
                case "sport" -> e.sport = port(p, parent + ".sport");
                case "dport" -> e.dport = port(p, parent + ".dport");
                case "tcp_flags" -> e.tcpFlags = intValue(p, "skb.tcp_flags");
                case "flags" -> { if (parent.equals("tcp")) e.tcpFlags = intValue(p, "tcp.flags"); }
                case "ifindex" -> e.ifindex = intValue(p, parent + ".ifindex");
                case "netns" -> e.netns = longValue(p, parent + ".netns");
                case "inum" -> e.netns = longValue(p, parent + ".inum");
                case "len" -> { if (parent.equals("meta") && e.len == TraceEvent.UNKNOWN) e.len = intValue(p, "meta.len"); }
                default -> p.skipChildren();
            }
        }
    }

    /** A ByteArrayOutputStream whose buffer can be read without a copy. */
    private static final class RawBytes extends ByteArrayOutputStream {
        RawBytes() { super(256); }
        byte[] bytes() { return buf; }
    }
}

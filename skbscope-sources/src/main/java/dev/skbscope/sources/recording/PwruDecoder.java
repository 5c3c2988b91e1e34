package dev.skbscope.sources.recording;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.skbscope.engine.event.TraceEvent;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.LocalDate;

/**
 * Decodes {@code pwru --output-json} lines (cilium/pwru internal/pwru/output.go, jsonPrinter).
 * Not thread-safe.
 *
 * <p>pwru's {@code func} is a kernel function; {@code kfree_skb_reason(SKB_DROP_REASON_X)} and
 * {@code sk_skb_reason_drop(...)} become our terminal {@code kfree_skb} with drop reason X. The
 * functions that free an skb after its terminal event are skipped, so they do not start phantom
 * packets. {@code time} should come from {@code --timestamp current} (ns); without it events are
 * spaced 1 µs apart in line order and latencies are not meaningful.
 */
final class PwruDecoder extends JsonLineDecoder {
    /** Teardown functions pwru reports after kfree_skb/consume_skb. */
    private static final String[] TEARDOWN = {
        "skb_release_head_state", "skb_release_data", "skb_release_all", "kfree_skbmem", "__kfree_skb",
        "skb_free_head", "__consume_stateless_skb", "kfree_skb_list_reason", "skb_attempt_defer_free",
        "napi_consume_skb", "__napi_kfree_skb", "skb_orphan", "sock_rfree", "sock_wfree", "__sock_wfree",
        "skb_free_frag", "kfree_skb_partial", "skb_dst_drop",
    };
    private int kfreeSkb = -1;
    private int xdp = -1;
    private long syntheticTs;
    private boolean warnedNoTime;

    /** Set when an event had no usable time and its ts was synthesised from line order. */
    boolean synthesisedTime() { return warnedNoTime; }

    @Override
    int decodeObject(JsonParser p, long lineNo, TraceEvent e) throws IOException {
        if (kfreeSkb < 0) { kfreeSkb = probes.id("kfree_skb"); xdp = probes.id("xdp"); }
        boolean skb = false, func = false, time = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) continue;
            switch (name) {
                case "skb" -> {
                    requireString(p, "skb");
                    e.skb = parseNumber(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), "skb");
                    e.hasSkb = skb = true;
                }
                case "func" -> {
                    requireString(p, "func");
                    if (!func(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), e)) return SKIP;
                    func = true;
                }
                case "time" -> {
                    if (t == JsonToken.VALUE_NUMBER_INT) { e.tsNs = exactLong(p, "time"); time = true; }
                    else if (t == JsonToken.VALUE_STRING) time = absoluteTime(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), e);
                    else throw new BadLine("time must be an integer or a time string");
                }
                case "cpu" -> e.cpu = intValue(p, "cpu");
                case "process" -> e.pid = pidOf(p);
                case "netns" -> e.netns = longValue(p, "netns");
                case "len" -> e.len = intValue(p, "len");
                case "iface" -> {
                    requireString(p, "iface");
                    char[] c = p.getTextCharacters();
                    int off = p.getTextOffset(), len = p.getTextLength();
                    if (len > 0 && len < 10 && allDigits(c, off, len)) e.ifindex = (int) parseUnsigned(c, off, len, "iface");
                }
                case "tuple" -> tuple(p, e);
                default -> p.skipChildren();
            }
        }
        if (!skb) return bad("missing skb");
        if (!func) return bad("missing func");
        if (!time) {
            syntheticTs += 1_000;
            e.tsNs = syntheticTs;
            warnedNoTime = true;
        } else {
            syntheticTs = e.tsNs;
        }
        return EVENT;
    }

    /** Returns false for a teardown function to skip. */
    private boolean func(char[] c, int off, int len, TraceEvent e) {
        if (len == 0) throw new BadLine("func is empty");
        int paren = -1;
        for (int i = off; i < off + len; i++) if (c[i] == '(') { paren = i; break; }
        int baseLen = paren < 0 ? len : paren - off;
        while (baseLen > 0 && c[off + baseLen - 1] == ' ') baseLen--;
        if (paren >= 0) {
            int innerOff = paren + 1, innerLen = off + len - innerOff;
            if (innerLen > 0 && c[innerOff + innerLen - 1] == ')') innerLen--;
            if (equalsIgnoreCase(c, off, baseLen, "kfree_skb_reason") || equalsIgnoreCase(c, off, baseLen, "sk_skb_reason_drop")) {
                e.probe = kfreeSkb;
                if (innerLen > 0 && !allDigits(c, innerOff, innerLen)) e.dropReason = dropReason(c, innerOff, innerLen);
                return true;
            }
            if (equalsIgnoreCase(c, innerOff, innerLen, "xdp")) { e.probe = xdp; return true; }
        }
        if (baseLen == 0) throw new BadLine("func has no name");
        for (String s : TEARDOWN) if (equalsIgnoreCase(c, off, baseLen, s)) return false;
        e.probe = probes.id(c, off, baseLen);
        return true;
    }

    private void tuple(JsonParser p, TraceEvent e) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) throw new BadLine("tuple must be an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) continue;
            switch (f) {
                case "saddr" -> address(p, e, true, "tuple.saddr");
                case "daddr" -> address(p, e, false, "tuple.daddr");
                case "sport" -> e.sport = port(p, "tuple.sport");
                case "dport" -> e.dport = port(p, "tuple.dport");
                case "proto" -> e.proto = intValue(p, "tuple.proto");
                default -> p.skipChildren();
            }
        }
    }

    /** pwru's process is "exe:pid" (exe possibly shortened to "~..."). */
    private static int pidOf(JsonParser p) throws IOException {
        requireString(p, "process");
        char[] c = p.getTextCharacters();
        int off = p.getTextOffset(), len = p.getTextLength();
        int colon = -1;
        for (int i = off + len - 1; i >= off; i--) if (c[i] == ':') { colon = i; break; }
        if (colon < 0 || colon == off + len - 1 || !allDigits(c, colon + 1, off + len - colon - 1)) return TraceEvent.UNKNOWN;
        long v = parseUnsigned(c, colon + 1, off + len - colon - 1, "process");
        return v > Integer.MAX_VALUE ? TraceEvent.UNKNOWN : (int) v;
    }

    /** pwru --timestamp absolute: "2006-01-02T15:04:05.000" local time, ms resolution. */
    private static boolean absoluteTime(char[] c, int off, int len, TraceEvent e) {
        int tIdx = -1;
        for (int i = off; i < off + len; i++) if (c[i] == 'T') { tIdx = i; break; }
        if (tIdx < 0 || off + len - tIdx < 13) throw new BadLine("time is not an integer or 2006-01-02T15:04:05.000");
        int i = tIdx + 1;
        long h = twoDigits(c, i), m = twoDigits(c, i + 3), s = twoDigits(c, i + 6), ms = 0;
        int digits = 0;
        for (int k = i + 9; k < off + len && digits < 3; k++, digits++) ms = ms * 10 + digit(c[k]);
        long dayNo = 0;
        if (tIdx - off >= 10) {   // fold in the date so that midnight does not jump back
            long y = fourDigits(c, off), mo = twoDigits(c, off + 5), d = twoDigits(c, off + 8);
            try {
                dayNo = LocalDate.of((int) y, (int) mo, (int) d).toEpochDay();
            } catch (DateTimeException x) {
                throw new BadLine("time has an invalid date");
            }
        }
        e.tsNs = (((dayNo * 24 + h) * 60 + m) * 60 + s) * 1_000_000_000L + ms * 1_000_000L;
        return true;
    }

    private static long twoDigits(char[] c, int i) { return digit(c[i]) * 10L + digit(c[i + 1]); }
    private static long fourDigits(char[] c, int i) { return twoDigits(c, i) * 100 + twoDigits(c, i + 2); }
    private static int digit(char ch) {
        if (ch < '0' || ch > '9') throw new BadLine("time is not an integer or 2006-01-02T15:04:05.000");
        return ch - '0';
    }

    private static boolean allDigits(char[] c, int off, int len) {
        for (int i = off; i < off + len; i++) if (c[i] < '0' || c[i] > '9') return false;
        return len > 0;
    }
}

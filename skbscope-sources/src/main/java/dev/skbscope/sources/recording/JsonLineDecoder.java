package dev.skbscope.sources.recording;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.IpProtocols;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns one JSON line of a recording into a {@link TraceEvent}, with Jackson's streaming parser
 * and no tree. Not thread-safe: one per replay. Subclasses know one format; this class holds the
 * shared field readers, which reject wrong types by throwing the stack-less {@link BadLine}.
 */
abstract class JsonLineDecoder {
    /** The line was an event, now in the target. */
    static final int EVENT = 0;
    /** The line was metadata (a header, Retis' startup event) or a record we deliberately skip. */
    static final int SKIP = 1;
    /** The line was not a valid event; {@link #reason()} says why. */
    static final int BAD = 2;

    static final JsonFactory JSON = JsonFactory.builder().build();
    static final ObjectMapper MAPPER = new ObjectMapper(JSON);
    private static final String[] HOOKS = names(Hook.values());
    private static final String[] VERDICTS = names(Verdict.values());

    final NameCache probes = new NameCache(SymbolTable.PROBES);
    final NameCache dropReasons = new NameCache(SymbolTable.DROP_REASONS);
    final NameCache nftNames = new NameCache(SymbolTable.NFT_NAMES);
    final long[] addr = new long[2];
    final Map<String, Object> metadata = new LinkedHashMap<>();
    private String reason;
    private boolean firstSeen;

    /** Decodes one line into {@code e} (already cleared) and returns {@link #EVENT}, {@link #SKIP} or {@link #BAD}. */
    final int decode(byte[] buf, int off, int len, long lineNo, TraceEvent e) {
        reason = null;
        if (!firstSeen) {
            firstSeen = true;
            int r = firstLine(buf, off, len);
            if (r >= 0) return r;
        }
        int fast = decodeFast(buf, off, len, e);
        if (fast >= 0) return fast;
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return bad("not a JSON object");
            int r = decodeObject(p, lineNo, e);
            if (r == EVENT && p.nextToken() != null) return bad("unexpected data after the JSON object");
            return r;
        } catch (BadLine b) {
            return bad(b.getMessage());
        } catch (StreamReadException x) {
            return bad("invalid JSON: " + shortMessage(x.getOriginalMessage()));
        } catch (IOException x) {
            return bad("invalid JSON: " + x.getMessage());
        }
    }

    /** Whether the next line decoded is the file's first content line (where a header may be): for decoding blocks of a file apart. */
    final void expectFirstLine(boolean first) { firstSeen = !first; }

    /**
     * Looks at the first content line of the file for a header; returns {@link #SKIP} when it was
     * one (and fills {@link #metadata}), or -1 to decode it as an event.
     */
    int firstLine(byte[] buf, int off, int len) { return -1; }

    /** The line as a map, or null when it is not a JSON object; for rare (header) lines only. */
    static Map<String, Object> readMap(byte[] buf, int off, int len) {
        try {
            Object v = MAPPER.readValue(buf, off, len, Object.class);
            if (v instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked") Map<String, Object> map = (Map<String, Object>) m;
                return map;
            }
        } catch (IOException ignored) {
            // not JSON: the regular decoding reports it
        }
        return null;
    }

    /** A format's allocation-free decoder for common lines; -1 hands the line to the Jackson path. */
    int decodeFast(byte[] buf, int off, int len, TraceEvent e) { return -1; }

    /** Reads the fields of the object whose START_OBJECT was just consumed. */
    abstract int decodeObject(JsonParser p, long lineNo, TraceEvent e) throws IOException;

    /** Keys of a header or startup line, for the session's metadata. */
    final Map<String, Object> metadata() { return metadata; }

    final String reason() { return reason; }

    final int bad(String why) {
        reason = why;
        return BAD;
    }

    // ---- field readers; the current token is the field's value ----

    static long longValue(JsonParser p, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT) return exactLong(p, field);
        if (t == JsonToken.VALUE_STRING) return parseNumber(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), field);
        throw new BadLine(field + " must be an integer");
    }

    static int intValue(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) throw new BadLine(field + " must be an integer");
        long v = exactLong(p, field);
        if (v < Integer.MIN_VALUE || v > 0xffffffffL) throw new BadLine(field + " is out of range");
        return (int) v;
    }

    /** An integer up to 2^64-1 (kernel addresses, u64 ids), as the same 64 bits in a long. */
    static long exactLong(JsonParser p, String field) throws IOException {
        return switch (p.getNumberType()) {
            case INT, LONG -> p.getLongValue();
            default -> parseUnsigned(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), field);
        };
    }

    static void requireString(JsonParser p, String field) {
        if (p.currentToken() != JsonToken.VALUE_STRING) throw new BadLine(field + " must be a string");
    }

    /** "0x" hex or decimal digits; whole text must match. */
    static long parseNumber(char[] c, int off, int len, String field) {
        if (len > 2 && c[off] == '0' && (c[off + 1] == 'x' || c[off + 1] == 'X')) {
            if (len > 18) throw new BadLine(field + " is not a 64-bit number");
            long v = 0;
            for (int i = off + 2; i < off + len; i++) {
                int d = Character.digit(c[i], 16);
                if (d < 0) throw new BadLine(field + " is not a hex number");
                v = (v << 4) | d;
            }
            return v;
        }
        if (len > 0 && c[off] == '-') return -parseUnsigned(c, off + 1, len - 1, field);
        return parseUnsigned(c, off, len, field);
    }

    static long parseUnsigned(char[] c, int off, int len, String field) {
        if (len == 0 || len > 20) throw new BadLine(field + " is not a 64-bit number");
        long v = 0;
        for (int i = off; i < off + len; i++) {
            char ch = c[i];
            if (ch < '0' || ch > '9') throw new BadLine(field + " is not a number");
            int d = ch - '0';
            // 0x1999999999999999 * 10 + 5 is 2^64 - 1
            if (Long.compareUnsigned(v, 0x1999999999999999L) > 0 || v == 0x1999999999999999L && d > 5)
                throw new BadLine(field + " does not fit in 64 bits");
            v = v * 10 + d;
        }
        return v;
    }

    final int probe(JsonParser p, String field) throws IOException {
        requireString(p, field);
        if (p.getTextLength() == 0) throw new BadLine(field + " is empty");
        return probes.id(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    /** A drop reason, without the kernel's {@code SKB_DROP_REASON_} prefix. */
    final int dropReason(char[] c, int off, int len) {
        if (startsWith(c, off, len, "SKB_DROP_REASON_")) { off += 16; len -= 16; }
        return dropReasons.id(c, off, len);
    }

    final int dropReason(JsonParser p, String field) throws IOException {
        requireString(p, field);
        return dropReason(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    final int nftName(JsonParser p, String field) throws IOException {
        requireString(p, field);
        return nftNames.id(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    static Hook hook(JsonParser p) throws IOException {
        requireString(p, "hook");
        int i = match(HOOKS, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        if (i <= 0) throw new BadLine("unknown hook " + quoted(p.getText()));
        return Hook.of(i);
    }

    static Verdict verdict(JsonParser p) throws IOException {
        requireString(p, "verdict");
        Verdict v = verdictOrNull(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        if (v == null) throw new BadLine("unknown verdict " + quoted(p.getText()));
        return v;
    }

    static Verdict verdictOrNull(char[] c, int off, int len) {
        int i = match(VERDICTS, c, off, len);
        return i <= 0 ? null : Verdict.of(i);
    }

    /** Hook named like the chain ("input", "INPUT"), else NONE; used when a format has no hook field. */
    static Hook hookOfName(char[] c, int off, int len) {
        int i = match(HOOKS, c, off, len);
        return i <= 0 ? Hook.NONE : Hook.of(i);
    }

    /** Parses an address into {@code e}'s src (or dst) fields. */
    final void address(JsonParser p, TraceEvent e, boolean src, String field) throws IOException {
        requireString(p, field);
        if (p.getTextLength() == 0) return;
        int v = IpText.parse(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), addr);
        if (v == 0) throw new BadLine(field + " is not an IP address: " + quoted(p.getText()));
        setAddress(e, v, addr[0], addr[1], src);
    }

    static void setAddress(TraceEvent e, int version, long hi, long lo, boolean src) {
        e.ipVersion = version;
        if (src) { e.srcHi = hi; e.srcLo = lo; }
        else { e.dstHi = hi; e.dstLo = lo; }
    }

    /** IP protocol: a number, or a name (tcp, udp, icmp, icmpv6/icmp6). */
    static int proto(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT) return intValue(p, "proto");
        if (t != JsonToken.VALUE_STRING) throw new BadLine("proto must be a string or an integer");
        char[] c = p.getTextCharacters();
        int off = p.getTextOffset(), len = p.getTextLength();
        if (len > 0 && c[off] >= '0' && c[off] <= '9') return (int) parseUnsigned(c, off, len, "proto");
        int n = IpProtocols.byName(c, off, len);
        return n == IpProtocols.UNKNOWN ? TraceEvent.UNKNOWN : n;
    }

    /** A port: integer or numeric string, 0..65535. */
    static int port(JsonParser p, String field) throws IOException {
        long v = longValue(p, field);
        if (v < 0 || v > 65535) throw new BadLine(field + " is not a port number");
        return (int) v;
    }

    // ---- small char helpers ----

    static int match(String[] names, char[] c, int off, int len) {
        for (int i = 0; i < names.length; i++) if (equalsIgnoreCase(c, off, len, names[i])) return i;
        return -1;
    }

    static boolean equalsIgnoreCase(char[] c, int off, int len, String s) {
        if (len != s.length()) return false;
        for (int i = 0; i < len; i++) {
            char a = c[off + i], b = s.charAt(i);
            if (a != b && Character.toUpperCase(a) != Character.toUpperCase(b)) return false;
        }
        return true;
    }

    static boolean startsWith(char[] c, int off, int len, String s) {
        if (len < s.length()) return false;
        for (int i = 0; i < s.length(); i++) if (c[off + i] != s.charAt(i)) return false;
        return true;
    }

    /** Jackson's message without its location and hint tails: the log line already says where. */
    static String shortMessage(String m) {
        if (m == null) return "unreadable";
        for (String cut : new String[] {"\n", " (start marker", " at [Source"}) {
            int i = m.indexOf(cut);
            if (i > 0) m = m.substring(0, i);
        }
        return m;
    }

    static String quoted(String s) {
        if (s.length() > 60) s = s.substring(0, 60) + "...";
        return '"' + s + '"';
    }

    private static String[] names(Enum<?>[] values) {
        String[] n = new String[values.length];
        for (int i = 0; i < values.length; i++) n[i] = values[i].name();
        return n;
    }

    /** Why a line is bad; stack-less because it is control flow on the (rare) error path. */
    static final class BadLine extends RuntimeException {
        BadLine(String message) { super(message, null, false, false); }
    }
}

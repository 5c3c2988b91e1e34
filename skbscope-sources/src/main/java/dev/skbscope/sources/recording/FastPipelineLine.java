package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.IpProtocols;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;

import java.nio.charset.StandardCharsets;

/**
 * The fast path of {@link PipelineDecoder}: decodes the common shape of a pipeline-trace line (one
 * flat object; ASCII strings without escapes; integers; IPv4 addresses) straight from the bytes,
 * with no parser object and no allocation. Not thread-safe. Anything else (escapes, nesting,
 * IPv6, wrong types, missing keys, invalid JSON) returns {@link #FALLBACK}, and the Jackson path
 * decodes the line again and has the final word, so both paths accept exactly the same lines.
 */
final class FastPipelineLine {
    static final int EVENT = JsonLineDecoder.EVENT;
    static final int FALLBACK = -1;

    private static final byte[][] HOOKS = upper(Hook.values());
    private static final byte[][] VERDICTS = upper(Verdict.values());
    private static final byte[] DROP_PREFIX = ascii("SKB_DROP_REASON_");
    /** Hex digit values by byte, -1 for other bytes. */
    private static final byte[] HEX = new byte[256];
    static {
        java.util.Arrays.fill(HEX, (byte) -1);
        for (int i = 0; i < 10; i++) HEX['0' + i] = (byte) i;
        for (int i = 0; i < 6; i++) { HEX['a' + i] = (byte) (10 + i); HEX['A' + i] = (byte) (10 + i); }
    }

    private final NameCache probes, dropReasons, nftNames;
    private final int nftTrace;
    private byte[] b;
    private int pos, end;
    private int strStart, strLen;   // the last string value (without quotes)
    private long num;               // the last integer value

    FastPipelineLine(NameCache probes, NameCache dropReasons, NameCache nftNames) {
        this.probes = probes;
        this.dropReasons = dropReasons;
        this.nftNames = nftNames;
        this.nftTrace = probes.id("nft_trace");
    }

    /** Decodes {@code e} (already cleared); {@link #FALLBACK} leaves it dirty (the caller clears it). */
    int decode(byte[] buf, int off, int len, TraceEvent e) {
        b = buf;
        pos = off;
        end = off + len;
        boolean ts = false, probe = false, skb = false;
        if (!ws() || b[pos++] != '{' || !ws()) return FALLBACK;
        if (b[pos] == '}') return FALLBACK;
        while (true) {
            if (b[pos] != '"') return FALLBACK;
            int keyStart = ++pos;
            while (pos < end && b[pos] != '"') {
                if (b[pos] == '\\' || b[pos] < 0x20) return FALLBACK;
                pos++;
            }
            if (pos >= end) return FALLBACK;
            int keyLen = pos - keyStart;
            pos++;
            // compact JSON (what RecordingWriter writes) takes the branch without ws() calls
            if (pos + 1 < end && b[pos] == ':' && b[pos + 1] > ' ') pos++;
            else if (!ws() || b[pos++] != ':' || !ws()) return FALLBACK;
            int type = value();   // 's' string, 'n' integer, 'z' null, 0 anything else
            if (type == 0) return FALLBACK;
            if (type != 'z') {
                switch (key(keyStart, keyLen)) {
                    case K_TS -> { if (type != 'n') return FALLBACK; e.tsNs = num; ts = true; }
                    case K_PROBE -> {
                        if (type != 's' || strLen == 0) return FALLBACK;
                        e.probe = probes.id(b, strStart, strLen);
                        probe = true;
                    }
                    case K_SKB -> {
                        if (type != 'n' && (type != 's' || !hex())) return FALLBACK;
                        e.skb = num;
                        e.hasSkb = skb = true;
                    }
                    case K_HOOK -> {
                        int i = type == 's' ? match(HOOKS) : -1;
                        if (i <= 0) return FALLBACK;
                        e.hook = Hook.of(i);
                    }
                    case K_VERDICT -> {
                        int i = type == 's' ? match(VERDICTS) : -1;
                        if (i <= 0) return FALLBACK;
                        e.verdict = Verdict.of(i);
                    }
                    case K_DROP -> {
                        if (type != 's') return FALLBACK;
                        int s = strStart, l = strLen;
                        if (startsWith(DROP_PREFIX)) { s += DROP_PREFIX.length; l -= DROP_PREFIX.length; }
                        e.dropReason = dropReasons.id(b, s, l);
                    }
                    case K_IFINDEX -> { if (!int32(type)) return FALLBACK; e.ifindex = (int) num; }
                    case K_LEN -> { if (!int32(type)) return FALLBACK; e.len = (int) num; }
                    case K_CPU -> { if (!int32(type)) return FALLBACK; e.cpu = (int) num; }
                    case K_PID -> { if (!int32(type)) return FALLBACK; e.pid = (int) num; }
                    case K_NETNS -> { if (type != 'n') return FALLBACK; e.netns = num; }
                    case K_PROTO -> {
                        if (type == 'n') { if (!int32(type)) return FALLBACK; e.proto = (int) num; }
                        else if (type != 's' || (e.proto = protoName()) < 0) return FALLBACK;
                    }
                    case K_SRC -> { if (type != 's' || !ipv4()) return FALLBACK; e.ipVersion = 4; e.srcHi = 0; e.srcLo = num; }
                    case K_DST -> { if (type != 's' || !ipv4()) return FALLBACK; e.ipVersion = 4; e.dstHi = 0; e.dstLo = num; }
                    case K_SPORT -> { if (type != 'n' || num < 0 || num > 65535) return FALLBACK; e.sport = (int) num; }
                    case K_DPORT -> { if (type != 'n' || num < 0 || num > 65535) return FALLBACK; e.dport = (int) num; }
                    case K_FLAGS -> { if (!int32(type)) return FALLBACK; e.tcpFlags = (int) num; }
                    case K_TABLE -> { if (type != 's') return FALLBACK; e.table = nftNames.id(b, strStart, strLen); }
                    case K_CHAIN -> { if (type != 's') return FALLBACK; e.chain = nftNames.id(b, strStart, strLen); }
                    case K_RULE -> { if (type != 'n') return FALLBACK; e.ruleHandle = num; }
                    case K_TRACE -> { if (type != 'n') return FALLBACK; e.traceId = num; }
                    case K_FORMAT -> { return FALLBACK; }
                    case K_WEIGHT -> { if (!int32(type) || (int) num < 1) return FALLBACK; e.weight = (int) num; }   // as the Jackson path: the int, not the long
                    default -> { }   // unknown key: ignored, as the spec says
                }
            }
            if (pos >= end) return FALLBACK;
            if (b[pos] <= ' ' && !ws()) return FALLBACK;
            byte c = b[pos++];
            if (c == '}') break;
            if (c != ',' || pos >= end) return FALLBACK;
            if (b[pos] <= ' ' && !ws()) return FALLBACK;
        }
        if (ws()) return FALLBACK;   // trailing data
        if (!ts || !probe) return FALLBACK;
        if (!skb && (e.probe != nftTrace || e.traceId == TraceEvent.UNKNOWN)) return FALLBACK;
        return EVENT;
    }

    /** Skips whitespace; false at the end of the line. */
    private boolean ws() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\t' && c != '\r') return true;
            pos++;
        }
        return false;
    }

    /** Reads a value: 's' (ASCII string without escapes), 'n' (integer in 18 digits), 'z' (null), else 0. */
    private int value() {
        byte c = b[pos];
        if (c == '"') {
            int s = ++pos;
            while (pos < end) {
                byte x = b[pos];
                if (x == '"') { strStart = s; strLen = pos - s; pos++; return 's'; }
                if (x == '\\' || x < 0x20) return 0;   // escapes, control and non-ASCII bytes (negative)
                pos++;
            }
            return 0;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            boolean neg = c == '-';
            if (neg) pos++;
            int s = pos;
            long v = 0;
            while (pos < end && b[pos] >= '0' && b[pos] <= '9') v = v * 10 + (b[pos++] - '0');
            int digits = pos - s;
            if (digits == 0 || digits > 18 || (digits > 1 && b[s] == '0')) return 0;
            if (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) return 0;
            num = neg ? -v : v;
            return 'n';
        }
        if (c == 'n' && pos + 4 <= end && b[pos + 1] == 'u' && b[pos + 2] == 'l' && b[pos + 3] == 'l') { pos += 4; return 'z'; }
        if (c == 't' && pos + 4 <= end && b[pos + 1] == 'r' && b[pos + 2] == 'u' && b[pos + 3] == 'e') { pos += 4; return 't'; }
        if (c == 'f' && pos + 5 <= end && b[pos + 1] == 'a' && b[pos + 2] == 'l' && b[pos + 3] == 's' && b[pos + 4] == 'e') { pos += 5; return 't'; }
        return 0;
    }

    private boolean int32(int type) { return type == 'n' && num >= Integer.MIN_VALUE && num <= 0xffffffffL; }

    /** "0x" and 1..16 hex digits into {@link #num}. */
    private boolean hex() {
        int s = strStart, l = strLen;
        if (l < 3 || l > 18 || b[s] != '0' || (b[s + 1] != 'x' && b[s + 1] != 'X')) return false;
        long v = 0;
        for (int i = s + 2; i < s + l; i++) {
            int d = HEX[b[i] & 0xff];
            if (d < 0) return false;
            v = (v << 4) | d;
        }
        num = v;
        return true;
    }

    private boolean ipv4() {
        int i = strStart, to = strStart + strLen;
        long v = 0;
        for (int part = 0; part < 4; part++) {
            int n = 0, digits = 0;
            while (i < to && b[i] >= '0' && b[i] <= '9' && digits < 4) { n = n * 10 + (b[i++] - '0'); digits++; }
            if (digits == 0 || digits > 3 || n > 255) return false;
            v = (v << 8) | n;
            if (part < 3) { if (i >= to || b[i] != '.') return false; i++; }
        }
        num = v;
        return i == to;
    }

    /** A protocol name in lower case (other cases go to the Jackson path), or -1. */
    private int protoName() {
        for (int i = 0; i < IpProtocols.names(); i++) if (eq(IpProtocols.nameAt(i))) return IpProtocols.numberAt(i);
        return -1;
    }

    private boolean eq(String s) {
        if (strLen != s.length()) return false;
        for (int i = 0; i < strLen; i++) if (b[strStart + i] != s.charAt(i)) return false;
        return true;
    }

    private boolean startsWith(byte[] prefix) {
        if (strLen < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (b[strStart + i] != prefix[i]) return false;
        return true;
    }

    /** Index of the (upper-case ASCII) name equal, ignoring case, to the last string; -1 if none. */
    private int match(byte[][] names) {
        outer:
        for (int n = 0; n < names.length; n++) {
            byte[] name = names[n];
            if (name.length != strLen) continue;
            for (int i = 0; i < strLen; i++) {
                int c = b[strStart + i];
                if (c >= 'a' && c <= 'z') c -= 32;
                if (c != name[i]) continue outer;
            }
            return n;
        }
        return -1;
    }

    // ---- keys ----

    private static final int K_UNKNOWN = 0, K_TS = 1, K_PROBE = 2, K_SKB = 3, K_HOOK = 4, K_VERDICT = 5, K_DROP = 6,
            K_IFINDEX = 7, K_LEN = 8, K_CPU = 9, K_PID = 10, K_NETNS = 11, K_PROTO = 12, K_SRC = 13, K_DST = 14,
            K_SPORT = 15, K_DPORT = 16, K_FLAGS = 17, K_TABLE = 18, K_CHAIN = 19, K_RULE = 20, K_TRACE = 21, K_FORMAT = 22,
            K_WEIGHT = 23;
    private static final byte[][] KEYS = new byte[24][];
    static {
        String[] names = {null, "ts_ns", "probe", "skb", "hook", "verdict", "drop_reason", "ifindex", "len", "cpu", "pid",
                "netns", "proto", "src", "dst", "sport", "dport", "tcp_flags", "table", "chain", "rule_handle", "trace_id", "format", "weight"};
        for (int i = 1; i < names.length; i++) KEYS[i] = ascii(names[i]);
    }

    private int key(int s, int len) {
        int k = candidate(s, len);
        if (k == K_UNKNOWN) return K_UNKNOWN;
        byte[] name = KEYS[k];
        if (name.length != len) return K_UNKNOWN;
        for (int i = 0; i < len; i++) if (name[i] != b[s + i]) return K_UNKNOWN;
        return k;
    }

    /** The only key a name can be, by its length and first bytes; the caller compares it whole. */
    private int candidate(int s, int len) {
        return switch (b[s]) {
            case 't' -> len == 5 ? (b[s + 1] == 's' ? K_TS : K_TABLE) : len == 9 ? K_FLAGS : len == 8 ? K_TRACE : K_UNKNOWN;
            case 'p' -> len == 5 ? (b[s + 3] == 'b' ? K_PROBE : K_PROTO) : len == 3 ? K_PID : K_UNKNOWN;
            case 's' -> len == 3 ? (b[s + 1] == 'k' ? K_SKB : K_SRC) : len == 5 ? K_SPORT : K_UNKNOWN;
            case 'h' -> K_HOOK;
            case 'v' -> K_VERDICT;
            case 'd' -> len == 11 ? K_DROP : len == 3 ? K_DST : K_DPORT;
            case 'i' -> K_IFINDEX;
            case 'l' -> K_LEN;
            case 'c' -> len == 3 ? K_CPU : K_CHAIN;
            case 'n' -> K_NETNS;
            case 'r' -> K_RULE;
            case 'f' -> K_FORMAT;
            case 'w' -> K_WEIGHT;
            default -> K_UNKNOWN;
        };
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    private static byte[][] upper(Enum<?>[] values) {
        byte[][] out = new byte[values.length][];
        for (int i = 0; i < values.length; i++) out[i] = ascii(values[i].name());
        return out;
    }
}

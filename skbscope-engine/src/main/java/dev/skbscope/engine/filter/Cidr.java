package dev.skbscope.engine.filter;

/**
 * An IPv4 or IPv6 prefix, held as two longs like {@link dev.skbscope.engine.event.TraceEvent} addresses.
 * Immutable and thread-safe.
 */
public record Cidr(int ipVersion, long hi, long lo, int prefixLength) {
    /** Longest text worth reading: a full IPv6 address with an embedded IPv4 part and a prefix. */
    private static final int MAX_TEXT = 64;

    /**
     * Parses {@code 198.18.0.0/15}, {@code 2001:db8::/32} or a bare address (full-length prefix).
     *
     * <p>Numbers only, in their canonical textual forms, and never a name lookup: this reads the
     * text itself rather than calling {@code InetAddress.getByName}, which resolves anything that is
     * not a literal (a filter of {@code "cafe"} would send a DNS query and wait for it) and accepts
     * the inet_aton shorthands ({@code 127.1}, {@code 0x7f.1}, {@code 010.0.0.1}) whose meaning
     * differs between tools. IPv4 is exactly four decimal octets without leading zeros; IPv6 is
     * RFC 4291 text (one {@code ::} at most, an optional trailing dotted quad) without zone ids or
     * brackets; a prefix length is plain decimal; bits below the prefix must be zero.
     *
     * @throws IllegalArgumentException with a message naming what is wrong
     */
    public static Cidr parse(String text) {
        if (text == null || text.isEmpty()) throw new IllegalArgumentException("empty address");
        if (text.length() > MAX_TEXT) throw new IllegalArgumentException("not an IP address or prefix (longer than " + MAX_TEXT + " characters)");
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        long hi = 0, lo;
        int version;
        if (addr.indexOf(':') >= 0) {
            long[] v6 = parse6(addr);
            if (v6 == null) throw new IllegalArgumentException("not a numeric IPv6 address: " + text);
            hi = v6[0];
            lo = v6[1];
            version = 6;
        } else {
            lo = parse4(addr, 0, addr.length());
            if (lo < 0) throw new IllegalArgumentException("not a numeric IPv4 address (four decimal numbers 0-255 like 192.0.2.1): " + text);
            version = 4;
        }
        int max = version == 4 ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            prefix = decimal(text, slash + 1, text.length(), max);
            if (prefix < 0) throw new IllegalArgumentException("prefix length must be a decimal number 0.." + max + " in " + text);
        }
        Cidr exact = new Cidr(version, hi, lo, prefix);
        Cidr net = version == 4 ? new Cidr(4, 0, mask(lo, prefix, 32), prefix)
                : new Cidr(6, prefix >= 64 ? hi : mask(hi, prefix, 64), prefix >= 64 ? mask(lo, prefix - 64, 64) : 0, prefix);
        if (!net.equals(exact))
            throw new IllegalArgumentException(text + " has bits set below its /" + prefix + " prefix; the network is " + net);
        return net;
    }

    /** A dotted quad in {@code s[from, to)} as an unsigned 32-bit value, or -1. */
    private static long parse4(String s, int from, int to) {
        long v = 0;
        int start = from;
        for (int part = 0; part < 4; part++) {
            int end = start;
            while (end < to && s.charAt(end) != '.') end++;
            int octet = decimal(s, start, end, 255);
            if (octet < 0) return -1;
            v = (v << 8) | octet;
            if (part < 3) {
                if (end >= to) return -1;
                start = end + 1;
            } else if (end != to) {
                return -1;
            }
        }
        return v;
    }

    /**
     * A plain decimal number in {@code s[from, to)}: ASCII digits only, no sign, no leading zero
     * (except "0" itself), at most {@code max}; -1 otherwise.
     */
    private static int decimal(String s, int from, int to, int max) {
        int n = to - from;
        if (n < 1 || n > 3 || (n > 1 && s.charAt(from) == '0')) return -1;
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v <= max ? v : -1;
    }

    /** An RFC 4291 IPv6 address as {hi, lo}, or null. */
    private static long[] parse6(String s) {
        int[] words = new int[8];
        int n = 0;
        int gap = -1;   // index in words where "::" stands
        int i = 0, len = s.length();
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (i == len) return pack(words, 0, gap);
        } else if (s.startsWith(":")) {
            return null;
        }
        while (i < len) {
            if (n == 8) return null;
            int end = i;
            while (end < len && s.charAt(end) != ':') end++;
            if (end == len && s.indexOf('.', i) >= 0) {
                // trailing dotted quad: two words
                if (n > 6) return null;
                long v4 = parse4(s, i, len);
                if (v4 < 0) return null;
                words[n++] = (int) (v4 >>> 16);
                words[n++] = (int) (v4 & 0xffff);
                i = len;
                break;
            }
            int w = hex(s, i, end);
            if (w < 0) return null;
            words[n++] = w;
            if (end == len) {
                i = len;
                break;
            }
            // at a ':'
            if (end + 1 < len && s.charAt(end + 1) == ':') {
                if (gap >= 0) return null;   // a second "::"
                gap = n;
                i = end + 2;
                if (i == len) break;
            } else {
                i = end + 1;
                if (i == len) return null;   // ends in a single ':'
            }
        }
        if (gap < 0 && n != 8) return null;
        if (gap >= 0 && n > 7) return null;
        return pack(words, n, gap);
    }

    /** 1-4 hex digits in {@code s[from, to)}, or -1. */
    private static int hex(String s, int from, int to) {
        int n = to - from;
        if (n < 1 || n > 4) return -1;
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0 || s.charAt(i) > 'f') return -1;   // ASCII only
            v = (v << 4) | d;
        }
        return v;
    }

    /** Spreads {@code n} parsed words around the "::" gap into 128 bits. */
    private static long[] pack(int[] words, int n, int gap) {
        int[] full = new int[8];
        if (gap < 0) {
            System.arraycopy(words, 0, full, 0, 8);
        } else {
            System.arraycopy(words, 0, full, 0, gap);
            int tail = n - gap;
            System.arraycopy(words, gap, full, 8 - tail, tail);
        }
        long hi = 0, lo = 0;
        for (int k = 0; k < 4; k++) hi = (hi << 16) | full[k];
        for (int k = 4; k < 8; k++) lo = (lo << 16) | full[k];
        return new long[] {hi, lo};
    }

    private static long mask(long v, int prefix, int width) {
        if (prefix <= 0) return 0;
        if (prefix >= width) return v;
        long m = width == 64 ? -1L << (64 - prefix) : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        return v & m;
    }

    /** True if the address (version, hi, lo) lies in this prefix. */
    public boolean contains(int version, long addrHi, long addrLo) {
        if (version != ipVersion) return false;
        if (ipVersion == 4) return mask(addrLo & 0xffffffffL, prefixLength, 32) == lo;
        if (prefixLength <= 64) return mask(addrHi, prefixLength, 64) == hi;
        return addrHi == hi && mask(addrLo, prefixLength - 64, 64) == lo;
    }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        if (ipVersion == 4) {
            sb.append((lo >>> 24) & 0xff).append('.').append((lo >>> 16) & 0xff).append('.')
              .append((lo >>> 8) & 0xff).append('.').append(lo & 0xff);
        } else {
            for (int i = 0; i < 8; i++) {
                long word = i < 4 ? (hi >>> (48 - 16 * i)) & 0xffff : (lo >>> (48 - 16 * (i - 4))) & 0xffff;
                if (i > 0) sb.append(':');
                sb.append(Long.toHexString(word));
            }
        }
        return sb.append('/').append(prefixLength).toString();
    }
}

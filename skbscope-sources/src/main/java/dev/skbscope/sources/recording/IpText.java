package dev.skbscope.sources.recording;

/**
 * IPv4/IPv6 text to the (hi, lo) long pair of {@code TraceEvent}, without allocating (the other way:
 * {@code IpAddresses}).
 * Stateless and thread-safe. IPv4 lives in the low 32 bits of {@code lo}.
 */
final class IpText {
    private IpText() { }

    /**
     * Parses an address (IPv6 may be wrapped in brackets, as pwru writes it).
     *
     * @param out receives hi in [0] and lo in [1]
     * @return 4 or 6, or 0 when the text is not an address
     */
    static int parse(char[] c, int off, int len, long[] out) {
        if (len >= 2 && c[off] == '[' && c[off + len - 1] == ']') { off++; len -= 2; }
        boolean colon = false;
        for (int i = off; i < off + len; i++) if (c[i] == ':') { colon = true; break; }
        if (!colon) {
            long v = parseV4(c, off, off + len);
            if (v < 0) return 0;
            out[0] = 0; out[1] = v;
            return 4;
        }
        return parseV6(c, off, off + len, out) ? 6 : 0;
    }

    /** Returns the address as an unsigned 32-bit value, or -1. */
    private static long parseV4(char[] c, int from, int to) {
        long v = 0;
        int parts = 0, i = from;
        while (parts < 4) {
            int n = 0, digits = 0;
            while (i < to && c[i] >= '0' && c[i] <= '9' && digits < 4) { n = n * 10 + (c[i++] - '0'); digits++; }
            if (digits == 0 || digits > 3 || n > 255) return -1;
            v = (v << 8) | n;
            parts++;
            if (parts < 4) { if (i >= to || c[i] != '.') return -1; i++; }
        }
        return i == to ? v : -1;
    }

    private static boolean parseV6(char[] c, int from, int to, long[] out) {
        int[] groups = new int[8];   // IPv6 is rare in practice; a small array here is acceptable
        int n = 0, gap = -1, i = from;
        if (to - from >= 2 && c[i] == ':' && c[i + 1] == ':') { gap = 0; i += 2; }
        else if (i < to && c[i] == ':') return false;
        while (i < to) {
            // an embedded IPv4 tail (::ffff:1.2.3.4)
            int j = i;
            while (j < to && c[j] != ':' && c[j] != '.') j++;
            if (j < to && c[j] == '.') {
                long v4 = parseV4(c, i, to);
                if (v4 < 0 || n > 6) return false;
                groups[n++] = (int) (v4 >>> 16);
                groups[n++] = (int) (v4 & 0xffff);
                i = to;
                break;
            }
            if (n == 8) return false;
            int g = 0, digits = 0;
            while (i < to && c[i] != ':') {
                int d = Character.digit(c[i], 16);
                if (d < 0 || ++digits > 4) return false;
                g = (g << 4) | d;
                i++;
            }
            if (digits == 0) return false;
            groups[n++] = g;
            if (i < to) {   // at ':'
                i++;
                if (i < to && c[i] == ':') {
                    if (gap >= 0) return false;
                    gap = n;
                    i++;
                } else if (i == to) return false;
            }
        }
        if (gap < 0 && n != 8) return false;
        if (gap >= 0 && n > 7) return false;
        long hi = 0, lo = 0;
        int fill = 8 - n;
        int k = 0;
        for (int slot = 0; slot < 8; slot++) {
            int g;
            if (gap >= 0 && slot >= gap && slot < gap + fill) g = 0;
            else g = groups[k++];
            if (slot < 4) hi = (hi << 16) | g;
            else lo = (lo << 16) | g;
        }
        out[0] = hi; out[1] = lo;
        return true;
    }
}

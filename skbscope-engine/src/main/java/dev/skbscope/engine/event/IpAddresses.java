package dev.skbscope.engine.event;

/** Text of IP addresses held as {@link TraceEvent} holds them (version, hi, lo); stateless. */
public final class IpAddresses {
    private IpAddresses() { }

    /** Appends the canonical text (RFC 5952 for IPv6) of an address to {@code sb}. */
    public static void format(int version, long hi, long lo, StringBuilder sb) {
        if (version == 4) {
            sb.append((lo >>> 24) & 0xff).append('.').append((lo >>> 16) & 0xff).append('.')
              .append((lo >>> 8) & 0xff).append('.').append(lo & 0xff);
            return;
        }
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) ((hi >>> (48 - 16 * i)) & 0xffff);
            g[i + 4] = (int) ((lo >>> (48 - 16 * i)) & 0xffff);
        }
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLen) sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
    }

    /** The canonical text of an address, or null for version 0 (none). */
    public static String text(int version, long hi, long lo) {
        if (version != 4 && version != 6) return null;
        StringBuilder sb = new StringBuilder(version == 4 ? 15 : 39);
        format(version, hi, lo, sb);
        return sb.toString();
    }
}

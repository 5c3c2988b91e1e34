package dev.skbscope.engine.filter;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 prefix, held as two longs like {@link dev.skbscope.engine.event.TraceEvent} addresses. */
public record Cidr(int ipVersion, long hi, long lo, int prefixLength) {

    /**
     * Parses {@code 198.18.0.0/15}, {@code 2001:db8::/32} or a bare address (full-length prefix).
     * Accepts only numeric addresses: no name lookups.
     * @throws IllegalArgumentException with a message naming what is wrong
     */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty address");
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        if (!addr.matches("[0-9a-fA-F:.]+")) throw new IllegalArgumentException("not a numeric IP address: " + text);
        byte[] b;
        try {
            b = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        int max = b.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + text);
            }
            if (prefix < 0 || prefix > max) throw new IllegalArgumentException("prefix length out of range in " + text);
        }
        long hi = 0, lo = 0;
        if (b.length == 4) {
            for (byte x : b) lo = (lo << 8) | (x & 0xff);
            return new Cidr(4, 0, mask(lo, prefix, 32), prefix);
        }
        for (int i = 0; i < 8; i++) hi = (hi << 8) | (b[i] & 0xff);
        for (int i = 8; i < 16; i++) lo = (lo << 8) | (b[i] & 0xff);
        return new Cidr(6, prefix >= 64 ? hi : mask(hi, prefix, 64), prefix >= 64 ? mask(lo, prefix - 64, 64) : 0, prefix);
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

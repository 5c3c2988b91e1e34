package dev.skbscope.engine.event;

/**
 * IP protocol names and numbers: the one table for filters, recordings and the kernel side.
 * Stateless and thread-safe. Names match ignoring ASCII case only (never a locale's rules); {@code icmp6} is an alias of
 * {@code icmpv6}.
 */
public final class IpProtocols {
    /** Known names, the canonical name of each number first. */
    private static final String[] NAMES = {"tcp", "udp", "icmp", "icmpv6", "sctp", "icmp6"};
    private static final int[] NUMBERS = {6, 17, 1, 58, 132, 58};
    public static final int UNKNOWN = -1;

    private IpProtocols() { }

    /** How many names {@link #name(int)} / {@link #numberAt(int)} index (for byte-level matchers). */
    public static int names() { return NAMES.length; }

    /** The {@code i}-th known name (lower case). */
    public static String nameAt(int i) { return NAMES[i]; }

    /** The protocol number of the {@code i}-th known name. */
    public static int numberAt(int i) { return NUMBERS[i]; }

    /** The number of a protocol name (any ASCII case), or {@link #UNKNOWN}. */
    public static int byName(CharSequence name) {
        int len = name.length();
        for (int i = 0; i < NAMES.length; i++) {
            String n = NAMES[i];
            int k = n.length() == len ? 0 : -1;
            while (k >= 0 && k < len && lower(name.charAt(k)) == n.charAt(k)) k++;
            if (k == len) return NUMBERS[i];
        }
        return UNKNOWN;
    }

    /** The number of a protocol name (any ASCII case) given as chars, or {@link #UNKNOWN}. Allocates nothing. */
    public static int byName(char[] c, int off, int len) {
        for (int i = 0; i < NAMES.length; i++) {
            String n = NAMES[i];
            int k = n.length() == len ? 0 : -1;
            while (k >= 0 && k < len && lower(c[off + k]) == n.charAt(k)) k++;
            if (k == len) return NUMBERS[i];
        }
        return UNKNOWN;
    }

    /** ASCII-only case folding: a name is never matched through a locale's or Unicode's rules. */
    private static char lower(char ch) { return ch >= 'A' && ch <= 'Z' ? (char) (ch + ('a' - 'A')) : ch; }

    /** A protocol name (any case) or a number 0..255, as a number; {@link #UNKNOWN} for anything else. */
    public static int parse(String nameOrNumber) {
        int n = byName(nameOrNumber);
        if (n != UNKNOWN) return n;
        try {
            int v = Integer.parseInt(nameOrNumber);
            return v >= 0 && v <= 255 ? v : UNKNOWN;
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    /** The canonical name of a protocol number, or null. */
    public static String name(int number) {
        for (int i = 0; i < NAMES.length; i++) if (NUMBERS[i] == number) return NAMES[i];
        return null;
    }
}

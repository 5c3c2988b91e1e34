package dev.skbscope.server.http;

/**
 * Client text quoted back in error messages: cut to a bounded length and stripped of control
 * characters, so an error never reflects a megabyte or a terminal escape. Stateless.
 */
public final class Echo {
    /** Longest echo, in characters, before "…" is appended. */
    public static final int MAX = 64;

    private Echo() { }

    /** {@code "text"} (quoted), truncated to {@link #MAX} characters; {@code null} for null. */
    public static String of(String s) {
        return s == null ? "null" : '"' + bare(s) + '"';
    }

    /** The text unquoted, truncated to {@link #MAX} characters with "…", control characters as '?'. */
    public static String bare(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX) + 4);
        int n = Math.min(s.length(), MAX);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > MAX) b.append('…');
        return b.toString();
    }
}

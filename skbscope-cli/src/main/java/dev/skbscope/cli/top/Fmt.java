package dev.skbscope.cli.top;

import java.util.Locale;

/** Numbers written short for narrow columns ({@code 14.2k}, {@code 1.50µs}, {@code 3m05s}). Stateless. */
final class Fmt {
    private Fmt() { }

    static String count(long n) {
        if (n < 0) return "-";
        if (n < 10_000) return Long.toString(n);
        if (n < 1_000_000) return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        if (n < 1_000_000_000) return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        return String.format(Locale.ROOT, "%.2fG", n / 1e9);
    }

    static String rate(double r) {
        if (!(r > 0)) return "0";
        if (r < 10) return String.format(Locale.ROOT, "%.1f", r);
        if (r < 1000) return String.format(Locale.ROOT, "%.0f", r);
        if (r < 100_000) return String.format(Locale.ROOT, "%.2fk", r / 1e3);
        if (r < 1_000_000) return String.format(Locale.ROOT, "%.0fk", r / 1e3);
        return String.format(Locale.ROOT, "%.2fM", r / 1e6);
    }

    static String us(double us, boolean unicode) {
        String u = unicode ? "µs" : "us";
        if (us < 10) return String.format(Locale.ROOT, "%.2f%s", us, u);
        if (us < 100) return String.format(Locale.ROOT, "%.1f%s", us, u);
        if (us < 1000) return String.format(Locale.ROOT, "%.0f%s", us, u);
        if (us < 1_000_000) return String.format(Locale.ROOT, "%.2fms", us / 1e3);
        return String.format(Locale.ROOT, "%.2fs", us / 1e6);
    }

    static String pct(double share) {
        double p = share * 100;
        if (p == 0) return "0%";
        if (p < 0.1) return String.format(Locale.ROOT, "%.2f%%", p);
        if (p < 10) return String.format(Locale.ROOT, "%.1f%%", p);
        return String.format(Locale.ROOT, "%.0f%%", p);
    }

    static String duration(double seconds) {
        long s = (long) Math.max(0, seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        if (s < 86_400) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s / 60) % 60);
        return String.format(Locale.ROOT, "%dd%02dh", s / 86_400, (s / 3600) % 24);
    }

    /** {@code s} cut to {@code width} columns (with an ellipsis mark when cut), never longer. */
    static String fit(String s, int width, boolean unicode) {
        if (width <= 0) return "";
        if (s.length() <= width) return s;
        if (width == 1) return s.substring(0, 1);
        return s.substring(0, width - 1) + (unicode ? "…" : "~");
    }
}

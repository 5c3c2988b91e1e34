package dev.skbscope.server.history;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long history is kept at which resolution: tiers from finest to coarsest, each step a multiple
 * of the one before and kept longer. Default {@code 1s:1h,1m:24h,5m:3d}. Immutable.
 */
public record HistoryTiers(List<Tier> tiers) {
    /** Samples every {@code stepSeconds}, kept for {@code keepSeconds}. */
    public record Tier(long stepSeconds, long keepSeconds) {
        @Override public String toString() { return duration(stepSeconds) + ":" + duration(keepSeconds); }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");
    public static final HistoryTiers DEFAULT = parse("1s:1h,1m:24h,5m:3d");

    public HistoryTiers {
        tiers = List.copyOf(tiers);
        if (tiers.isEmpty()) throw new IllegalArgumentException("at least one tier is needed");
        if (tiers.getFirst().stepSeconds() != 1) throw new IllegalArgumentException("the first tier must have a 1s step (the tick)");
        for (int i = 1; i < tiers.size(); i++) {
            Tier a = tiers.get(i - 1), b = tiers.get(i);
            if (b.stepSeconds() <= a.stepSeconds() || b.stepSeconds() % a.stepSeconds() != 0)
                throw new IllegalArgumentException("step " + duration(b.stepSeconds()) + " must be a larger multiple of " + duration(a.stepSeconds()));
            if (b.keepSeconds() <= a.keepSeconds())
                throw new IllegalArgumentException("tier " + b + " must be kept longer than " + a);
        }
        for (Tier t : tiers)
            if (t.keepSeconds() < t.stepSeconds()) throw new IllegalArgumentException("tier " + t + " keeps less than one step");
    }

    /** Parses {@code STEP:KEEP,...} with durations like {@code 1s}, {@code 5m}, {@code 24h}, {@code 3d}. */
    public static HistoryTiers parse(String spec) {
        List<Tier> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String[] sk = part.strip().split(":");
            if (sk.length != 2) throw new IllegalArgumentException("'" + part.strip() + "' is not STEP:KEEP, e.g. 1m:24h");
            out.add(new Tier(seconds(sk[0]), seconds(sk[1])));
        }
        return new HistoryTiers(out);
    }

    /** The finest tier (the tick's, 1 s). */
    public Tier finest() { return tiers.getFirst(); }

    /** The tier after {@code t}, or null. */
    public Tier coarser(Tier t) {
        int i = tiers.indexOf(t);
        return i + 1 < tiers.size() ? tiers.get(i + 1) : null;
    }

    /** The longest time any history is kept. */
    public long keepSeconds() { return tiers.getLast().keepSeconds(); }

    @Override public String toString() {
        StringBuilder b = new StringBuilder();
        for (Tier t : tiers) b.append(b.isEmpty() ? "" : ",").append(t);
        return b.toString();
    }

    static long seconds(String s) {
        Matcher m = DURATION.matcher(s.strip());
        if (!m.matches()) throw new IllegalArgumentException("'" + s.strip() + "' is not a duration such as 1s, 5m, 24h or 3d");
        long n = Long.parseLong(m.group(1));
        return n * switch (m.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3600;
            default -> 86400;
        };
    }

    static String duration(long s) {
        if (s % 86400 == 0) return s / 86400 + "d";
        if (s % 3600 == 0) return s / 3600 + "h";
        if (s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }
}

package dev.skbscope.engine.event;

/** Netfilter verdict (first six) or nft rule verdict; {@link #NONE} when the event carries none. */
public enum Verdict {
    NONE, ACCEPT, DROP, STOLEN, QUEUE, REPEAT, STOP, CONTINUE, RETURN, JUMP, GOTO, BREAK;

    private static final Verdict[] VALUES = values();

    /** Parses a verdict name (case-insensitive); returns {@code null} for an unknown name. */
    public static Verdict parse(String name) {
        if (name == null) return NONE;
        for (Verdict v : VALUES) if (v != NONE && v.name().equalsIgnoreCase(name)) return v;
        return null;
    }

    public static Verdict of(int ordinal) { return VALUES[ordinal]; }
}

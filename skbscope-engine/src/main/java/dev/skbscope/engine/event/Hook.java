package dev.skbscope.engine.event;

/** Netfilter / tc hook an event was taken at; {@link #NONE} when the event carries none. */
public enum Hook {
    NONE, PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING, INGRESS, EGRESS;

    private static final Hook[] VALUES = values();

    /** Parses a hook name (case-insensitive); returns {@code null} for an unknown name. */
    public static Hook parse(String name) {
        if (name == null) return NONE;
        for (Hook h : VALUES) if (h != NONE && h.name().equalsIgnoreCase(name)) return h;
        return null;
    }

    public static Hook of(int ordinal) { return VALUES[ordinal]; }
}

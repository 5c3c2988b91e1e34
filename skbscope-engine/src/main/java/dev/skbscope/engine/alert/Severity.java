package dev.skbscope.engine.alert;

import java.util.Locale;

/** How serious an alert is, least first; the JSON and Prometheus label value is {@link #id()}. Immutable. */
public enum Severity {
    INFO, WARNING, ERROR, CRITICAL;

    /** {@code info}, {@code warning}, {@code error} or {@code critical}. */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** The severity named {@code id} (case-insensitive), or null. */
    public static Severity parse(String id) {
        for (Severity s : values()) if (s.name().equalsIgnoreCase(id)) return s;
        return null;
    }
}

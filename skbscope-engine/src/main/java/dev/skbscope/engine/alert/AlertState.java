package dev.skbscope.engine.alert;

import java.util.Locale;

/** Where an alert is in its life: pending (condition holds, {@code for} not yet over), firing, resolved. */
public enum AlertState {
    PENDING, FIRING, RESOLVED;

    /** {@code pending}, {@code firing} or {@code resolved}. */
    public String id() { return name().toLowerCase(Locale.ROOT); }
}

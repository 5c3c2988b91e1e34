package dev.skbscope.server.session;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Life of a session; shown in lower case. */
public enum SessionState {
    /** Registered, source not started yet. */
    CREATED,
    /** Its source thread is feeding the tracker. */
    RUNNING,
    /** Stopped by a user; stats and recording kept. */
    STOPPED,
    /** Its source ended (a replay reached the end of its file). */
    FINISHED,
    /** Its source failed; {@code error} says why. */
    FAILED,
    /** It was running when the server process died; its last saved snapshot is shown. */
    INTERRUPTED;

    @JsonValue public String id() { return name().toLowerCase(Locale.ROOT); }

    public static SessionState parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            return INTERRUPTED;
        }
    }
}

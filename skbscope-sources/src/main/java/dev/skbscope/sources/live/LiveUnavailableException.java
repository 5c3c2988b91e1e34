package dev.skbscope.sources.live;

/** Live tracing can't run here; the message says why and what the user can do about it. */
public class LiveUnavailableException extends Exception {
    public LiveUnavailableException(String message) { super(message); }
    public LiveUnavailableException(String message, Throwable cause) { super(message, cause); }
}

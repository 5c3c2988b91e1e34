package dev.skbscope.server.session;

import dev.skbscope.sources.EventSource;

/** Opens the event source of a session; called on the thread that starts the session. */
@FunctionalInterface
public interface SourceFactory {
    /**
     * @throws dev.skbscope.server.ApiException when the source can't be opened (message says why)
     */
    EventSource open(SessionSpec spec);
}

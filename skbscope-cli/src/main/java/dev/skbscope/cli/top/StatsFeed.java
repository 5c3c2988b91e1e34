package dev.skbscope.cli.top;

/**
 * Where {@code top} gets its stats: a running server, or a source traced in this process.
 * Implementations are thread-safe: the render thread reads {@link #state()} and calls
 * {@link #select}, while the feed's own threads update the state and call the listener.
 */
public interface StatsFeed extends AutoCloseable {
    /** Starts feeding; {@code changed} is run (on any thread, quickly) whenever the state changes. */
    void start(Runnable changed);

    /** What the feed knows now. */
    FeedState state();

    /** Watches another session (ignored by single-session feeds). */
    default void select(String sessionId) { }

    /**
     * For local feeds, a fresh snapshot is taken when the view asks for one; a server feed's stats
     * are pushed once per second by the server. Called by the render thread once per second.
     */
    default void tick() { }

    @Override void close();
}

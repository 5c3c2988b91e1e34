package dev.skbscope.server.stats;

/**
 * Told each time a session publishes stats. Called on the publishing session's thread right after
 * the value became visible through {@link StatsPublisher#latest()}; it must return quickly (hand
 * work to another thread) and must not throw. Implementations see values of many sessions
 * concurrently, each session's in order.
 */
@FunctionalInterface
public interface StatsListener {
    StatsListener NONE = stats -> { };

    void published(PublishedStats stats);

    /** This listener, then {@code next}. */
    default StatsListener andThen(StatsListener next) {
        return stats -> {
            published(stats);
            next.published(stats);
        };
    }
}

package dev.skbscope.cli.top;

import dev.skbscope.engine.StatsSnapshot;

import java.util.List;

/**
 * What a {@link StatsFeed} knows at one moment; immutable. The view renders from it and nothing else.
 *
 * @param source       where the numbers come from, e.g. {@code server 127.0.0.1:5000}, {@code live kernel}
 * @param connection   the feed's link to its source
 * @param detail       why it is disconnected or ended, or what it waits for; null when all is well
 * @param sessions     the sessions that can be watched (one for a local feed)
 * @param current      the id of the session watched, or null before one is chosen
 * @param stats        its latest stats, or null before the first arrive
 * @param statsAtNanos {@link System#nanoTime()} when {@code stats} arrived
 * @param alerts       firing alerts of the session; null when the source does not offer alerts
 */
public record FeedState(String source, Connection connection, String detail, List<SessionInfo> sessions,
                        String current, StatsSnapshot stats, long statsAtNanos, List<AlertLine> alerts) {

    public enum Connection {
        CONNECTING("connecting"), LIVE("live"), DISCONNECTED("disconnected"), ENDED("ended");
        private final String label;
        Connection(String label) { this.label = label; }
        public String label() { return label; }
    }

    /** One session of the source: id, state (running, stopped, ...), mode and source kind. */
    public record SessionInfo(String id, String state, String mode, String sourceKind) { }

    /** A firing alert as one line: severity, rule name, what it is about, and its value. */
    public record AlertLine(String severity, String name, String subject, String value) { }

    public FeedState {
        sessions = List.copyOf(sessions);
        alerts = alerts == null ? null : List.copyOf(alerts);
    }

    /** The watched session's entry, or null. */
    public SessionInfo currentInfo() {
        for (SessionInfo s : sessions) if (s.id().equals(current)) return s;
        return null;
    }
}

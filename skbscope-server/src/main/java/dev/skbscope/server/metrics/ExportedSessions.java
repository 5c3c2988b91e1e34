package dev.skbscope.server.metrics;

import dev.skbscope.server.session.Session;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which sessions {@code /metrics} exports now, under a {@link MetricsPolicy}. Stateless and
 * thread-safe.
 *
 * <p>Why this order: a running session that is exported stays exported while it runs (older sessions
 * win), so a new session past the cap never makes an old one's series vanish mid-run; stopped
 * sessions are kept for the grace period only, most recent first.
 */
final class ExportedSessions {
    private ExportedSessions() { }

    /** @param exported the sessions to export; {@code omitted}: sessions with stats that the cap left out */
    record Selection(List<Session> exported, int omitted) { }

    static Selection select(List<Session> sessions, MetricsPolicy policy, Instant now) {
        List<Session> running = new ArrayList<>();
        List<Session> stopped = new ArrayList<>();
        for (Session s : sessions) {
            if (s.published() == null || s.published().snapshot() == null) continue; // never ran here: nothing to export
            if (s.running()) running.add(s);
            else if (s.stoppedAt() != null && !s.stoppedAt().plus(policy.grace()).isBefore(now)) stopped.add(s);
        }
        running.sort(Comparator.comparing(ExportedSessions::started).thenComparing(Session::id));
        stopped.sort(Comparator.comparing(Session::stoppedAt).reversed().thenComparing(Session::id));
        List<Session> out = new ArrayList<>(Math.min(policy.maxSessions(), running.size() + stopped.size()));
        for (Session s : running) if (out.size() < policy.maxSessions()) out.add(s);
        for (Session s : stopped) if (out.size() < policy.maxSessions()) out.add(s);
        return new Selection(out, running.size() + stopped.size() - out.size());
    }

    private static Instant started(Session s) {
        return s.startedAt() == null ? s.createdAt() : s.startedAt();
    }
}

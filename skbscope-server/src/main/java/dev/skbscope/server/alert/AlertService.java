package dev.skbscope.server.alert;

import dev.skbscope.engine.StatsInterval;
import dev.skbscope.engine.alert.Alert;
import dev.skbscope.engine.alert.AlertEvaluator;
import dev.skbscope.engine.alert.AlertRule;
import dev.skbscope.engine.alert.AlertState;
import dev.skbscope.server.history.HistoryDatabase;
import dev.skbscope.server.session.RealtimeTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Alerting for every running session and the realtime tracer: evaluates each one's rules on each
 * tick's interval, logs what fires and resolves to the history database, and tells its listeners
 * (the Socket.IO {@code alert} event). Threading: the evaluating methods ({@link #evaluate},
 * {@link #ended}, {@link #clear}) run on the one tick thread; {@link #active} and
 * {@link #firingCounts} may be read from any thread.
 */
public final class AlertService {
    private static final Logger log = LoggerFactory.getLogger(AlertService.class);

    /** Told of every alert that fires or resolves, on the tick thread; must be quick. */
    public interface Listener {
        void onAlert(String session, Alert alert);
    }

    private final RuleBook rules;
    private final HistoryDatabase db;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, AlertEvaluator> evaluators = new HashMap<>();
    /** Alert-log row of each firing alert: session → rule/key → id. */
    private final Map<String, Map<String, Long>> logIds = new HashMap<>();
    /** Pending and firing alerts per session, published after each evaluation. */
    private final Map<String, List<Alert>> active = new ConcurrentHashMap<>();

    public AlertService(RuleBook rules, HistoryDatabase db) {
        this.rules = rules;
        this.db = db;
    }

    public RuleBook rules() { return rules; }

    public void addListener(Listener l) { listeners.add(l); }

    /** Tick thread: evaluates the session's rules over the interval that ended at {@code nowMs}. */
    public void evaluate(String session, StatsInterval interval, long nowMs) {
        AlertEvaluator e = evaluators.computeIfAbsent(session, k -> new AlertEvaluator());
        List<AlertRule> set = session.equals(RealtimeTracker.ID) ? rules.global() : rules.effective(session);
        List<Alert> changes = e.evaluate(interval, set, nowMs);
        publish(session, e);   // readers of the active list see a change no later than its event
        handle(session, changes);
    }

    /** Tick thread: the session stopped (or the realtime tracer was disabled): its firing alerts resolve. */
    public void ended(String session, long nowMs, String why) {
        AlertEvaluator e = evaluators.remove(session);
        active.remove(session);
        if (e != null) handle(session, e.resolveAll(nowMs, why));
        logIds.remove(session);
    }

    /**
     * Tick thread: resolves the active alerts (of one session, or all when null) as cleared; they
     * fire again if their condition still holds for their {@code for}. Returns how many fired ones resolved.
     */
    public int clear(String session, long nowMs) {
        int n = 0;
        for (String s : new ArrayList<>(evaluators.keySet())) {
            if (session != null && !session.equals(s)) continue;
            AlertEvaluator e = evaluators.get(s);
            List<Alert> resolved = e.resolveAll(nowMs, Alert.CLEARED);
            n += resolved.size();
            publish(s, e);
            handle(s, resolved);
        }
        return n;
    }

    /** Tick thread: forgets a purged session entirely (its log rows are deleted with its history). */
    public void purged(String session) {
        evaluators.remove(session);
        active.remove(session);
        logIds.remove(session);
        rules.forget(session);
    }

    /** Pending and firing alerts by session (any thread). */
    public Map<String, List<Alert>> active() {
        return new LinkedHashMap<>(active);
    }

    /** Firing alerts per session, rule and severity (any thread), for {@code skbscope_alerts_firing}. */
    public Map<List<String>, Integer> firingCounts() {
        Map<List<String>, Integer> out = new LinkedHashMap<>();
        active.forEach((session, alerts) -> {
            for (Alert a : alerts)
                if (a.state() == AlertState.FIRING) out.merge(List.of(a.rule().name(), a.rule().severity().id(), session), 1, Integer::sum);
        });
        return out;
    }

    private void publish(String session, AlertEvaluator e) {
        List<Alert> now = e.active();
        if (now.isEmpty()) active.remove(session);
        else active.put(session, now);
    }

    private void handle(String session, List<Alert> changes) {
        for (Alert a : changes) {
            String key = a.rule().name() + "/" + a.key();
            try {
                if (a.state() == AlertState.FIRING) {
                    long id = db.logFired(new HistoryDatabase.AlertEntry(0, session, a.rule().name(), a.rule().title(),
                            a.rule().severity().id(), a.rule().expression().id(), a.rule().comparison().symbol(),
                            a.rule().threshold(), a.node(), a.hook(), a.reason(), a.value(), a.sinceMs(), a.firedAtMs(), null, null));
                    logIds.computeIfAbsent(session, k -> new HashMap<>()).put(key, id);
                    log.warn("[Alert] FIRING {} ({}) in {}{}: {} is {} ({} {})", a.rule().name(), a.rule().severity().id(), session,
                            a.key().isEmpty() ? "" : " at " + a.key(), a.rule().expression().id(), AlertJson.round(a.value()),
                            a.rule().comparison().symbol(), a.rule().threshold());
                } else {
                    Map<String, Long> ids = logIds.get(session);
                    Long id = ids == null ? null : ids.remove(key);
                    if (id != null) db.logResolved(id, a.value(), a.resolvedAtMs(), a.resolution());
                    log.info("[Alert] RESOLVED {} in {}{}: {}", a.rule().name(), session, a.key().isEmpty() ? "" : " at " + a.key(), a.resolution());
                }
            } catch (SQLException ex) {
                log.warn("[Alert] cannot log {} of {}: {}", a.state().id(), session, ex.getMessage());
            }
            for (Listener l : listeners) {
                try {
                    l.onAlert(session, a);
                } catch (RuntimeException ex) {
                    log.warn("[Alert] listener failed: {}", ex.toString());
                }
            }
        }
    }
}

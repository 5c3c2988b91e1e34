package dev.skbscope.server.alert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.alert.Alert;
import dev.skbscope.engine.alert.AlertState;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.history.HistoryDatabase;

import java.time.Instant;

/** JSON of alerts: the Socket.IO {@code alert} event, active alerts and alert-log entries. Stateless. */
public final class AlertJson {
    private AlertJson() { }

    /**
     * The Socket.IO {@code alert} event: {@code {session_id, alert: {rule, severity, state, value,
     * threshold, node?, since, ...}}} ({@code node}, {@code hook} and {@code reason} only when the
     * alert is about one; {@code since} is when the condition started to hold).
     */
    public static ObjectNode event(String session, Alert a) {
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        out.put("session_id", session);
        out.set("alert", alert(a));
        return out;
    }

    /** One alert: the event's {@code alert} object, also an entry of {@code GET /api/alerts}. */
    public static ObjectNode alert(Alert a) {
        ObjectNode n = ServerJson.MAPPER.createObjectNode();
        n.put("rule", a.rule().name());
        n.put("title", a.rule().title());
        n.put("severity", a.rule().severity().id());
        n.put("state", a.state().id());
        n.put("value", round(a.value()));
        n.put("threshold", a.rule().threshold());
        n.put("comparison", a.rule().comparison().symbol());
        n.put("expression", a.rule().expression().id());
        n.put("unit", a.rule().expression().unit());
        if (a.node() != null) n.put("node", a.node());
        if (a.hook() != null) n.put("hook", a.hook());
        if (a.reason() != null) n.put("reason", a.reason());
        n.put("since", iso(a.sinceMs()));
        if (a.firedAtMs() > 0) n.put("fired_at", iso(a.firedAtMs()));
        if (a.state() == AlertState.RESOLVED) {
            n.put("resolved_at", iso(a.resolvedAtMs()));
            n.put("resolution", a.resolution());
        }
        return n;
    }

    /** An entry of {@code GET /api/alerts/history}. */
    public static ObjectNode entry(HistoryDatabase.AlertEntry e) {
        ObjectNode n = ServerJson.MAPPER.createObjectNode();
        n.put("id", e.id());
        n.put("session_id", e.session());
        n.put("rule", e.rule());
        n.put("title", e.title());
        n.put("severity", e.severity());
        n.put("state", e.resolvedMs() == null ? AlertState.FIRING.id() : AlertState.RESOLVED.id());
        n.put("value", round(e.value()));
        n.put("threshold", e.threshold());
        n.put("comparison", e.comparison());
        n.put("expression", e.expression());
        if (e.node() != null) n.put("node", e.node());
        if (e.hook() != null) n.put("hook", e.hook());
        if (e.reason() != null) n.put("reason", e.reason());
        n.put("since", iso(e.sinceMs()));
        n.put("fired_at", iso(e.firedMs()));
        n.put("resolved_at", e.resolvedMs() == null ? null : iso(e.resolvedMs()));
        n.put("resolution", e.resolution());
        return n;
    }

    static String iso(long ms) { return Instant.ofEpochMilli(ms).toString(); }

    /** Six significant digits: enough for a threshold check, short in JSON; NaN (no value) as 0. */
    static double round(double v) {
        if (!Double.isFinite(v)) return 0;
        if (v == 0) return 0;
        double scale = Math.pow(10, 5 - Math.floor(Math.log10(Math.abs(v))));
        return Math.round(v * scale) / scale;
    }
}

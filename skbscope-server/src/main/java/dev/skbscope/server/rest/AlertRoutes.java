package dev.skbscope.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.alert.Alert;
import dev.skbscope.engine.alert.AlertRule;
import dev.skbscope.engine.alert.AlertState;
import dev.skbscope.engine.alert.DefaultRules;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.alert.AlertJson;
import dev.skbscope.server.alert.AlertService;
import dev.skbscope.server.alert.PrometheusRules;
import dev.skbscope.server.alert.RuleBook;
import dev.skbscope.server.alert.RuleJson;
import dev.skbscope.server.history.HistoryDatabase;
import dev.skbscope.server.http.RequestBody;
import dev.skbscope.server.http.RequestFields;
import dev.skbscope.server.history.HistoryQuery;
import dev.skbscope.server.session.RealtimeTracker;
import dev.skbscope.server.session.SessionRegistry;
import dev.skbscope.server.tick.IntervalTicker;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The alerting and history REST API: rules (global and per session), active alerts, the alert log,
 * clearing, the Prometheus rules export and {@code GET /api/sessions/{id}/history}. Handlers run on
 * Jetty threads; changes to alert state go through the ticker's thread.
 */
public final class AlertRoutes {
    /** Rule names that would be shadowed by a fixed path under /api/alerts/rules/. */
    private static final Set<String> RESERVED = Set.of("prometheus", "reset");
    private static final List<String> CLEAR_FIELDS = List.of("session", "active", "history");

    private final SessionRegistry registry;
    private final AlertService alerts;
    private final RuleBook rules;
    private final HistoryDatabase history;
    private final HistoryQuery historyQuery;
    private final IntervalTicker ticker;

    public AlertRoutes(SessionRegistry registry, AlertService alerts, HistoryDatabase history, IntervalTicker ticker) {
        this.registry = registry;
        this.alerts = alerts;
        this.rules = alerts.rules();
        this.history = history;
        this.historyQuery = new HistoryQuery(history);
        this.ticker = ticker;
    }

    public void register(RoutesConfig r) {
        r.get("/api/alerts/rules", ctx -> ctx.json(RuleBook.json(rules.global(), null)));
        r.post("/api/alerts/rules", ctx -> {
            AlertRule rule = newRule(RuleJson.parse(RequestBody.required(ctx, "a rule"), ""));
            rules.addGlobal(rule);
            ctx.status(201).json(RuleJson.write(rule));
        });
        r.put("/api/alerts/rules", ctx -> {
            List<AlertRule> set = RuleJson.parseSet(RequestBody.required(ctx, "a rule set {\"rules\": [...]}"));
            for (AlertRule a : set) newRule(a);
            rules.setGlobal(set);
            ctx.json(RuleBook.json(rules.global(), null));
        });
        r.post("/api/alerts/rules/reset", ctx -> {
            rules.setGlobal(DefaultRules.ALL);
            ctx.json(RuleBook.json(rules.global(), null));
        });
        r.get("/api/alerts/rules/prometheus", this::prometheus);
        r.get("/api/alerts/rules/{name}", ctx -> ctx.json(RuleJson.write(globalRule(ctx.pathParam("name")))));
        r.put("/api/alerts/rules/{name}", ctx -> {
            AlertRule rule = RuleJson.merge(globalRule(ctx.pathParam("name")), RequestBody.required(ctx, "the fields to change"), "");
            rules.replaceGlobal(rule);
            ctx.json(RuleJson.write(rule));
        });
        r.delete("/api/alerts/rules/{name}", ctx -> {
            rules.removeGlobal(ctx.pathParam("name"));
            ctx.json(ServerJson.MAPPER.createObjectNode().put("deleted", ctx.pathParam("name")));
        });

        r.get("/api/sessions/{id}/alerts/rules", ctx -> {
            String id = sessionId(ctx);
            ctx.json(RuleBook.json(null, rules.effectiveWithOrigin(id)));
        });
        r.post("/api/sessions/{id}/alerts/rules", ctx -> {
            String id = sessionId(ctx);
            AlertRule rule = newRule(RuleJson.parse(RequestBody.required(ctx, "a rule"), ""));
            if (rules.own(id).stream().anyMatch(x -> x.name().equals(rule.name())))
                throw ApiException.conflict("name: session " + id + " already has a rule " + rule.name());
            rules.putOwn(id, rule);
            ctx.status(201).json(RuleJson.write(rule).put("origin", "session"));
        });
        r.get("/api/sessions/{id}/alerts/rules/{name}", ctx -> {
            String id = sessionId(ctx);
            RuleBook.Effective e = effective(id, ctx.pathParam("name"));
            ctx.json(RuleJson.write(e.rule()).put("origin", e.origin()));
        });
        r.put("/api/sessions/{id}/alerts/rules/{name}", ctx -> {
            String id = sessionId(ctx);
            // changing a global rule here makes the session's own copy of it
            AlertRule rule = RuleJson.merge(effective(id, ctx.pathParam("name")).rule(), RequestBody.required(ctx, "the fields to change"), "");
            rules.putOwn(id, rule);
            ctx.json(RuleJson.write(rule).put("origin", "session"));
        });
        r.delete("/api/sessions/{id}/alerts/rules/{name}", ctx -> {
            String id = sessionId(ctx);
            rules.removeOwn(id, ctx.pathParam("name"));
            ctx.json(ServerJson.MAPPER.createObjectNode().put("deleted", ctx.pathParam("name")).put("session_id", id));
        });

        r.get("/api/alerts", ctx -> ctx.json(active(ctx.queryParam("session"), ctx.queryParam("state"))));
        r.get("/api/sessions/{id}/alerts", ctx -> ctx.json(active(sessionId(ctx), ctx.queryParam("state"))));
        r.get("/api/alerts/history", this::alertHistory);
        r.post("/api/alerts/clear", this::clear);

        r.get("/api/sessions/{id}/history", ctx -> {
            String id = registry.require(ctx.pathParam("id")).id();
            ctx.json(historyQuery.answer(id, ctx.queryParam("from"), ctx.queryParam("to"), ctx.queryParam("step"),
                    ctx.queryParam("series"), System.currentTimeMillis() / 1000.0));
        });
    }

    private static AlertRule newRule(AlertRule r) {
        if (RESERVED.contains(r.name())) throw ApiException.badRequest("name: '" + r.name() + "' is reserved");
        return r;
    }

    private AlertRule globalRule(String name) {
        AlertRule r = rules.globalRule(name);
        if (r == null) throw ApiException.notFound("no global rule named " + name);
        return r;
    }

    private RuleBook.Effective effective(String session, String name) {
        for (RuleBook.Effective e : rules.effectiveWithOrigin(session)) if (e.rule().name().equals(name)) return e;
        throw ApiException.notFound("session " + session + " has no rule named " + name);
    }

    /** The session id of the path: a known session, or the realtime tracer for reading. */
    private String sessionId(Context ctx) {
        return registry.require(ctx.pathParam("id")).id();
    }

    private void prometheus(Context ctx) {
        String window = ctx.queryParam("window");
        if (window == null) window = PrometheusRules.DEFAULT_WINDOW;
        if (!PrometheusRules.validWindow(window)) throw ApiException.badRequest("window: must be a duration such as 30s, 1m, 5m");
        Map<String, List<AlertRule>> own = new LinkedHashMap<>();
        for (var s : registry.list()) {
            List<AlertRule> o = rules.own(s.id());
            if (!o.isEmpty()) own.put(s.id(), o);
        }
        ctx.contentType("text/yaml; charset=utf-8");
        ctx.header("Content-Disposition", "inline; filename=\"skbscope-alerts.yml\"");
        ctx.result(PrometheusRules.export(rules.global(), own, window));
    }

    private ObjectNode active(String session, String state) {
        if (state != null && !state.equals("firing") && !state.equals("pending"))
            throw ApiException.badRequest("state: must be firing or pending");
        if (session != null && !session.equals(RealtimeTracker.ID)) registry.require(session);
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("alerts");
        int firing = 0, pending = 0;
        for (Map.Entry<String, List<Alert>> e : alerts.active().entrySet()) {
            if (session != null && !session.equals(e.getKey())) continue;
            for (Alert a : e.getValue()) {
                if (a.state() == AlertState.FIRING) firing++;
                else pending++;
                if (state != null && !state.equals(a.state().id())) continue;
                ObjectNode n = AlertJson.alert(a);
                n.put("session_id", e.getKey());
                list.add(n);
            }
        }
        out.put("firing", firing);
        out.put("pending", pending);
        return out;
    }

    private void alertHistory(Context ctx) throws SQLException {
        int limit = 100;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l.strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("limit: must be a whole number 1..10000");
            }
            if (limit < 1 || limit > 10_000) throw ApiException.badRequest("limit: must be within 1..10000");
        }
        long sinceMs = 0;
        String since = ctx.queryParam("since");
        if (since != null) sinceMs = HistoryQuery.time("since", since, System.currentTimeMillis() / 1000) * 1000;
        String session = ctx.queryParam("session");
        if (session != null && !session.equals(RealtimeTracker.ID) && registry.get(session) == null)
            throw ApiException.notFound("session not found: " + session);
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("alerts");
        for (HistoryDatabase.AlertEntry e : history.alertLog(session, sinceMs, limit)) list.add(AlertJson.entry(e));
        out.put("count", list.size());
        ctx.json(out);
    }

    private void clear(Context ctx) {
        JsonNode b = RequestBody.optional(ctx);
        String session = null;
        boolean active = true, log = true;
        if (b != null) {
            if (!b.isObject()) throw ApiException.badRequest("body: must be a JSON object");
            RequestFields.onlyKnown(b, "", CLEAR_FIELDS, "a clear request");
            JsonNode s = b.get("session");
            if (s != null && !s.isNull()) {
                if (!s.isTextual()) throw ApiException.badRequest("session: must be a session id");
                session = s.textValue();
                if (!session.equals(RealtimeTracker.ID) && registry.get(session) == null)
                    throw ApiException.notFound("session not found: " + session);
            }
            active = bool(b, "active");
            log = bool(b, "history");
        }
        String only = session;
        boolean clearActive = active, clearLog = log;
        int[] counts = ticker.call(() -> {
            int a = clearActive ? alerts.clear(only, System.currentTimeMillis()) : 0;
            int h = clearLog ? history.clearAlertLog(only) : 0;
            return new int[]{a, h};
        });
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        out.put("cleared_active", counts[0]);
        out.put("cleared_history", counts[1]);
        ctx.json(out);
    }

    private static boolean bool(JsonNode b, String f) {
        JsonNode v = b.get(f);
        if (v == null) return true;
        if (!v.isBoolean()) throw ApiException.badRequest(f + ": must be true or false");
        return v.booleanValue();
    }

}

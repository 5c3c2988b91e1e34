package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Alert rules, alerts, the alert log, history and the Prometheus export over real HTTP. */
class AlertApiTest {
    @TempDir Path dir;
    private TestServer t;

    @AfterEach
    void stop() {
        if (t != null) t.close();
    }

    private JsonNode await(String path, long seconds, Predicate<JsonNode> condition) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < end) {
            TestServer.Reply r = t.get(path);
            last = r.json();
            if (r.status() == 200 && last != null && condition.test(last)) return last;
            Thread.sleep(100);
        }
        throw new AssertionError("condition not met for " + path + " within " + seconds + " s; last: " + last);
    }

    private static boolean has(JsonNode alerts, String rule, String state) {
        for (JsonNode a : alerts.path("alerts")) if (a.path("rule").asText().equals(rule) && a.path("state").asText().equals(state)) return true;
        return false;
    }

    @Test
    void aThirtyPercentDropShareFiresCriticalDropRateAndItResolvesWhenTheSessionStops() throws Exception {
        t = new TestServer(dir);
        long start = System.nanoTime();
        String id = t.createSession("{\"source\":{\"kind\":\"synthetic\",\"rate\":2000,\"seed\":1,\"drop_share\":0.3}}");
        JsonNode active = await("/api/alerts", 20, a -> has(a, "critical_drop_rate", "firing"));
        double took = (System.nanoTime() - start) / 1e9;
        JsonNode a = null;
        for (JsonNode x : active.path("alerts")) if (x.path("rule").asText().equals("critical_drop_rate")) a = x;
        assertThat(a.path("session_id").asText()).isEqualTo(id);
        assertThat(a.path("title").asText()).isEqualTo("Critical drop rate");
        assertThat(a.path("severity").asText()).isEqualTo("error");
        assertThat(a.path("value").asDouble()).isBetween(22.0, 38.0);
        assertThat(a.path("threshold").asDouble()).isEqualTo(20.0);
        assertThat(a.has("node")).isFalse();
        assertThat(a.path("since").asText()).endsWith("Z");
        // for (5 s) plus at most two ticks, plus slack for a loaded test machine
        assertThat(took).isLessThan(12);
        assertThat(active.path("firing").asInt()).isGreaterThanOrEqualTo(1);

        String metrics = t.get("/metrics").raw().body();
        assertThat(metrics).contains("skbscope_alerts_firing{rule=\"critical_drop_rate\",session=\"" + id + "\",severity=\"error\"} 1.0");

        JsonNode log = await("/api/alerts/history?limit=10", 5, h -> h.path("count").asInt() >= 1);
        assertThat(log.path("alerts").get(log.path("count").asInt() - 1).path("rule").asText()).isIn("critical_drop_rate", "high_drop_rate");

        assertThat(t.post("/api/session/" + id + "/stop", null).status()).isEqualTo(200);
        await("/api/alerts/history?session=" + id, 5, h -> {
            for (JsonNode e : h.path("alerts")) if (!e.path("state").asText().equals("resolved")) return false;
            return h.path("count").asInt() >= 1;
        });
        JsonNode resolved = t.get("/api/alerts/history?session=" + id).json().path("alerts").get(0);
        assertThat(resolved.path("resolution").asText()).isEqualTo("session stopped");
        assertThat(t.get("/api/alerts").json().path("firing").asInt()).isZero();
    }

    /** The realtime tracer's published stats reach the rules like a session's; disabling it resolves its alerts. */
    @Test
    void theRealtimeTracersPublishedStatsFireRulesAndDisablingResolvesThem() throws Exception {
        t = new TestServer(dir);
        assertThat(t.post("/api/realtime/enable", null).status()).isEqualTo(200);
        t.createSession("{\"source\":{\"kind\":\"synthetic\",\"rate\":2000,\"seed\":1,\"drop_share\":0.3}}");
        JsonNode active = await("/api/alerts?session=realtime", 20, a -> has(a, "critical_drop_rate", "firing"));
        for (JsonNode a : active.path("alerts")) assertThat(a.path("session_id").asText()).isEqualTo("realtime");
        assertThat(t.post("/api/realtime/disable", null).status()).isEqualTo(200);
        await("/api/alerts/history?session=realtime", 5, h -> {
            for (JsonNode e : h.path("alerts")) if (!e.path("state").asText().equals("resolved")) return false;
            return h.path("count").asInt() >= 1;
        });
        assertThat(t.get("/api/alerts?session=realtime").json().path("alerts").size()).isZero();
    }

    @Test
    void rulesAreValidatedStrictlyAndErrorsNameTheField() throws Exception {
        t = new TestServer(dir);
        List<String> errors = new ArrayList<>();
        String[] bad = {
                "{\"name\":\"x\",\"expression\":\"drop_ratio\",\"threshold\":1}",
                "{\"name\":\"x\",\"expression\":\"drop_rate\",\"threshold\":1,\"for\":-5}",
                "{\"name\":\"x\",\"expression\":\"node_p99_us\",\"threshold\":1,\"node\":\"nic_rxx\"}",
                "{\"name\":\"x\",\"expression\":\"drop_rate\",\"threshold\":1,\"colour\":\"red\"}",
                "{\"name\":\"x\",\"expression\":\"drop_rate\",\"threshold\":1} {}",
                "{\"name\":\"x\",\"expression\":\"drop_rate\",\"threshold\":\"high\"}",
                "{\"name\":\"x\",\"expression\":\"drop_rate\",\"threshold\":1,\"severity\":\"fatal\"}",
                "{\"name\":\"x\",\"expression\":\"drop_rate\",\"threshold\":1,\"for\":\"5 minutes\"}",
                "{\"name\":\"x\",\"expression\":\"drop_rate\",\"threshold\":1,\"node\":\"gro\"}",
                "{\"name\":\"x y\",\"expression\":\"drop_rate\",\"threshold\":1}",
                "{\"expression\":\"drop_rate\",\"threshold\":1}",
                "{\"name\":\"x\",\"expression\":\"drop_rate\",\"threshold\":1,\"name\":\"y\"}",
        };
        for (String b : bad) {
            TestServer.Reply r = t.post("/api/alerts/rules", b);
            assertThat(r.status()).as(b).isEqualTo(400);
            String m = r.json().path("error").asText();
            errors.add(m.substring(0, m.indexOf(':')));
        }
        assertThat(errors).containsExactly("expression", "for", "node", "colour", "body", "threshold", "severity", "for",
                "node", "name", "name", "body");
        assertThat(t.send("PUT", "/api/alerts/rules/high_drop_rate", "{\"threshold\":-1e99}").status()).isEqualTo(400);
        assertThat(t.send("PUT", "/api/alerts/rules/nope", "{\"threshold\":1}").status()).isEqualTo(404);
        assertThat(t.get("/api/alerts/history?limit=0").json().path("error").asText()).startsWith("limit:");
        assertThat(t.get("/api/alerts/history?since=soon").json().path("error").asText()).startsWith("since:");
        assertThat(t.get("/api/alerts?state=open").json().path("error").asText()).startsWith("state:");
        assertThat(t.get("/api/alerts/rules/prometheus?window=1w").json().path("error").asText()).startsWith("window:");
    }

    /**
     * The rule and clear endpoints read bodies exactly as session requests do: unknown fields get the
     * closest known one, trailing bytes, duplicate keys and deep nesting are refused, and numbers are
     * range-checked on their exact value; nothing is changed by a refused request.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "POST|/api/alerts/rules|{\"name\":\"r1\",\"expression\":\"drop_rate\",\"treshold\":3}|treshold: unknown field of an alert rule; did you mean threshold?",
            "PUT|/api/alerts/rules/high_drop_rate|{\"threshold\":7,\"sevrity\":\"error\"}|sevrity: unknown field of an alert rule; did you mean severity?",
            "PUT|/api/alerts/rules|{\"rules\":[{\"name\":\"r1\",\"expression\":\"drop_rate\",\"threshold\":1,\"fro\":5}]}|rules[0].fro: unknown field of an alert rule; did you mean rules[0].for?",
            "PUT|/api/alerts/rules|{\"rule\":[]}|rule: unknown field of a rule set; did you mean rules?",
            "POST|/api/alerts/clear|{\"histroy\":true}|histroy: unknown field of a clear request; did you mean history?",
            "PUT|/api/alerts/rules/high_drop_rate|{\"threshold\":7} garbage|body: invalid JSON",
            "PUT|/api/alerts/rules/high_drop_rate|{\"threshold\":7}{}|body: unexpected data after the JSON value (at byte 15)",
            "POST|/api/alerts/clear|{}[]|body: unexpected data after the JSON value",
            "PUT|/api/alerts/rules/high_drop_rate|{\"threshold\":7,\"threshold\":8}|body: invalid JSON: Duplicate field",
            "PUT|/api/alerts/rules/high_drop_rate|{\"threshold\":1000000000000000.1}|threshold: must be within -1000000000000000..1000000000000000 (got 1000000000000000.1)",
            "PUT|/api/alerts/rules/high_drop_rate|{\"threshold\":1e400}|threshold: must be within",
            "PUT|/api/alerts/rules/high_drop_rate|{\"for\":86400.0001}|for: must be within 0..86400 seconds",
            "PUT|/api/alerts/rules/high_drop_rate||body: the fields to change is required",
            "PUT|/api/alerts/rules/high_drop_rate|{\"hook\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}|body: invalid JSON: Document nesting depth (33)"})
    void ruleAndClearBodiesAreReadAsStrictlyAsSessionRequests(String method, String path, String body, String error) throws Exception {
        t = new TestServer(dir);
        String before = t.get("/api/alerts/rules").raw().body();
        TestServer.Reply r = t.send(method, path, body == null ? "" : body);
        assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
        assertThat(r.json().path("error").asText()).startsWith(error);
        assertThat(t.get("/api/alerts/rules").raw().body()).isEqualTo(before);
    }

    @Test
    void globalAndSessionRulesCanBeListedAddedChangedAndDeleted() throws Exception {
        t = new TestServer(dir);
        JsonNode rules = t.get("/api/alerts/rules").json();
        assertThat(rules.path("count").asInt()).isEqualTo(7);
        TestServer.Reply added = t.post("/api/alerts/rules",
                "{\"name\":\"input_drops\",\"title\":\"Drops at INPUT\",\"expression\":\"hook_drop_share\",\"comparison\":\">=\","
                        + "\"threshold\":50,\"for\":\"1m30s\",\"severity\":\"critical\",\"hook\":\"input\"}");
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.json().path("for").asDouble()).isEqualTo(90.0);
        assertThat(added.json().path("hook").asText()).isEqualTo("INPUT");
        assertThat(added.json().path("condition").asText()).isEqualTo("hook_drop_share{hook=INPUT} >= 50");
        assertThat(t.post("/api/alerts/rules", "{\"name\":\"input_drops\",\"expression\":\"drop_rate\",\"threshold\":1}").status()).isEqualTo(409);
        JsonNode changed = t.send("PUT", "/api/alerts/rules/high_drop_rate", "{\"threshold\":7.5,\"for\":20,\"severity\":\"critical\"}").json();
        assertThat(changed.path("threshold").asDouble()).isEqualTo(7.5);
        assertThat(changed.path("severity").asText()).isEqualTo("critical");
        assertThat(changed.path("expression").asText()).isEqualTo("drop_rate");
        assertThat(t.send("PUT", "/api/alerts/rules/low_packet_rate", "{\"enabled\":false}").json().path("enabled").asBoolean()).isFalse();
        assertThat(t.delete("/api/alerts/rules/input_drops").status()).isEqualTo(200);
        assertThat(t.get("/api/alerts/rules/input_drops").status()).isEqualTo(404);

        String id = t.createSession("{\"source\":{\"kind\":\"synthetic\",\"rate\":100}}");
        String base = "/api/sessions/" + id + "/alerts/rules";
        JsonNode own = t.send("PUT", base + "/critical_drop_rate", "{\"threshold\":50}").json();
        assertThat(own.path("origin").asText()).isEqualTo("session");
        assertThat(own.path("title").asText()).isEqualTo("Critical drop rate");
        assertThat(t.post(base, "{\"name\":\"busy\",\"expression\":\"packets_per_second\",\"threshold\":1e6}").status()).isEqualTo(201);
        JsonNode effective = t.get(base).json();
        assertThat(effective.path("count").asInt()).isEqualTo(8);
        assertThat(effective.path("rules").get(1).path("threshold").asDouble()).isEqualTo(50.0);
        assertThat(effective.path("rules").get(1).path("origin").asText()).isEqualTo("session");
        assertThat(effective.path("rules").get(0).path("origin").asText()).isEqualTo("global");
        // the global rule is unchanged
        assertThat(t.get("/api/alerts/rules/critical_drop_rate").json().path("threshold").asDouble()).isEqualTo(20.0);

        // the Prometheus export leaves the session out of the global rule and adds its own
        String yaml = t.get("/api/alerts/rules/prometheus").raw().body();
        JsonNode doc = new YAMLMapper().readTree(yaml);
        JsonNode prom = doc.path("groups").get(0).path("rules");
        List<String> exprs = new ArrayList<>();
        for (JsonNode r : prom) if (r.path("alert").asText().equals("critical_drop_rate")) exprs.add(r.path("expr").asText());
        assertThat(exprs).hasSize(2);
        assertThat(exprs.get(0)).contains("session!~\"" + id + "\"").contains("> 20");
        assertThat(exprs.get(1)).contains("session=\"" + id + "\"").contains("> 50");
        assertThat(prom.findValuesAsText("alert")).doesNotContain("low_packet_rate");   // disabled

        assertThat(t.delete(base + "/critical_drop_rate").status()).isEqualTo(200);
        assertThat(t.delete(base + "/critical_drop_rate").status()).isEqualTo(404);
        assertThat(t.get(base).json().path("rules").get(1).path("origin").asText()).isEqualTo("global");
        assertThat(t.get("/api/sessions/nope/alerts/rules").status()).isEqualTo(404);

        // rules survive a restart
        t.close();
        t = new TestServer(dir);
        assertThat(t.get("/api/alerts/rules/high_drop_rate").json().path("threshold").asDouble()).isEqualTo(7.5);
        assertThat(t.get(base).json().path("count").asInt()).isEqualTo(8);
        assertThat(t.post("/api/alerts/rules/reset", null).json().path("count").asInt()).isEqualTo(7);
    }

    @Test
    void historyIsRecordedEverySecondAndDeletedWithTheSession() throws Exception {
        t = new TestServer(dir);
        String id = t.createSession("{\"source\":{\"kind\":\"synthetic\",\"rate\":1000,\"seed\":3,\"drop_share\":0.1}}");
        JsonNode h = await("/api/sessions/" + id + "/history?from=-5m", 20, x -> x.path("points").asInt() >= 4);
        assertThat(h.path("step").asInt()).isEqualTo(1);
        JsonNode s = h.path("series");
        double pps = s.path("packets_per_second").get(2).asDouble();
        assertThat(pps).isBetween(700.0, 1300.0);
        assertThat(s.path("drops_per_second").get(2).asDouble()).isBetween(50.0, 160.0);
        assertThat(s.path("node_p99_us").size()).isGreaterThan(3);
        assertThat(s.path("verdicts_per_second").has("ACCEPT")).isTrue();
        assertThat(t.get("/api/sessions/" + id + "/history?series=bogus").json().path("error").asText()).startsWith("series:");
        assertThat(t.get("/api/sessions/nope/history").status()).isEqualTo(404);

        assertThat(t.delete("/api/sessions/" + id + "?purge=true").status()).isEqualTo(200);
        assertThat(t.server.history().extent(id)).isNull();
        assertThat(t.server.history().alertLog(id, 0, 10)).isEmpty();
    }

    @Test
    void clearResolvesActiveAlertsAndEmptiesTheLog() throws Exception {
        t = new TestServer(dir);
        t.post("/api/alerts/rules", "{\"name\":\"any_traffic\",\"expression\":\"packets_per_second\",\"threshold\":1,\"severity\":\"info\"}");
        t.createSession("{\"source\":{\"kind\":\"synthetic\",\"rate\":500}}");
        await("/api/alerts", 10, a -> has(a, "any_traffic", "firing"));
        JsonNode cleared = t.post("/api/alerts/clear", "{\"history\":true}").json();
        assertThat(cleared.path("cleared_active").asInt()).isGreaterThanOrEqualTo(1);
        // it fires again at the next tick: its condition still holds and it has no "for"
        await("/api/alerts", 10, a -> has(a, "any_traffic", "firing"));
        assertThat(t.post("/api/alerts/clear", "{\"colour\":1}").status()).isEqualTo(400);
        assertThat(t.post("/api/alerts/clear", "{\"session\":\"nope\"}").status()).isEqualTo(404);
    }
}

package dev.skbscope.server.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.alert.AlertExpression;
import dev.skbscope.engine.alert.AlertRule;
import dev.skbscope.engine.alert.Comparison;
import dev.skbscope.engine.alert.DefaultRules;
import dev.skbscope.engine.alert.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrometheusRulesTest {
    @TempDir Path dir;

    /** Every expression, unscoped and scoped, so each PromQL form is exported and checked. */
    private static List<AlertRule> everyExpression() {
        List<AlertRule> out = new ArrayList<>();
        for (AlertExpression e : AlertExpression.values()) {
            out.add(new AlertRule("all_" + e.id(), null, e, Comparison.GE, 1.5, 2500, 0, Severity.INFO, null, null, null, true));
            PipelineNode node = e.scope() == AlertExpression.Scope.NODE || e.scope() == AlertExpression.Scope.NODE_OR_SESSION ? PipelineNode.NF_INPUT : null;
            String hook = e.scope() == AlertExpression.Scope.HOOK ? "INPUT" : null;
            String reason = e.scope() == AlertExpression.Scope.REASON ? "NO_SOCKET" : null;
            if (node != null || hook != null || reason != null)
                out.add(new AlertRule("one_" + e.id(), null, e, Comparison.LT, 3, 0, 90_000, Severity.CRITICAL, node, hook, reason, true));
        }
        return out;
    }

    @Test
    void theDefaultsBecomeOneGroupWithTheSameNamesDurationsAndSeverities() throws Exception {
        JsonNode rules = new YAMLMapper().readTree(PrometheusRules.export(DefaultRules.ALL, Map.of(), "1m")).path("groups").get(0).path("rules");
        assertThat(rules.size()).isEqualTo(7);
        JsonNode critical = rules.get(1);
        assertThat(critical.path("alert").asText()).isEqualTo("critical_drop_rate");
        assertThat(critical.path("for").asText()).isEqualTo("5s");
        assertThat(critical.path("labels").path("severity").asText()).isEqualTo("error");
        assertThat(critical.path("annotations").path("summary").asText()).isEqualTo("Critical drop rate");
        assertThat(critical.path("expr").asText()).isEqualTo(
                "(100 * rate(skbscope_session_drops_total[1m]) / rate(skbscope_session_packets_total[1m])) > 20\n"
                        + "and on (instance, job, session) skbscope_session_running == 1");
        JsonNode lost = rules.get(6);
        assertThat(lost.path("keep_firing_for").asText()).isEqualTo("1m");
        assertThat(lost.has("for")).isFalse();
    }

    @Test
    void sessionRulesReplaceTheGlobalOneForTheirSessionOnly() throws Exception {
        AlertRule g = DefaultRules.ALL.get(1);
        AlertRule mine = new AlertRule(g.name(), g.title(), g.expression(), g.comparison(), 50, g.forMillis(), 0, g.severity(),
                null, null, null, true);
        String yaml = PrometheusRules.export(List.of(g), Map.of("a.b", List.of(mine), "c", List.of(mine.withEnabled(false))), "30s");
        JsonNode rules = new YAMLMapper().readTree(yaml).path("groups").get(0).path("rules");
        assertThat(rules.size()).isEqualTo(2);
        assertThat(rules.get(0).path("expr").asText()).contains("skbscope_session_drops_total{session!~\"a\\\\.b|c\"}[30s]");
        assertThat(rules.get(1).path("expr").asText()).contains("{session=\"a.b\"}").contains("> 50");
        assertThat(rules.get(1).path("labels").path("rule_session").asText()).isEqualTo("a.b");
        assertThatThrownBy(() -> PrometheusRules.export(List.of(g), Map.of(), "1 minute")).hasMessageStartingWith("window:");
    }

    @Test
    void promtoolAcceptsEveryExpression() throws Exception {
        AlertRule any = everyExpression().getFirst();
        String yaml = PrometheusRules.export(everyExpression(), Map.of("s1", List.of(any)), "2m");
        Path file = dir.resolve("rules.yml");
        Files.writeString(file, yaml);
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            // CI installs Debian's prometheus package (scripts/install-deps.sh): there, its absence is a failure
            assertThat(System.getenv("CI")).as("promtool is required in CI").isNotEqualTo("true");
            return;
        }
        Process p = new ProcessBuilder(promtool.toString(), "check", "rules", "--lint-fatal", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out + "\n" + yaml).isZero();
        assertThat(out).contains("SUCCESS: " + (everyExpression().size() + 1) + " rules found");
    }
}

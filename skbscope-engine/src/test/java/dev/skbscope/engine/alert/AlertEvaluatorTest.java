package dev.skbscope.engine.alert;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.SimulatedTraffic;
import dev.skbscope.engine.StatsInterval;
import dev.skbscope.engine.StatsSnapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Rule evaluation driven by simulated seconds; time is the tick number, injected. */
class AlertEvaluatorTest {
    /** A session ticking once per simulated second, its evaluator and what changed at each tick. */
    static final class Run {
        final SimulatedTraffic traffic = new SimulatedTraffic();
        final AlertEvaluator evaluator = new AlertEvaluator();
        List<AlertRule> rules;
        StatsSnapshot previous;
        int tick;
        /** "tick rule key state" for every change. */
        final List<String> log = new ArrayList<>();

        Run(List<AlertRule> rules) { this.rules = rules; }

        List<Alert> tick() {
            tick++;
            StatsSnapshot s = traffic.second();
            StatsInterval iv = StatsInterval.between(previous, s);
            previous = s;
            List<Alert> changes = evaluator.evaluate(iv, rules, tick * 1000L);
            for (Alert a : changes) log.add(tick + " " + a.rule().name() + (a.key().isEmpty() ? "" : "/" + a.key()) + " " + a.state().id());
            return changes;
        }

        void ticks(int n) { for (int i = 0; i < n; i++) tick(); }
    }

    private static AlertRule rule(String name) {
        return DefaultRules.ALL.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void pendingForTheRulesForThenFiringOnceThenResolvedOnce() {
        Run run = new Run(List.of(rule("critical_drop_rate")));   // > 20 % for 5 s
        run.traffic.dropShare = 0.3;
        run.ticks(4);
        assertThat(run.log).isEmpty();
        assertThat(run.evaluator.active()).singleElement().satisfies(a -> {
            assertThat(a.state()).isEqualTo(AlertState.PENDING);
            assertThat(a.sinceMs()).isEqualTo(0);   // the first interval, (0, 1 s], already crossed
            assertThat(a.value()).isEqualTo(30.0);
        });
        List<Alert> fired = run.tick();   // tick 5: five intervals in a row crossed, 5 s
        assertThat(fired).singleElement().satisfies(a -> {
            assertThat(a.state()).isEqualTo(AlertState.FIRING);
            assertThat(a.value()).isEqualTo(30.0);
            assertThat(a.rule().threshold()).isEqualTo(20.0);
            assertThat(a.sinceMs()).isEqualTo(0);
            assertThat(a.firedAtMs()).isEqualTo(5000);
            assertThat(a.node()).isNull();
        });
        run.ticks(10);
        run.traffic.dropShare = 0;
        run.ticks(10);
        assertThat(run.log).containsExactly("5 critical_drop_rate firing", "16 critical_drop_rate resolved");
        assertThat(run.evaluator.active()).isEmpty();
    }

    @Test
    void aConditionShorterThanForNeverFires() {
        Run run = new Run(List.of(rule("critical_drop_rate")));
        for (int i = 0; i < 10; i++) {
            run.traffic.dropShare = 0.3;
            run.ticks(4);                 // holds for 4 ticks: pending from the first, never 5 s
            run.traffic.dropShare = 0.01;
            run.tick();
        }
        assertThat(run.log).isEmpty();
    }

    @Test
    void keepFiringForBridgesGapsAndResolvesAfterIt() {
        Run run = new Run(List.of(rule("events_lost")));   // > 0 at once, keeps firing 60 s
        run.tick();
        run.traffic.lose(3);
        run.tick();                          // tick 2: fires at once
        run.ticks(20);
        run.traffic.lose(1);                 // another burst while firing: no second alert
        run.ticks(60);                       // tick 23 had the loss; up to tick 82, less than 60 s after it
        assertThat(run.log).containsExactly("2 events_lost firing");
        run.tick();
        assertThat(run.log).containsExactly("2 events_lost firing", "83 events_lost resolved");
    }

    @Test
    void changingAFiringRuleResolvesItAndStartsOver() {
        Run run = new Run(List.of(rule("critical_drop_rate")));
        run.traffic.dropShare = 0.3;
        run.ticks(5);
        AlertRule r = rule("critical_drop_rate");
        run.rules = List.of(new AlertRule(r.name(), r.title(), r.expression(), r.comparison(), 25, r.forMillis(), 0,
                Severity.CRITICAL, null, null, null, true));
        List<Alert> changes = run.tick();
        assertThat(changes).singleElement().satisfies(a -> {
            assertThat(a.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(a.resolution()).isEqualTo(Alert.RULE_CHANGED);
            assertThat(a.rule().severity()).isEqualTo(Severity.ERROR);
        });
        run.ticks(4);
        assertThat(run.log).containsExactly("5 critical_drop_rate firing", "6 critical_drop_rate resolved",
                "10 critical_drop_rate firing");
        run.rules = List.of(run.rules.getFirst().withEnabled(false));
        assertThat(run.tick()).singleElement().satisfies(a -> assertThat(a.resolution()).isEqualTo(Alert.RULE_DISABLED));
        run.ticks(10);
        assertThat(run.evaluator.active()).isEmpty();
    }

    @Test
    void perNodeExpressionsAlertPerNodeAndAScopeNarrowsToOne() {
        AlertRule any = new AlertRule("slow", "Slow", AlertExpression.NODE_P99_US, Comparison.GT, 100, 0, 0, Severity.WARNING,
                null, null, null, true);
        AlertRule one = new AlertRule("slow_input", "Slow INPUT", AlertExpression.NODE_P99_US, Comparison.GT, 100, 0, 0,
                Severity.WARNING, PipelineNode.NF_INPUT, null, null, true);
        Run run = new Run(List.of(any, one));
        run.traffic.latencyUs = 300;
        run.tick();
        assertThat(run.log).containsExactlyInAnyOrder("1 slow/driver_napi firing", "1 slow/nf_prerouting firing",
                "1 slow/nf_input firing", "1 slow_input/nf_input firing");
        assertThat(run.evaluator.active()).filteredOn(a -> a.rule().name().equals("slow_input"))
                .singleElement().satisfies(a -> assertThat(a.node()).isEqualTo("nf_input"));
    }

    @Test
    void resolveAllResolvesFiringAlertsAndForgetsPendingOnes() {
        Run run = new Run(List.of(rule("critical_drop_rate"), rule("high_drop_rate")));
        run.traffic.dropShare = 0.3;
        run.ticks(7);   // critical fired at 5, high still pending (10 s)
        List<Alert> resolved = run.evaluator.resolveAll(7500, Alert.SESSION_STOPPED);
        assertThat(resolved).singleElement().satisfies(a -> {
            assertThat(a.rule().name()).isEqualTo("critical_drop_rate");
            assertThat(a.resolvedAtMs()).isEqualTo(7500);
            assertThat(a.resolution()).isEqualTo(Alert.SESSION_STOPPED);
        });
        assertThat(run.evaluator.active()).isEmpty();
    }

    @Test
    void hookAndReasonExpressionsAlertPerHookAndReason() {
        AlertRule hook = new AlertRule("input_drops", null, AlertExpression.HOOK_DROP_SHARE, Comparison.GE, 50, 0, 0,
                Severity.CRITICAL, null, "input", null, true);
        AlertRule reason = new AlertRule("nf_drops", null, AlertExpression.REASON_DROP_RATE, Comparison.GT, 10, 0, 0,
                Severity.INFO, null, null, null, true);
        Run run = new Run(List.of(hook, reason));
        run.traffic.dropShare = 0.5;
        run.tick();
        assertThat(run.log).containsExactly("1 input_drops/INPUT firing", "1 nf_drops/NETFILTER_DROP firing");
        Alert a = run.evaluator.active().getFirst();
        assertThat(a.hook()).isEqualTo("INPUT");
        assertThat(a.value()).isEqualTo(50.0);
        assertThat(run.evaluator.active().get(1).reason()).isEqualTo("NETFILTER_DROP");
        assertThat(hook.title()).isEqualTo("input_drops");
    }
}

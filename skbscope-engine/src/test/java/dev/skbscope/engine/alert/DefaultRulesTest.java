package dev.skbscope.engine.alert;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each default rule on a simulated session that crosses its threshold: it fires exactly when its
 * condition has held for its {@code for}, with its severity, and healthy traffic fires none.
 */
class DefaultRulesTest {
    private static AlertEvaluatorTest.Run run() {
        AlertEvaluatorTest.Run r = new AlertEvaluatorTest.Run(DefaultRules.ALL);
        r.traffic.packetsPerSecond = 200;
        r.traffic.latencyUs = 10;
        return r;
    }

    @Test
    void theSevenDefaultsAreTheSeedsSixPlusLostEvents() {
        assertThat(DefaultRules.ALL).extracting(AlertRule::condition).containsExactly(
                "drop_rate > 5", "drop_rate > 20", "node_p99_us > 1000", "node_p99_us > 5000",
                "packets_per_second < 1", "errors_per_second > 10", "lost_events_per_second > 0");
        assertThat(DefaultRules.ALL).extracting(r -> r.severity().id()).containsExactly(
                "warning", "error", "warning", "error", "info", "warning", "warning");
        assertThat(DefaultRules.ALL).extracting(AlertRule::forMillis).containsExactly(
                10_000L, 5_000L, 30_000L, 10_000L, 60_000L, 30_000L, 0L);
        assertThat(DefaultRules.ALL.get(1).title()).isEqualTo("Critical drop rate");
    }

    @Test
    void healthyTrafficFiresNothing() {
        var r = run();
        r.traffic.dropShare = 0.02;
        r.ticks(120);
        assertThat(r.log).isEmpty();
    }

    @Test
    void aDropShareOver5PercentFiresHighDropRateAfter10s() {
        var r = run();
        r.traffic.dropShare = 0.1;
        r.ticks(30);
        assertThat(r.log).containsExactly("10 high_drop_rate firing");
    }

    @Test
    void aDropShareOver20PercentFiresCriticalAfter5sThenHighAfter10s() {
        var r = run();
        r.traffic.dropShare = 0.3;
        r.ticks(30);
        assertThat(r.log).containsExactly("5 critical_drop_rate firing", "10 high_drop_rate firing");
        r.traffic.dropShare = 0;
        r.tick();
        assertThat(r.log).contains("31 high_drop_rate resolved", "31 critical_drop_rate resolved");
    }

    @Test
    void p99Over1msFiresHighLatencyAfter30sPerNode() {
        var r = run();
        r.traffic.latencyUs = 2000;
        r.ticks(40);
        assertThat(r.log).containsExactlyInAnyOrder("30 high_latency/driver_napi firing",
                "30 high_latency/nf_prerouting firing", "30 high_latency/nf_input firing");
    }

    @Test
    void p99Over5msFiresCriticalLatencyAfter10s() {
        var r = run();
        r.traffic.packetsPerSecond = 100;
        r.traffic.latencyUs = 8000;
        r.ticks(12);
        assertThat(r.log).containsExactlyInAnyOrder("10 critical_latency/driver_napi firing",
                "10 critical_latency/nf_prerouting firing", "10 critical_latency/nf_input firing");
    }

    @Test
    void under1PacketPerSecondFiresLowPacketRateAfter60s() {
        var r = run();
        r.tick();
        r.traffic.packetsPerSecond = 0;
        r.ticks(70);
        assertThat(r.log).containsExactly("61 low_packet_rate firing");
    }

    @Test
    void over10ErrorsPerSecondFiresHighErrorCountAfter30s() {
        var r = run();
        r.traffic.errors(20);
        r.ticks(40);
        assertThat(r.log).containsExactly("30 high_error_count firing");
    }

    @Test
    void aLostEventFiresEventsLostAtOnce() {
        var r = run();
        r.ticks(3);
        r.traffic.lose(1);
        r.tick();
        assertThat(r.log).containsExactly("4 events_lost firing");
        assertThat(r.evaluator.active()).extracting(a -> a.rule().severity()).containsExactly(Severity.WARNING);
    }

    @Test
    void rulesValidateTheirFields() {
        List<String> errors = new java.util.ArrayList<>();
        Runnable[] bad = {
                () -> new AlertRule("9x", null, AlertExpression.DROP_RATE, Comparison.GT, 1, 0, 0, Severity.INFO, null, null, null, true),
                () -> new AlertRule("x", null, AlertExpression.DROP_RATE, Comparison.GT, Double.NaN, 0, 0, Severity.INFO, null, null, null, true),
                () -> new AlertRule("x", null, AlertExpression.DROP_RATE, Comparison.GT, 1, -1, 0, Severity.INFO, null, null, null, true),
                () -> new AlertRule("x", null, AlertExpression.DROP_RATE, Comparison.GT, 1, 0, 0, Severity.INFO,
                        dev.skbscope.engine.PipelineNode.GRO, null, null, true),
                () -> new AlertRule("x", null, AlertExpression.HOOK_DROP_SHARE, Comparison.GT, 1, 0, 0, Severity.INFO, null, "BOGUS", null, true),
                () -> new AlertRule("x", null, AlertExpression.REASON_DROP_RATE, Comparison.GT, 1, 0, 0, Severity.INFO, null, null, "no socket", true),
        };
        for (Runnable b : bad) {
            try {
                b.run();
                errors.add("accepted");
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage().substring(0, e.getMessage().indexOf(':')));
            }
        }
        assertThat(errors).containsExactly("name", "threshold", "for", "node", "hook", "reason");
    }
}

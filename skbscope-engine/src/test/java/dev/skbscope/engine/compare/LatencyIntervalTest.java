package dev.skbscope.engine.compare;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.EngineEventStream;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.StatsSnapshot.NodeStats;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's latency confidence intervals, and stats read back from JSON compare like the originals. */
class LatencyIntervalTest {
    private static StatsSnapshot run(long events, long seed, int sampleOneIn) {
        SourceCounters counters = new SourceCounters("test");
        counters.sampleOneIn.set(sampleOneIn);
        SessionStatsTracker t = new SessionStatsTracker(SessionConfig.defaults("s" + seed, "full"), counters);
        EngineEventStream stream = new EngineEventStream(64 + (int) seed, 0);
        EventBatch batch = new EventBatch(1024);
        for (long n = 0; n < events; n += batch.size()) {
            batch.reset();
            stream.fill(batch);
            t.ingest(batch);
        }
        return t.snapshot();
    }

    @Test
    void intervalsBracketThePercentileAndNarrowWithMoreSamples() {
        StatsSnapshot small = run(20_000, 1, 1), large = run(400_000, 1, 1);
        int checked = 0;
        for (NodeStats n : large.nodes().values()) {
            if (n.samples() < 1000) continue;
            NodeStats s = small.nodes().get(n.id());
            assertThat(n.p50CiUs().low()).as(n.id()).isLessThanOrEqualTo(n.p50Us());
            assertThat(n.p50CiUs().high()).as(n.id()).isGreaterThanOrEqualTo(n.p50Us());
            assertThat(n.p99CiUs().low()).as(n.id()).isLessThanOrEqualTo(n.p99Us());
            assertThat(n.p99CiUs().high()).as(n.id()).isLessThanOrEqualTo(n.maxUs());
            double wl = n.p50CiUs().high() - n.p50CiUs().low(), ws = s.p50CiUs().high() - s.p50CiUs().low();
            assertThat(wl).as(n.id()).isLessThanOrEqualTo(ws);
            checked++;
        }
        assertThat(checked).isGreaterThan(5);
        assertThat(large.nodes().values().stream().filter(n -> n.samples() == 0)).allMatch(n -> n.p50CiUs() == null);
    }

    @Test
    void samplingWidensTheIntervals() {
        StatsSnapshot exact = run(100_000, 3, 1), sampled = run(100_000, 3, 64);
        NodeStats e = exact.nodes().values().stream().filter(n -> n.samples() > 1000).findFirst().orElseThrow();
        NodeStats s = sampled.nodes().get(e.id());
        assertThat(s.p50CiUs().high() - s.p50CiUs().low()).isGreaterThan(e.p50CiUs().high() - e.p50CiUs().low());
    }

    @Test
    void statsReadBackFromJsonCompareAsTheOriginal() throws Exception {
        ObjectMapper m = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        StatsSnapshot a = run(50_000, 5, 1), b = run(50_000, 6, 1);
        JsonNode json = m.valueToTree(a);
        assertThat(json.path("nodes").path("gro").path("p50_ci_us").isArray()).isTrue();
        StatsSnapshot back = m.treeToValue(json, StatsSnapshot.class);
        assertThat(m.writeValueAsString(back)).isEqualTo(m.writeValueAsString(a));
        assertThat(m.writeValueAsString(StatsDiff.compare("a", back, "b", b)))
                .isEqualTo(m.writeValueAsString(StatsDiff.compare("a", a, "b", b)));
        assertThat(StatsDiff.compare("a", a, "a", back).significantNodes()).isZero();
    }
}

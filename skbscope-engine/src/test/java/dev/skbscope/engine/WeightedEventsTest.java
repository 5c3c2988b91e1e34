package dev.skbscope.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sampled source sends one packet in N with weight N: the stats must be those of N packets that
 * made the same journey at the same times, i.e. the engine scales every count, pipeline, in-flight
 * figure and latency sample count by the packet's weight, and keeps latency values unscaled.
 */
class WeightedEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EVENTS = 40_000;

    private static ObjectNode stats(SessionStatsTracker t) {
        ObjectNode s = JSON.valueToTree(t.snapshot());
        for (String volatileKey : new String[]{"uptime_seconds", "taken_at_ms", "source"}) s.remove(volatileKey);
        // packet ids name journeys, and one weighted journey stands for four replicated ones
        for (String key : new String[]{"drop_exemplars", "packets_kept"}) s.remove(key);
        s.get("nodes").forEach(n -> ((ObjectNode) n).remove("p99_exemplar"));
        s.get("rules").forEach(r -> ((ObjectNode) r).remove("exemplar"));
        return s;
    }

    private static SessionStatsTracker tracker() {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        return new SessionStatsTracker(new SessionConfig("s", "full", 50, 100_000, 1000), new SourceCounters("test"),
                clock::get);
    }

    @Test
    void aWeightedEventCountsAsThatManyPacketsMakingTheSameJourney() {
        SessionStatsTracker weighted = tracker(), replicated = tracker();
        EngineEventStream stream = new EngineEventStream(16, 2);
        TraceEvent e = new TraceEvent(), copy = new TraceEvent();
        for (int i = 0; i < EVENTS; i++) {
            stream.next(e.clear());
            e.weight = 4;
            weighted.accept(e);
            for (int r = 0; r < 4; r++) {
                copy.copyFrom(e);
                copy.weight = 1;
                copy.skb = e.skb + r; // four distinct packets on the same path at the same times
                replicated.accept(copy);
            }
        }
        ObjectNode w = stats(weighted), r = stats(replicated);
        assertThat(w.get("total_packets").asLong()).isGreaterThan(1000);
        assertThat(w.at("/nodes/socket/in_flight").asLong()).isPositive(); // endless packets stay in flight
        assertThat(w.toPrettyString()).isEqualTo(r.toPrettyString());
    }

    @Test
    void weightOneIsTheDefaultAndSurvivesClearAndCopy() {
        TraceEvent e = new TraceEvent();
        assertThat(e.weight).isEqualTo(1);
        e.weight = 8;
        assertThat(new TraceEvent().copyFrom(e).weight).isEqualTo(8);
        assertThat(e.clear().weight).isEqualTo(1);
    }
}

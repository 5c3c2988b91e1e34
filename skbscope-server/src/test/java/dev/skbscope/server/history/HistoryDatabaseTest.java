package dev.skbscope.server.history;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.StatsInterval;
import dev.skbscope.engine.alert.LatencyQuantile;
import dev.skbscope.server.ApiException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HistoryDatabaseTest {
    @TempDir Path dir;
    private HistoryDatabase db;
    /** A day boundary, so tiers align as they do in real time. */
    private static final long T0 = 1_700_006_400L;

    @AfterEach
    void close() {
        if (db != null) db.close();
    }

    /** A known second: packets and latency follow t, so every sum is known. */
    private static StatsInterval second(long i) {
        int nodes = PipelineNode.COUNT, buckets = HistoryDatabase.BUCKETS;
        long[] packets = new long[nodes], drops = new long[nodes], errors = new long[nodes];
        long[][] lat = new long[nodes][buckets];
        int napi = PipelineNode.DRIVER_NAPI.ordinal();
        packets[napi] = 100 + i % 7;
        drops[napi] = i % 3;
        lat[napi][(int) (i % 5)] = 10 + i % 11;
        lat[napi][12] = i % 2;
        return new StatsInterval(1.0, 100 + i % 7, i % 3, i % 4 == 0 ? 2 : 0, i % 5, 1000 + i % 13, 1,
                Map.of("ACCEPT", 200 + i % 7, "DROP", i % 3), Map.of(), Map.of(), Map.of(),
                new StatsInterval.Nodes(packets, drops, errors, lat));
    }

    private void run(String session, long from, long seconds) throws Exception {
        for (long t = from; t < from + seconds; t++) {
            db.write(List.of(new HistorySample(session, t, second(t))));
            db.downsample(t);
        }
    }

    @Test
    void coarserTiersAreExactSumsOfTheSeconds() throws Exception {
        db = HistoryDatabase.open(dir.resolve("history.db"), HistoryTiers.DEFAULT);
        run("s1", T0, 900);   // 15 minutes
        HistoryQuery q = new HistoryQuery(db);

        JsonNode minutes = q.answer("s1", Long.toString(T0), Long.toString(T0 + 900), "60", null, T0 + 900);
        assertThat(minutes.path("step").asLong()).isEqualTo(60);
        assertThat(minutes.path("points").asInt()).isEqualTo(15);
        JsonNode fiveMinutes = q.answer("s1", Long.toString(T0), Long.toString(T0 + 900), "300", null, T0 + 900);
        assertThat(fiveMinutes.path("points").asInt()).isEqualTo(3);

        for (int m = 0; m < 15; m++) {
            long packets = 0, drops = 0, lost = 0, accept = 0;
            double inFlight = 0;
            long[] lat = new long[HistoryDatabase.BUCKETS];
            for (long t = T0 + m * 60L; t < T0 + m * 60L + 60; t++) {
                StatsInterval s = second(t);
                packets += s.packets();
                drops += s.drops();
                lost += s.lostEvents();
                accept += s.verdicts().get("ACCEPT");
                inFlight += s.inFlight();
                long[] b = s.nodes().latencyBuckets()[PipelineNode.DRIVER_NAPI.ordinal()];
                for (int k = 0; k < b.length; k++) lat[k] += b[k];
            }
            JsonNode s = minutes.path("series");
            assertThat(minutes.path("t").get(m).asLong()).isEqualTo(T0 + m * 60L);
            assertThat(s.path("packets_per_second").get(m).asDouble()).isCloseTo(packets / 60.0, within(1e-4));
            assertThat(s.path("drops_per_second").get(m).asDouble()).isCloseTo(drops / 60.0, within(1e-4));
            assertThat(s.path("lost_events_per_second").get(m).asDouble()).isCloseTo(lost / 60.0, within(1e-4));
            assertThat(s.path("in_flight").get(m).asDouble()).isCloseTo(inFlight / 60.0, within(1e-4));
            assertThat(s.path("verdicts_per_second").path("ACCEPT").get(m).asDouble()).isCloseTo(accept / 60.0, within(1e-4));
            assertThat(s.path("node_p99_us").path("driver_napi").get(m).asDouble())
                    .isCloseTo(LatencyQuantile.of(lat, 0.99), within(1e-4));
            assertThat(s.path("node_packets_per_second").path("driver_napi").get(m).asDouble())
                    .isCloseTo(packets / 60.0, within(1e-4));
        }
        // the 5-minute tier holds the same totals as the minutes and the seconds
        double fromMinutes = 0, fromFive = 0;
        for (JsonNode v : minutes.path("series").path("packets_per_second")) fromMinutes += v.asDouble() * 60;
        for (JsonNode v : fiveMinutes.path("series").path("packets_per_second")) fromFive += v.asDouble() * 300;
        long exact = 0;
        for (long t = T0; t < T0 + 900; t++) exact += second(t).packets();
        assertThat(fromMinutes).isCloseTo(exact, within(0.1));
        assertThat(fromFive).isCloseTo(exact, within(0.1));
    }

    @Test
    void theRangeChoosesTheResolution() throws Exception {
        db = HistoryDatabase.open(dir.resolve("history.db"), HistoryTiers.DEFAULT);
        run("s1", T0, 600);
        HistoryQuery q = new HistoryQuery(db);
        long now = T0 + 600;
        assertThat(q.answer("s1", "-15m", null, null, "packets_per_second", now).path("step").asLong()).isEqualTo(1);
        assertThat(q.answer("s1", "-1h", null, null, "packets_per_second", now).path("step").asLong()).isEqualTo(1);
        assertThat(q.answer("s1", "-6h", null, null, "packets_per_second", now).path("step").asLong()).isEqualTo(60);
        assertThat(q.answer("s1", "-24h", null, null, "packets_per_second", now).path("step").asLong()).isEqualTo(60);
        assertThat(q.answer("s1", "-3d", null, null, "packets_per_second", now).path("step").asLong()).isEqualTo(300);
        // an hour that ended two hours ago is only kept per minute
        assertThat(q.answer("s1", Long.toString(T0), Long.toString(T0 + 3600), null, null, T0 + 3 * 3600)
                .path("step").asLong()).isEqualTo(60);
        JsonNode ten = q.answer("s1", "-10m", null, "10s", "packets_per_second", now);
        assertThat(ten.path("step").asLong()).isEqualTo(10);
        assertThat(ten.path("points").asInt()).isEqualTo(60);
    }

    @Test
    void aLateSampleInASummedMinuteIsCountedInEveryTier() throws Exception {
        db = HistoryDatabase.open(dir.resolve("history.db"), HistoryTiers.DEFAULT);
        run("s1", T0, 120);
        db.write(List.of(new HistorySample("s1", T0 + 59, second(0))));   // a session's last partial second, late
        HistoryQuery q = new HistoryQuery(db);
        JsonNode m = q.answer("s1", Long.toString(T0), Long.toString(T0 + 120), "60", "packets_per_second", T0 + 120);
        long exact = second(0).packets();
        for (long t = T0; t < T0 + 60; t++) exact += second(t).packets();
        // the minute's rate is over the seconds its samples cover (61 here)
        assertThat(m.path("series").path("packets_per_second").get(0).asDouble()).isCloseTo(exact / 61.0, within(1e-3));
    }

    @Test
    void reopeningContinuesWhereItStoppedAndSumsWhatWasMissed() throws Exception {
        Path file = dir.resolve("history.db");
        db = HistoryDatabase.open(file, HistoryTiers.DEFAULT);
        run("s1", T0, 90);
        db.close();
        db = HistoryDatabase.open(file, HistoryTiers.DEFAULT);
        db.downsample(T0 + 400);   // restarted later: minutes 1..5 close now
        JsonNode m = new HistoryQuery(db).answer("s1", Long.toString(T0), Long.toString(T0 + 400), "60", "packets_per_second", T0 + 400);
        assertThat(m.path("points").asInt()).isEqualTo(2);
        assertThat(m.path("extent").path("first").asLong()).isEqualTo(T0);
    }

    @Test
    void expiryKeepsEachTierForItsTimeAndDeletingASessionDeletesItAll() throws Exception {
        db = HistoryDatabase.open(dir.resolve("history.db"), HistoryTiers.parse("1s:2m,1m:10m"));
        run("s1", T0, 300);
        run("s2", T0 + 300, 10);
        db.expire(T0 + 310);
        HistoryDatabase.Rows seconds = db.query("s1", 1, 1, T0, T0 + 400, false, false);
        assertThat(seconds.sessions().getFirst().t()).isEqualTo(T0 + 310 - 120);   // 2 minutes of seconds
        assertThat(seconds.sessions().getLast().t()).isEqualTo(T0 + 299);
        HistoryDatabase.Rows minutes = db.query("s1", 60, 60, T0, T0 + 400, false, true);
        assertThat(minutes.sessions()).hasSize(5);
        assertThat(minutes.nodes()).hasSize(5);
        db.deleteSession("s1");
        assertThat(db.query("s1", 60, 60, T0, T0 + 400, true, true).sessions()).isEmpty();
        assertThat(db.extent("s1")).isNull();
        assertThat(db.extent("s2")).containsExactly(T0 + 300, T0 + 310);
    }

    @Test
    void badParametersAre400sNamingThem() throws Exception {
        db = HistoryDatabase.open(dir.resolve("history.db"), HistoryTiers.DEFAULT);
        HistoryQuery q = new HistoryQuery(db);
        List<String> messages = new ArrayList<>();
        String[][] bad = {{"yesterday", null, null, null}, {null, "x", null, null}, {"-1h", null, "0", null},
                {"-1h", null, "1w", null}, {null, null, null, "packets,bogus"}, {"100", "50", null, null}};
        for (String[] b : bad) {
            assertThatThrownBy(() -> q.answer("s", b[0], b[1], b[2], b[3], T0))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        messages.add(e.getMessage().substring(0, e.getMessage().indexOf(':')));
                    });
        }
        assertThat(messages).containsExactly("from", "to", "step", "step", "series", "from");
    }

    @Test
    void tiersParseAndValidate() {
        assertThat(HistoryTiers.DEFAULT.toString()).isEqualTo("1s:1h,1m:1d,5m:3d");
        assertThatThrownBy(() -> HistoryTiers.parse("1s:1h,1m:1d,90s:2d")).hasMessageContaining("multiple");
        assertThatThrownBy(() -> HistoryTiers.parse("1s:1h,1m:30m")).hasMessageContaining("longer");
        assertThatThrownBy(() -> HistoryTiers.parse("5s:1h")).hasMessageContaining("1s");
        assertThatThrownBy(() -> HistoryTiers.parse("1s")).hasMessageContaining("STEP:KEEP");
    }
}

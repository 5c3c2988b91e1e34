package dev.skbscope.server.socketio;

import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.server.stats.PublishedStats;
import dev.skbscope.server.stats.StatsPublisher;
import dev.skbscope.server.stats.TickSchedule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stats outflow with an injected clock: sessions publish on the shared schedule
 * ({@link StatsPublisher}), the delivery ({@link StatsDelivery}) sends each room its session's
 * value at each tick. No thread, no sleep: the test moves the clock and calls what the session
 * thread and the Socket.IO loop would call.
 */
class StatsFlowTest {
    private static final long MS = 1_000_000L;
    private final AtomicLong clock = new AtomicLong(10_000 * MS);
    /** Ticks every second from t = 10 s, published 150 ms ahead. */
    private final TickSchedule schedule = new TickSchedule(1000 * MS, 10_000 * MS, 150 * MS, clock::get);
    private final Map<String, StatsPublisher> sessions = new HashMap<>();
    /** What each client received, in order. */
    private final Map<String, List<PublishedStats>> received = new HashMap<>();
    private final List<String> published = new ArrayList<>();
    private int late;
    private StatsDelivery<String> delivery;
    private final StatsSnapshot snapshot =
            new SessionStatsTracker(SessionConfig.defaults("s", "full"), new SourceCounters("test")).snapshot();

    @BeforeEach
    void setUp() {
        delivery = new StatsDelivery<>(id -> sessions.containsKey(id) ? sessions.get(id).latest() : null,
                (clients, p) -> clients.forEach(c -> received.computeIfAbsent(c, k -> new ArrayList<>()).add(p)),
                () -> late++);
        for (String id : List.of("a", "b")) sessions.put(id, new StatsPublisher(id, schedule, p -> published.add(p.sessionId()), null));
    }

    private void at(long millis) { clock.set(millis * MS); }

    /** What the session thread does between polls. */
    private boolean poll(String session) { return sessions.get(session).publishIfDue(() -> snapshot); }

    private List<PublishedStats> got(String client) { return received.getOrDefault(client, List.of()); }

    @Test
    void onTimeEachTickDeliversTheValuePublishedForIt() {
        sessions.get("a").publishNow(snapshot);          // the session starts at t = 10 s
        delivery.join("c1", "a");
        at(10_500);
        assertThat(poll("a")).as("nothing due half-way").isFalse();
        at(10_860);
        assertThat(poll("a")).as("150 ms before tick 1").isTrue();
        assertThat(poll("a")).as("once per tick").isFalse();
        at(11_000);
        delivery.tick(1);
        assertThat(got("c1")).hasSize(2);
        assertThat(got("c1").get(1).tick()).isEqualTo(1);
        assertThat(got("c1").get(1).publishedAtNanos()).isEqualTo(10_860 * MS);
        at(11_900);
        poll("a");
        at(12_000);
        delivery.tick(2);
        assertThat(got("c1")).extracting(PublishedStats::tick).containsExactly(0L, 1L, 2L);
        assertThat(late).isZero();
    }

    @Test
    void aLateSessionsRoomGetsItsValueWhenItPublishesNotAtTheNextTick() {
        sessions.get("a").publishNow(snapshot);
        sessions.get("b").publishNow(snapshot);
        delivery.join("c1", "a");
        delivery.join("c2", "b");
        at(10_900);
        poll("a");                                        // a is on time, b's thread is busy
        at(11_000);
        delivery.tick(1);
        assertThat(got("c1")).hasSize(2);
        assertThat(got("c2")).as("b has nothing for tick 1 yet").hasSize(1);
        at(11_040);
        poll("b");                                        // b publishes 40 ms after the tick
        delivery.published("b");                          // its listener's task on the loop
        assertThat(got("c2")).hasSize(2);
        assertThat(got("c2").get(1).tick()).isEqualTo(1);
        assertThat(late).isEqualTo(1);
        delivery.published("a");                          // a notification nobody waits for sends nothing
        assertThat(got("c1")).hasSize(2);
        at(12_000);
        delivery.tick(2);                                 // neither published for tick 2: nothing is sent twice
        assertThat(got("c1")).hasSize(2);
        assertThat(got("c2")).hasSize(2);
    }

    @Test
    void aStoppedSessionsLastValueGoesOutOnceAtTheNextTick() {
        sessions.get("a").publishNow(snapshot);
        delivery.join("c1", "a");
        at(10_400);
        PublishedStats last = sessions.get("a").publishLast(snapshot);   // stopped mid-period
        assertThat(last.last()).isTrue();
        assertThat(got("c1")).hasSize(1);
        at(11_000);
        delivery.tick(1);
        assertThat(got("c1")).hasSize(2);
        assertThat(got("c1").get(1)).isSameAs(last);
        for (long k = 2; k < 5; k++) {
            at(10_000 + k * 1000);
            delivery.tick(k);
        }
        assertThat(got("c1")).as("no repeat after the last value").hasSize(2);
        delivery.join("c2", "a");
        assertThat(got("c2")).as("a client joining later still gets it").containsExactly(last);
    }

    @Test
    void aClientJoiningMidTickGetsTheLatestValueAtOnce() {
        sessions.get("a").publishNow(snapshot);
        delivery.join("c1", "a");
        at(10_900);
        poll("a");
        at(11_000);
        delivery.tick(1);
        at(11_400);
        delivery.join("c2", "a");
        assertThat(got("c2")).containsExactly(sessions.get("a").latest());
        at(11_900);
        poll("a");
        at(12_000);
        delivery.tick(2);
        assertThat(got("c1")).extracting(PublishedStats::tick).containsExactly(0L, 1L, 2L);
        assertThat(got("c2")).extracting(PublishedStats::tick).containsExactly(1L, 2L);
    }

    @Test
    void leavingAndDisconnectingTakeAClientOutOfItsRooms() {
        sessions.get("a").publishNow(snapshot);
        sessions.get("b").publishNow(snapshot);
        delivery.join("c1", "a");
        delivery.join("c1", "b");
        delivery.join("c2", "a");
        assertThat(delivery.subscribedClients()).isEqualTo(2);
        delivery.leave("c1", "a");
        assertThat(delivery.roomsOf("c1")).containsExactly("b");
        delivery.leaveAll("c2");
        assertThat(delivery.subscribedClients()).isEqualTo(1);
        at(10_900);
        poll("a");
        poll("b");
        at(11_000);
        delivery.tick(1);
        assertThat(got("c1")).extracting(PublishedStats::sessionId).containsExactly("a", "b", "b");
        assertThat(got("c2")).extracting(PublishedStats::sessionId).containsExactly("a");
    }

    @Test
    void everyPublishTellsTheListenerOnce() {
        sessions.get("a").publishNow(snapshot);
        for (long t = 10_000; t < 13_000; t += 50) {
            at(t);
            poll("a");
        }
        // at start, then for ticks 1, 2 and 3 (published at 10.85, 11.85 and 12.85 s)
        assertThat(published).containsExactly("a", "a", "a", "a");
    }
}

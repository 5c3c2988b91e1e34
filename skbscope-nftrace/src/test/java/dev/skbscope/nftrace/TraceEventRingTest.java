package dev.skbscope.nftrace;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TraceEventRingTest {
    private static TraceEvent event(long id) {
        TraceEvent e = new TraceEvent();
        e.tsNs = 1000 + id; e.traceId = id; e.ruleHandle = 9; e.hook = Hook.INPUT; e.verdict = Verdict.DROP;
        e.table = 3; e.chain = 4; e.proto = 6; e.ipVersion = 6; e.srcHi = -2; e.srcLo = 5; e.dstHi = 7; e.dstLo = -8;
        e.sport = 65535; e.dport = 80; e.tcpFlags = 0x12; e.ifindex = 12; e.len = 1500; e.netns = 4026531840L;
        return e;
    }

    @Test
    void roundTripsEveryField() {
        TraceEventRing ring = new TraceEventRing(4);
        assertThat(ring.offer(event(77))).isTrue();
        TraceEvent unknown = new TraceEvent();  // all -1
        assertThat(ring.offer(unknown)).isTrue();
        EventBatch b = new EventBatch(8);
        assertThat(ring.drainTo(b, 5, 0)).isEqualTo(2);
        TraceEvent e = b.get(0);
        assertThat(e.tsNs).isEqualTo(1077);
        assertThat(e.traceId).isEqualTo(77);
        assertThat(e.skb).isEqualTo(77);
        assertThat(e.hasSkb).isFalse();
        assertThat(e.probe).isEqualTo(5);
        assertThat(e.ruleHandle).isEqualTo(9);
        assertThat(e.hook).isEqualTo(Hook.INPUT);
        assertThat(e.verdict).isEqualTo(Verdict.DROP);
        assertThat(e.table).isEqualTo(3);
        assertThat(e.chain).isEqualTo(4);
        assertThat(e.proto).isEqualTo(6);
        assertThat(e.ipVersion).isEqualTo(6);
        assertThat(new long[] {e.srcHi, e.srcLo, e.dstHi, e.dstLo}).containsExactly(-2, 5, 7, -8);
        assertThat(e.sport).isEqualTo(65535);
        assertThat(e.dport).isEqualTo(80);
        assertThat(e.tcpFlags).isEqualTo(0x12);
        assertThat(e.ifindex).isEqualTo(12);
        assertThat(e.len).isEqualTo(1500);
        assertThat(e.netns).isEqualTo(4026531840L);
        TraceEvent u = b.get(1);
        assertThat(new int[] {u.table, u.chain, u.proto, u.sport, u.dport, u.tcpFlags, u.ifindex, u.len})
                .containsOnly(TraceEvent.UNKNOWN);
        assertThat(u.ruleHandle).isEqualTo(TraceEvent.UNKNOWN);
    }

    @Test
    void fullRingDropsAndBatchBoundsTheDrain() {
        TraceEventRing ring = new TraceEventRing(4);
        for (int i = 0; i < 4; i++) assertThat(ring.offer(event(i))).isTrue();
        assertThat(ring.offer(event(99))).isFalse();
        EventBatch small = new EventBatch(3);
        assertThat(ring.drainTo(small, 0, 0)).isEqualTo(3);
        assertThat(ring.size()).isEqualTo(1);
        assertThat(ring.offer(event(4))).isTrue();
        small.reset();
        assertThat(ring.drainTo(small, 0, 0)).isEqualTo(2);
        assertThat(small.get(0).traceId).isEqualTo(3);
        assertThat(small.get(1).traceId).isEqualTo(4);
    }

    @Test
    void emptyDrainWaitsAtMostItsBudgetAndWakesOnWake() throws Exception {
        TraceEventRing ring = new TraceEventRing(4);
        long t0 = System.nanoTime();
        assertThat(ring.drainTo(new EventBatch(2), 0, 50_000_000L)).isZero();
        assertThat(System.nanoTime() - t0).isBetween(40_000_000L, 1_000_000_000L);
        Thread producer = new Thread(() -> {
            try { Thread.sleep(20); } catch (InterruptedException ignored) { }
            ring.offer(event(1));
            ring.wake();
        });
        producer.start();
        t0 = System.nanoTime();
        assertThat(ring.drainTo(new EventBatch(2), 0, 2_000_000_000L)).isEqualTo(1);
        assertThat(System.nanoTime() - t0).isLessThan(1_000_000_000L);
        producer.join();
    }
}

package dev.skbscope.sources.synthetic;

import com.sun.management.ThreadMXBean;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SyntheticSourceTest {
    private static final int KFREE = SymbolTable.PROBES.intern("kfree_skb");
    private static final int CONSUME = SymbolTable.PROBES.intern("consume_skb");

    /** A digest of every field of every event, in order. */
    private static long digest(SyntheticConfig config, int maxEvents) {
        long h = 1;
        try (SyntheticSource s = new SyntheticSource(config)) {
            EventBatch batch = new EventBatch(512);
            int total = 0, n;
            while (total < maxEvents && (n = s.poll(batch)) >= 0) {
                for (int i = 0; i < n; i++) {
                    TraceEvent e = batch.get(i);
                    h = h * 31 + e.tsNs; h = h * 31 + e.skb; h = h * 31 + e.probe; h = h * 31 + e.hook.ordinal();
                    h = h * 31 + e.verdict.ordinal(); h = h * 31 + e.dropReason; h = h * 31 + e.srcLo; h = h * 31 + e.dstLo;
                    h = h * 31 + e.sport; h = h * 31 + e.dport; h = h * 31 + e.cpu; h = h * 31 + e.len;
                }
                total += n;
                batch.reset();
            }
        }
        return h;
    }

    @Test
    void sameSeedSameEventsOtherSeedOtherEvents() {
        SyntheticConfig a = new SyntheticConfig(100_000, 42, 0.05, 0, false);
        assertThat(digest(a, 100_000)).isEqualTo(digest(a, 100_000));
        assertThat(digest(new SyntheticConfig(100_000, 43, 0.05, 0, false), 100_000)).isNotEqualTo(digest(a, 100_000));
    }

    @Test
    void modelsRealPathsWithTheConfiguredDropShareAndBoundedDisorder() {
        double share = 0.2;
        Map<Long, Long> lastTs = new HashMap<>();
        Set<Long> ended = new HashSet<>();
        long packets = 0, drops = 0, events = 0, maxBackwards = 0, latestTs = 0;
        Set<Integer> cpus = new HashSet<>();
        Map<String, Long> firstProbes = new HashMap<>();
        int maxInFlight = 0;
        try (SyntheticSource s = new SyntheticSource(new SyntheticConfig(200_000, 7, share, 0.25, false))) {
            EventBatch batch = new EventBatch(1024);
            int n;
            while ((n = s.poll(batch)) >= 0) {
                for (int i = 0; i < n; i++) {
                    TraceEvent e = batch.get(i);
                    events++;
                    Long prev = lastTs.get(e.skb);
                    if (prev == null) {
                        packets++;
                        firstProbes.merge(e.probeName(), 1L, Long::sum);
                    } else {
                        assertThat(e.tsNs).as("a packet's own events stay in order").isGreaterThanOrEqualTo(prev);
                    }
                    maxBackwards = Math.max(maxBackwards, latestTs - e.tsNs);
                    latestTs = Math.max(latestTs, e.tsNs);
                    cpus.add(e.cpu);
                    assertThat(e.srcLo >>> 17).as("198.18.0.0/15").isEqualTo(0xC612L >>> 1);
                    assertThat(e.dstLo >>> 17).isEqualTo(0xC612L >>> 1);
                    if (e.probe == KFREE || e.probe == CONSUME) {
                        if (e.probe == KFREE) {
                            drops++;
                            assertThat(e.dropReason).isNotEqualTo(TraceEvent.UNKNOWN);
                        }
                        lastTs.remove(e.skb);
                        ended.add(e.skb);
                    } else {
                        lastTs.put(e.skb, e.tsNs);
                    }
                    maxInFlight = Math.max(maxInFlight, lastTs.size());
                }
                batch.reset();
            }
        }
        assertThat(lastTs).as("seconds bound: every packet ends").isEmpty();
        assertThat(packets).isBetween(47_000L, 53_000L);        // 200k/s for 0.25 s
        assertThat((double) drops / packets).isBetween(share - 0.01, share + 0.01);
        assertThat(events / packets).isBetween(8L, 16L);
        assertThat(cpus).hasSizeGreaterThan(2);
        assertThat(maxBackwards).as("slightly out of order across CPUs").isBetween(1L, 4_000L);
        assertThat(maxInFlight).as("packets interleave").isGreaterThan(10);
        assertThat(firstProbes.keySet()).containsExactlyInAnyOrder("netif_receive_skb", "tcp_sendmsg", "udp_sendmsg");
    }

    @Test
    void unpacedSteadyStateAllocatesNothingPerEvent() {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        try (SyntheticSource s = new SyntheticSource(new SyntheticConfig(1_000_000, 1, 0.05, 0, false))) {
            EventBatch batch = new EventBatch(1024);
            for (int i = 0; i < 1_000; i++) { batch.reset(); s.poll(batch); }   // warm up, let tables grow
            long before = mx.getThreadAllocatedBytes(tid);
            long events = 0;
            for (int i = 0; i < 1_000; i++) { batch.reset(); events += s.poll(batch); }
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            assertThat(events).isEqualTo(1_024_000);
            assertThat(allocated).as("bytes allocated over 1M events").isLessThan(64 * 1024);
        }
    }

    @Test
    void pacedPollBlocksBrieflyAndFollowsTheClock() {
        try (SyntheticSource s = new SyntheticSource(new SyntheticConfig(2_000, 9, 0.0, 0, true))) {
            EventBatch batch = new EventBatch(100_000);
            long start = System.nanoTime();
            long events = 0, longest = 0, wakeups = 0;
            while (System.nanoTime() - start < 500_000_000L) {
                batch.reset();
                long t0 = System.nanoTime();
                int n = s.poll(batch);
                events += n;
                if (n > 0) wakeups++;
                longest = Math.max(longest, System.nanoTime() - t0);
            }
            // 2000 packets/s * ~12 events each * 0.5 s, loosely
            assertThat(events).isBetween(3_000L, 30_000L);
            // ~24,000 events/s come in batches of ~120 (a wake-up per 5 ms), not a wake-up per few
            // events (sleeping until each due event gave ~13 a poll here)
            assertThat(events / Math.max(1, wakeups)).as("events per non-empty poll").isGreaterThanOrEqualTo(40);
            assertThat(longest / 1_000_000).as("one poll blocks ~100 ms at most (slack for a loaded machine)").isLessThan(600);
            s.close();
            batch.reset();
            assertThat(s.poll(batch)).isEqualTo(-1);
        }
    }
}

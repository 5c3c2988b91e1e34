package dev.skbscope.server;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;

import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.Set;

/**
 * A live backend for tests: each source emits inbound TCP (and UDP) packets through ip_rcv,
 * ip_local_deliver, tcp_v4_rcv and consume_skb, 50 packets every 20 ms (or a given period). Like
 * every source, a poll blocks at most {@link EventSource#MAX_BLOCK_NANOS}: with a longer period
 * most polls return no event. Thread-safe.
 */
final class FakeLiveBackend implements LiveBackend {
    static final String[] PROBES = {"netif_receive_skb", "ip_rcv", "ip_local_deliver", "tcp_v4_rcv", "consume_skb"};

    @Override public Set<String> modes() { return Set.of("full", "multifunction", "nft"); }

    @Override public Map<String, Object> capabilities() { return Map.of("available", true, "backend", "fake"); }

    private final long periodMillis;

    FakeLiveBackend() { this(20); }

    /** @param periodMillis time between two bursts of packets */
    FakeLiveBackend(long periodMillis) { this.periodMillis = periodMillis; }

    @Override public EventSource open(LiveRequest request) { return new Source(periodMillis); }

    @Override public void shutdown() { }

    static final class Source implements EventSource {
        private final SourceCounters counters = new SourceCounters("live");
        private final int[] probes = new int[PROBES.length];
        private volatile boolean closed;
        private long skb = 0x1000;
        private long ts = 1_000_000;
        private final long periodNanos;
        private long nextBurst;

        Source() { this(20); }

        Source(long periodMillis) {
            this.periodNanos = periodMillis * 1_000_000L;
            this.nextBurst = System.nanoTime() + periodNanos;
            for (int i = 0; i < PROBES.length; i++) probes[i] = SymbolTable.PROBES.intern(PROBES[i]);
        }

        @Override
        public int poll(EventBatch batch) {
            if (closed) return -1;
            long wait = nextBurst - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, MAX_BLOCK_NANOS));
                if (closed) return -1;
                if (nextBurst - System.nanoTime() > 0) return 0;
            }
            nextBurst += periodNanos;
            int n = 0;
            while (batch.size() + probes.length <= batch.capacity() && n < 50 * probes.length) {
                skb += 0x100;
                boolean tcp = (skb & 0x100) == 0;
                for (int p : probes) {
                    TraceEvent e = batch.next();
                    e.tsNs = ts += 1_000;
                    e.skb = skb;
                    e.hasSkb = true;
                    e.probe = p;
                    e.proto = tcp ? 6 : 17;
                    e.ipVersion = 4;
                    e.srcLo = 0xC6120001L; // 198.18.0.1
                    e.dstLo = 0xC6120002L;
                    e.sport = 40000;
                    e.dport = tcp ? 80 : 53;
                    n++;
                }
            }
            counters.eventsRead.addAndGet(n);
            return n;
        }

        @Override public SourceCounters counters() { return counters; }

        @Override public void close() { closed = true; }
    }
}

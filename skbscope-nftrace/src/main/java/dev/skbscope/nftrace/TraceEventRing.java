package dev.skbscope.nftrace;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded single-producer single-consumer queue of nft trace events stored as primitives in one
 * {@code long[]}: the reader thread {@link #offer}s, one session thread {@link #drainTo}s. Nothing is
 * allocated per event; when full, the event is dropped and counted.
 *
 * <pre>
 * record (RECORD_LONGS longs):
 *  0 tsNs | 1 traceId | 2 ruleHandle | 3 srcHi | 4 srcLo | 5 dstHi | 6 dstLo
 *  7 table:32 chain:32 | 8 sport:32 dport:32 | 9 ifindex:32 len:32
 * 10 hook:8 verdict:8 ipVersion:8 . proto:16 tcpFlags:16   (ints/shorts sign-extended back)
 * 11 netns
 * </pre>
 */
final class TraceEventRing {
    static final int RECORD_LONGS = 12;
    private final long[] data;
    private final int capacity;
    private final int mask;
    private final AtomicLong head = new AtomicLong();   // next to read; written by the consumer
    private final AtomicLong tail = new AtomicLong();   // next to write; written by the producer
    private volatile Thread waiter;

    TraceEventRing(int capacityPow2) {
        if (Integer.bitCount(capacityPow2) != 1) throw new IllegalArgumentException("capacity must be a power of two");
        capacity = capacityPow2;
        mask = capacityPow2 - 1;
        data = new long[capacityPow2 * RECORD_LONGS];
    }

    /**
     * Producer side; the event is visible to the consumer at once but a waiting consumer is woken
     * only by {@link #wake}, which the producer calls once per batch of offers: one unpark per
     * event would cost the reader a futex call and the consumer a context switch per event.
     * @return false (event dropped) when the ring is full
     */
    boolean offer(TraceEvent e) {
        long t = tail.get();
        if (t - head.get() >= capacity) return false;
        int o = (int) (t & mask) * RECORD_LONGS;
        long[] d = data;
        d[o] = e.tsNs;
        d[o + 1] = e.traceId;
        d[o + 2] = e.ruleHandle;
        d[o + 3] = e.srcHi; d[o + 4] = e.srcLo; d[o + 5] = e.dstHi; d[o + 6] = e.dstLo;
        d[o + 7] = pack(e.table, e.chain);
        d[o + 8] = pack(e.sport, e.dport);
        d[o + 9] = pack(e.ifindex, e.len);
        d[o + 10] = ((long) e.hook.ordinal() << 56) | ((long) e.verdict.ordinal() << 48) | ((long) (e.ipVersion & 0xff) << 40)
                | ((long) (e.proto & 0xffff) << 16) | (e.tcpFlags & 0xffff);
        d[o + 11] = e.netns;
        tail.lazySet(t + 1);
        return true;
    }

    private static long pack(int hi, int lo) { return ((long) hi << 32) | (lo & 0xffffffffL); }

    /**
     * Consumer side: moves up to the batch's free room into it, waiting at most {@code maxWaitNanos}
     * for the first event. @return events added
     */
    int drainTo(EventBatch batch, int probeId, long maxWaitNanos) {
        long h = head.get();
        long t = tail.get();
        if (t == h && maxWaitNanos > 0) {
            long deadline = System.nanoTime() + maxWaitNanos;
            waiter = Thread.currentThread();
            try {
                while ((t = tail.get()) == h) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || Thread.currentThread().isInterrupted()) break;
                    LockSupport.parkNanos(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                }
            } finally {
                waiter = null;
            }
        }
        int n = 0;
        long[] d = data;
        while (h < t) {
            TraceEvent e = batch.next();
            if (e == null) break;
            int o = (int) (h & mask) * RECORD_LONGS;
            e.tsNs = d[o];
            e.traceId = d[o + 1];
            e.skb = e.traceId;
            e.hasSkb = false;
            e.probe = probeId;
            e.ruleHandle = d[o + 2];
            e.srcHi = d[o + 3]; e.srcLo = d[o + 4]; e.dstHi = d[o + 5]; e.dstLo = d[o + 6];
            e.table = (int) (d[o + 7] >> 32); e.chain = (int) d[o + 7];
            e.sport = (int) (d[o + 8] >> 32); e.dport = (int) d[o + 8];
            e.ifindex = (int) (d[o + 9] >> 32); e.len = (int) d[o + 9];
            long x = d[o + 10];
            e.hook = Hook.of((int) (x >>> 56) & 0xff);
            e.verdict = Verdict.of((int) (x >>> 48) & 0xff);
            e.ipVersion = (int) (x >>> 40) & 0xff;
            e.proto = (short) (x >>> 16);
            e.tcpFlags = (short) x;
            e.netns = d[o + 11];
            h++;
            n++;
        }
        head.lazySet(h);
        return n;
    }

    /** Wakes a consumer waiting in {@link #drainTo}: after a batch of {@link #offer}s, and on close. */
    void wake() {
        VarHandle.fullFence();   // our tail store before reading waiter; drainTo's waiter store precedes its tail read
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
    }

    int size() { return (int) (tail.get() - head.get()); }
}

package dev.skbscope.kernel;

import dev.skbscope.kernel.abi.EventDescriptor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded single-producer single-consumer queue of fixed-size event records
 * ({@link EventDescriptor#SIZE} bytes) in off-heap memory. One producer thread calls
 * {@link #offer}; one consumer thread calls {@link #slot}/{@link #release}; nothing allocates.
 * (Agrona's ring buffers would need {@code --add-exports} on JDK 25, hence this small one.)
 */
final class EventQueue {
    private final MemorySegment records;
    private final long mask;
    /** Next slot the producer writes; published with release semantics. */
    private final AtomicLong tail = new AtomicLong();
    /** Next slot the consumer reads. */
    private final AtomicLong head = new AtomicLong();
    private long cachedHead;

    EventQueue(int capacityRecords) {
        int cap = Integer.highestOneBit(Math.max(2, capacityRecords));
        // freed by the GC with the queue: the dispatcher may still hold the session for a moment after close
        records = Arena.ofAuto().allocate((long) cap * EventDescriptor.SIZE, 64);
        mask = cap - 1;
    }

    /** Producer: copies one record; false (nothing written) when full. */
    boolean offer(MemorySegment src, long offset) {
        long t = tail.getPlain();
        if (t - cachedHead > mask) {
            cachedHead = head.getAcquire();
            if (t - cachedHead > mask) return false;
        }
        MemorySegment.copy(src, offset, records, (t & mask) * EventDescriptor.SIZE, EventDescriptor.SIZE);
        tail.setRelease(t + 1);
        return true;
    }

    /** Consumer: records ready to read. */
    long available() { return tail.getAcquire() - head.getPlain(); }

    /** Consumer: byte offset in {@link #records()} of the {@code i}-th ready record. */
    long slot(long i) { return ((head.getPlain() + i) & mask) * EventDescriptor.SIZE; }

    /** Consumer: frees the first {@code n} ready records. */
    void release(long n) { head.setRelease(head.getPlain() + n); }

    MemorySegment records() { return records; }
}

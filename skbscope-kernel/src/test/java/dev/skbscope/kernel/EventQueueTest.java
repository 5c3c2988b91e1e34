package dev.skbscope.kernel;

import dev.skbscope.kernel.abi.EventDescriptor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.assertj.core.api.Assertions.assertThat;

/** The per-session queue keeps order across wrap-around, refuses when full, and loses nothing across threads. */
class EventQueueTest {

    @Test
    void fifoAcrossWrapAndFull() {
        EventQueue q = new EventQueue(4);
        MemorySegment rec = Arena.ofAuto().allocate(EventDescriptor.SIZE);
        long next = 0, expect = 0;
        for (int round = 0; round < 10; round++) {
            while (true) {
                rec.set(JAVA_LONG_UNALIGNED, EventDescriptor.TS_NS, next);
                if (!q.offer(rec, 0)) break;
                next++;
            }
            assertThat(q.available()).isEqualTo(4);
            long n = q.available();
            for (long i = 0; i < n; i++) {
                assertThat(q.records().get(JAVA_LONG_UNALIGNED, q.slot(i) + EventDescriptor.TS_NS)).isEqualTo(expect++);
            }
            q.release(n);
        }
        assertThat(expect).isEqualTo(40);
    }

    @Test
    void producerAndConsumerThreadsAgree() throws Exception {
        EventQueue q = new EventQueue(64);
        int total = 200_000;
        Thread producer = Thread.ofPlatform().start(() -> {
            MemorySegment rec = Arena.ofAuto().allocate(EventDescriptor.SIZE);
            for (long i = 0; i < total; ) {
                rec.set(JAVA_LONG_UNALIGNED, EventDescriptor.SKB_ID, i);
                if (q.offer(rec, 0)) i++; else Thread.onSpinWait();
            }
        });
        long expect = 0;
        while (expect < total) {
            long n = q.available();
            for (long i = 0; i < n; i++) {
                long v = q.records().get(JAVA_LONG_UNALIGNED, q.slot(i) + EventDescriptor.SKB_ID);
                assertThat(v).isEqualTo(expect++);
            }
            q.release(n);
        }
        producer.join();
    }
}

package dev.skbscope.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Consumer of a {@code BPF_MAP_TYPE_RINGBUF} map, reading the kernel's memory-mapped ring directly
 * (no libbpf callback, nothing allocated per record). Single consumer thread: one thread calls
 * {@link #drain} and {@link #await}; {@link #close} after that thread has stopped.
 *
 * <pre>
 * mmap(fd, offset 0)         consumer page (rw):  u64 consumer_pos
 * mmap(fd, offset PAGE)      producer page (ro):  u64 producer_pos
 *                            data (ro), mapped twice back to back so a record never wraps:
 *                              u32 len | BUSY(1&lt;&lt;31) | DISCARD(1&lt;&lt;30), u32 pg_off, payload, pad to 8
 * </pre>
 */
public final class BpfRingBuffer implements AutoCloseable {
    /** Receives one record; {@code data} is the whole data area, the record starts at {@code offset}. */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(MemorySegment data, long offset, int length);
    }

    private static final int BUSY = 1 << 31;
    private static final int DISCARD = 1 << 30;
    private static final int HEADER = 8;
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    private static final int EPOLL_CTL_ADD = 1, EPOLLIN = 1;
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final Libbpf lib;
    private final long page;
    private final long size;
    private final long mask;
    private final MemorySegment consumer;
    private final MemorySegment producer;
    private final MemorySegment data;
    private final int epfd;
    private final MemorySegment epollEvents = Arena.global().allocate(64, 8);
    private boolean closed;

    /**
     * Maps the ring of a loaded ring buffer map.
     *
     * @param map a loaded {@code BPF_MAP_TYPE_RINGBUF} map
     */
    public BpfRingBuffer(BpfMap map) throws LibbpfException {
        this.lib = Libbpf.get();
        this.page = 4096;
        this.size = Integer.toUnsignedLong(map.maxEntries());
        this.mask = size - 1;
        int fd = map.fd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.captureState(a);
            MemorySegment c = (MemorySegment) lib.mmap.invokeExact(state, MemorySegment.NULL, page,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
            if (c.address() == -1L) throw lib.error("mmap of ring buffer consumer page", Libbpf.errno(state));
            consumer = c.reinterpret(page);
            MemorySegment p = (MemorySegment) lib.mmap.invokeExact(state, MemorySegment.NULL, page + 2 * size,
                    PROT_READ, MAP_SHARED, fd, page);
            if (p.address() == -1L) {
                int e = Libbpf.errno(state);
                int rc = (int) lib.munmap.invokeExact(consumer, page);
                throw lib.error("mmap of ring buffer data", e);
            }
            producer = p.reinterpret(page + 2 * size);
            data = producer.asSlice(page, 2 * size);
            int ep = (int) lib.epollCreate1.invokeExact(state, 0x80000 /* EPOLL_CLOEXEC */);
            if (ep < 0) throw lib.error("epoll_create1", Libbpf.errno(state));
            MemorySegment ev = a.allocate(16, 8);
            ev.set(JAVA_INT, 0, EPOLLIN);
            int rc = (int) lib.epollCtl.invokeExact(state, ep, EPOLL_CTL_ADD, fd, ev);
            if (rc < 0) throw lib.error("epoll_ctl on ring buffer", Libbpf.errno(state));
            epfd = ep;
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /** Bytes of data area. */
    public long size() { return size; }

    /**
     * Hands up to {@code max} committed records to {@code handler}, in order, and releases their
     * space to the kernel.
     *
     * @return records handed over
     */
    public int drain(RecordHandler handler, int max) {
        long cons = (long) LONG.getAcquire(consumer, 0L);
        long prod = (long) LONG.getAcquire(producer, 0L);
        int n = 0;
        while (cons < prod && n < max) {
            long off = cons & mask;
            int hdr = (int) INT.getAcquire(data, off);
            if ((hdr & BUSY) != 0) break;
            int len = hdr & ~(BUSY | DISCARD);
            if ((hdr & DISCARD) == 0) {
                handler.onRecord(data, off + HEADER, len);
                n++;
            }
            cons += (len + HEADER + 7) & ~7L;
            // every BPF reserve reads consumer_pos: writing it per record bounced its cache line
            // to the producing CPU once per event; a 256-record batch still frees space promptly
            if ((n & 255) == 0) LONG.setRelease(consumer, 0L, cons);
            if (cons >= prod) prod = (long) LONG.getAcquire(producer, 0L);
        }
        LONG.setRelease(consumer, 0L, cons);
        return n;
    }

    /** True if records are waiting. */
    public boolean hasData() {
        return (long) LONG.getAcquire(consumer, 0L) < (long) LONG.getAcquire(producer, 0L);
    }

    /** Bytes written by the kernel and not yet consumed. */
    public long pending() {
        return (long) LONG.getAcquire(producer, 0L) - (long) LONG.getAcquire(consumer, 0L);
    }

    /**
     * Blocks until the kernel signals new records or {@code timeoutMs} passes.
     *
     * @return true if woken by data
     */
    public boolean await(int timeoutMs) {
        try {
            MemorySegment state = STATE.get();
            int n = (int) lib.epollWait.invokeExact(state, epfd, epollEvents, 4, timeoutMs);
            return n > 0;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Libbpf.captureState(Arena.global()));

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            int rc1 = (int) lib.munmap.invokeExact(producer, page + 2 * size);
            int rc2 = (int) lib.munmap.invokeExact(consumer, page);
            int rc3 = (int) lib.close.invokeExact(epfd);
        } catch (Throwable ignored) {
            // best effort at teardown
        }
    }
}

package dev.skbscope.kernel;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.kernel.abi.EventDescriptor;
import dev.skbscope.kernel.abi.KernelValues;
import dev.skbscope.kernel.probe.ProbeCatalog;
import dev.skbscope.sources.EventSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One live session's view of the shared kernel tracer. Two threads: the tracer's dispatcher
 * thread calls {@link #offer} (the single producer of this session's queue); the session thread
 * calls {@link #poll} (the single consumer). {@link #close} from any thread.
 */
final class KernelSessionSource implements EventSource {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfLong BE_LONG = LONG.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = INT.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long MAX_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final KernelLiveBackend backend;
    private final int slot;
    private final String mode;
    private final SourceCounters counters = new SourceCounters("live");
    private final EventQueue queue;
    private final int[] probeIds;
    private final int[] dropReasonIds;
    private final int notSpecified;
    private final Map<String, String> unobserved;
    private final Long netnsFilter;
    private final ReceiveDevices devices;
    private final java.util.function.LongSupplier dispatchedUpTo;
    /** Events the dispatcher could not queue because this session fell behind. */
    private final AtomicLong queueDrops = new AtomicLong();
    private final long kernelLostAtStart;
    private volatile Thread waiter;
    private volatile boolean closed;

    KernelSessionSource(KernelLiveBackend backend, int slot, String mode, int queueBytes, int[] probeIds,
                        int[] dropReasonIds, int notSpecified, Map<String, String> unobserved, long kernelLostAtStart,
                        String detail, Long netnsFilter, ReceiveDevices devices,
                        java.util.function.LongSupplier dispatchedUpTo) {
        this.backend = backend;
        this.slot = slot;
        this.mode = mode;
        this.queue = new EventQueue(queueBytes / EventDescriptor.SIZE);
        this.probeIds = probeIds;
        this.dropReasonIds = dropReasonIds;
        this.notSpecified = notSpecified;
        this.unobserved = Map.copyOf(unobserved);
        this.kernelLostAtStart = kernelLostAtStart;
        this.netnsFilter = netnsFilter;
        this.devices = devices;
        this.dispatchedUpTo = dispatchedUpTo;
        counters.detail(detail);
    }

    int slot() { return slot; }
    /** The namespace this session's filter names, or null (all). */
    Long netnsFilter() { return netnsFilter; }
    String mode() { return mode; }

    /** Dispatcher thread: copies one ring-buffer record into this session's queue. */
    void offer(MemorySegment data, long offset) {
        if (!queue.offer(data, offset)) queueDrops.incrementAndGet();
    }

    /** Dispatcher thread: wakes the session thread if it is waiting for events. */
    void wake() {
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
    }

    /** Dispatcher thread, a few times a second: losses (the kernel ring's since this session began plus our own) and the sampling factor. */
    void updateCounters(long kernelLostTotal, int sampleOneIn) {
        counters.lostEvents.set(Math.max(0, kernelLostTotal - kernelLostAtStart) + queueDrops.get());
        counters.sampleOneIn.set(sampleOneIn);
    }

    /**
     * Session thread. Also tells the engine what time it is ({@link EventBatch#clockNs}), so packets
     * whose end the kernel never reports expire while no event arrives. The events carry
     * {@code bpf_ktime_get_ns}, CLOCK_MONOTONIC, which is {@link System#nanoTime} on Linux. The time
     * given is one up to which every event is in this batch or before it: the dispatcher's
     * watermark, and only when this session's queue is drained (a session catching up on a backlog
     * must not expire packets whose later events are still queued).
     */
    @Override
    public int poll(EventBatch batch) {
        int n = pollEvents(batch);
        if (n >= 0 && queue.available() == 0) batch.clockNs(dispatchedUpTo.getAsLong());
        return n;
    }

    private int pollEvents(EventBatch batch) {
        if (closed) return -1;
        int n = drainInto(batch);
        if (n > 0) return n;
        long deadline = System.nanoTime() + MAX_WAIT_NS;
        waiter = Thread.currentThread();
        try {
            while (n == 0 && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                if (queue.available() == 0) LockSupport.parkNanos(this, left);
                n = drainInto(batch);
            }
        } finally {
            waiter = null;
        }
        return closed && n == 0 ? -1 : n;
    }

    private int drainInto(EventBatch batch) {
        int room = batch.capacity() - batch.size();
        if (room <= 0) return 0;
        int n = (int) Math.min(room, queue.available());
        MemorySegment records = queue.records();
        for (int k = 0; k < n; k++) decode(records, queue.slot(k), batch.next());
        queue.release(n);
        if (n > 0) counters.eventsRead.addAndGet(n);
        return n;
    }

    /** Session thread: decodes the record at {@code i} into {@code e}. */
    private void decode(MemorySegment b, long i, TraceEvent e) {
        e.tsNs = b.get(LONG, i + EventDescriptor.TS_NS);
        e.skb = b.get(LONG, i + EventDescriptor.SKB_ID);
        e.hasSkb = true;
        e.weight = Math.max(1, b.get(SHORT, i + EventDescriptor.WEIGHT) & 0xffff);
        int probe = b.get(SHORT, i + EventDescriptor.PROBE) & 0xffff;
        e.probe = probe < probeIds.length ? probeIds[probe] : probeIds[probeIds.length - 1];
        int flags = b.get(BYTE, i + EventDescriptor.FLAGS);
        e.hook = (flags & EventDescriptor.F_HOOK) == 0 ? Hook.NONE
                : KernelValues.hook(b.get(BYTE, i + EventDescriptor.PF) & 0xff, b.get(BYTE, i + EventDescriptor.HOOK) & 0xff);
        e.verdict = (flags & EventDescriptor.F_VERDICT) == 0 ? Verdict.NONE
                : KernelValues.verdict(b.get(BYTE, i + EventDescriptor.VERDICT) & 0xff);
        if (probe == ProbeCatalog.KFREE_SKB) {
            int reason = b.get(INT, i + EventDescriptor.DROP_REASON);
            e.dropReason = reason >= 0 && reason < dropReasonIds.length && dropReasonIds[reason] >= 0
                    ? dropReasonIds[reason] : notSpecified;
        }
        int ifindex = b.get(INT, i + EventDescriptor.IFINDEX);
        e.ifindex = ifindex == 0 ? TraceEvent.UNKNOWN : ifindex;
        e.len = b.get(INT, i + EventDescriptor.LEN);
        e.cpu = b.get(SHORT, i + EventDescriptor.CPU) & 0xffff;
        e.pid = b.get(INT, i + EventDescriptor.PID);
        long netns = b.get(INT, i + EventDescriptor.NETNS) & 0xffffffffL;
        e.netns = netns == 0 ? TraceEvent.UNKNOWN : netns;
        if (devices != null && ifindex != 0 && netns != 0) devices.saw(probe, netns, ifindex);
        int ver = b.get(BYTE, i + EventDescriptor.IP_VERSION);
        if (ver == 4 || ver == 6) {
            e.ipVersion = ver;
            e.proto = b.get(BYTE, i + EventDescriptor.PROTO) & 0xff;
            if (ver == 4) {
                e.srcLo = b.get(BE_INT, i + EventDescriptor.SRC) & 0xffffffffL;
                e.dstLo = b.get(BE_INT, i + EventDescriptor.DST) & 0xffffffffL;
            } else {
                e.srcHi = b.get(BE_LONG, i + EventDescriptor.SRC);
                e.srcLo = b.get(BE_LONG, i + EventDescriptor.SRC + 8);
                e.dstHi = b.get(BE_LONG, i + EventDescriptor.DST);
                e.dstLo = b.get(BE_LONG, i + EventDescriptor.DST + 8);
            }
            if ((flags & EventDescriptor.F_PORTS) != 0) {
                e.sport = b.get(SHORT, i + EventDescriptor.SPORT) & 0xffff;
                e.dport = b.get(SHORT, i + EventDescriptor.DPORT) & 0xffff;
            }
            if ((flags & EventDescriptor.F_TCP_FLAGS) != 0) e.tcpFlags = b.get(BYTE, i + EventDescriptor.TCP_FLAGS) & 0xff;
        }
    }

    @Override
    public SourceCounters counters() { return counters; }

    @Override
    public Map<String, String> unobservedNodes() { return unobserved; }

    @Override
    public Map<String, String> notApplicableNodes() { return devices == null ? Map.of() : devices.notApplicable(); }

    @Override
    public java.util.function.LongFunction<String> netnsNames() { return backend::netnsName; }

    /** The tracer was torn down under this session (backend shutdown): poll returns -1 from now on. */
    void detached() {
        closed = true;
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
        backend.release(this);
    }
}

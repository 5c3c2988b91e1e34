package dev.skbscope.kernel;

import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.libbpf.BpfLink;
import dev.skbscope.libbpf.BpfMap;
import dev.skbscope.libbpf.BpfObject;
import dev.skbscope.libbpf.BpfProgram;
import dev.skbscope.libbpf.BpfRingBuffer;
import dev.skbscope.libbpf.Libbpf;
import dev.skbscope.libbpf.LibbpfException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * The one set of loaded and attached BPF programs shared by every live session, and the dispatcher
 * thread that reads the shared ring buffer and routes each event, by its session mask, into the
 * sessions' queues. Session changes are serialised by the backend's lock; the dispatcher only
 * reads the slot array.
 */
final class KernelTracer implements AutoCloseable, BpfRingBuffer.RecordHandler {
    private static final Logger LOG = LoggerFactory.getLogger(KernelTracer.class);
    static final int MAX_SESSIONS = 64;
    private static final long COUNTER_PERIOD_NS = 100_000_000L; // the sampler reacts within one: a flood fills the ring in ~0.3 s

    private final BpfObject obj;
    private final List<BpfLink> links = new ArrayList<>();
    private final List<String> attached = new ArrayList<>();
    private final Map<String, String> attachRefused = new LinkedHashMap<>();
    private final BpfMap sessions, config, hits, matched, lost;
    private final BpfRingBuffer ring;
    private final int cpus;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment key, countKey, filterValue, configValue, percpu;
    private final AtomicReferenceArray<KernelSessionSource> slots = new AtomicReferenceArray<>(MAX_SESSIONS);
    private final Thread dispatcher;
    private volatile boolean running = true;
    private long activeMask, deviceMask;
    private long dirty;
    /** Records read since the sampler last looked (dispatcher thread only). */
    private long recordsSinceTune;
    private final PacketSampler sampler = new PacketSampler(Long.getLong("skbscope.kernel.maxEventsPerSecond",
            PacketSampler.DEFAULT_MAX_EVENTS_PER_SECOND));

    private KernelTracer(KernelProbe probe, int ringBytes) throws LibbpfException {
        obj = BpfObject.open(BpfObjectBytes.get(), "skbscope");
        try {
            List<String> wanted = new ArrayList<>(probe.chosen().values());
            for (BpfProgram p : obj.programs()) p.autoload(wanted.contains(p.name()));
            obj.map("events").maxEntries(ringBytes);
            obj.load();
            for (ProbeCatalog.Probe pr : ProbeCatalog.PROBES) {
                String name = probe.chosen().get(pr.id());
                if (name == null) continue;
                try {
                    links.add(obj.program(name).attach());
                    attached.add(pr.name());
                } catch (LibbpfException e) {
                    attachRefused.put(name, "attach refused by this kernel: " + e.getMessage());
                    LOG.info("{}: {}", name, e.getMessage());
                }
            }
            if (links.isEmpty()) throw new LibbpfException("no BPF program could be attached: " + attachRefused, 0);
            sessions = obj.map("sessions");
            config = obj.map("sks_config");
            hits = obj.map("hits");
            matched = obj.map("matched");
            lost = obj.map("lost");
            ring = new BpfRingBuffer(obj.map("events"));
        } catch (LibbpfException | RuntimeException e) {
            obj.close();
            throw e;
        }
        cpus = Libbpf.get().numPossibleCpus();
        key = arena.allocate(4, 4);
        countKey = arena.allocate(4, 4);
        filterValue = arena.allocate(FilterDescriptor.SIZE, 8);
        configValue = arena.allocate(24, 8);
        percpu = arena.allocate(8L * Math.max(1, cpus), 8);
        dispatcher = Thread.ofPlatform().name("skbscope-kernel-dispatcher").daemon().unstarted(this::run);
        dispatcher.start();
        LOG.info("kernel tracer attached {} probes: {}", attached.size(), attached);
    }

    static KernelTracer start(KernelProbe probe, int ringBytes) throws LibbpfException {
        return new KernelTracer(probe, ringBytes);
    }

    List<String> attached() { return Collections.unmodifiableList(attached); }
    Map<String, String> attachRefused() { return Collections.unmodifiableMap(attachRefused); }
    int linkCount() { return links.size(); }

    /** Caller holds the backend lock. */
    int freeSlot() {
        for (int i = 0; i < MAX_SESSIONS; i++) if (slots.get(i) == null) return i;
        return -1;
    }

    boolean empty() {
        for (int i = 0; i < MAX_SESSIONS; i++) if (slots.get(i) != null) return false;
        return true;
    }

    /** Caller holds the backend lock: publishes the session's filter, then turns its bit on. */
    void add(KernelSessionSource s, PacketFilter filter) throws LibbpfException {
        int slot = s.slot();
        boolean device = FilterDescriptor.write(filter == null ? PacketFilter.ANY : filter, filterValue);
        key.set(JAVA_INT, 0, slot);
        sessions.update(key, filterValue, 0);
        slots.set(slot, s);
        activeMask |= 1L << slot;
        if (device) deviceMask |= 1L << slot; else deviceMask &= ~(1L << slot);
        writeConfig();
    }

    /** Caller holds the backend lock. */
    void remove(KernelSessionSource s) {
        int slot = s.slot();
        if (slots.get(slot) != s) return;
        activeMask &= ~(1L << slot);
        deviceMask &= ~(1L << slot);
        try {
            writeConfig();
        } catch (LibbpfException e) {
            LOG.warn("could not update the kernel session table: {}", e.getMessage());
        }
        slots.set(slot, null);
    }

    /** Backend lock holders and the dispatcher (sampling changes) both write the one config entry. */
    private synchronized void writeConfig() throws LibbpfException {
        key.set(JAVA_INT, 0, 0);
        configValue.set(JAVA_LONG, 0, activeMask);
        configValue.set(JAVA_LONG, 8, deviceMask);
        configValue.set(JAVA_INT, 16, 64 - Long.numberOfLeadingZeros(activeMask));
        configValue.set(JAVA_INT, 20, sampler.oneIn() - 1);
        config.update(key, configValue, 0);
    }

    /** Dispatcher thread: adjusts the kernel's sampling to the event rate of the last period. */
    private void tuneSampling(long periodNs) {
        long records = recordsSinceTune;
        recordsSinceTune = 0;
        if (!sampler.adjust(records, periodNs)) return;
        try {
            writeConfig();
            LOG.info("kernel event rate {}/s: now tracing one packet in {}", records * 1_000_000_000L / periodNs,
                    sampler.oneIn());
        } catch (LibbpfException e) {
            LOG.warn("could not change kernel sampling: {}", e.getMessage());
        }
    }

    private void run() {
        long nextCounters = 0, lastTune = System.nanoTime();
        while (running) {
            try {
                int n = ring.drain(this, 16384);
                wakeDirty();
                long now = System.nanoTime();
                if (now >= nextCounters) {
                    nextCounters = now + COUNTER_PERIOD_NS;
                    tuneSampling(now - lastTune);   // the period that passed: drains and waits stretch it
                    lastTune = now;
                    long lostTotal = lostTotal();
                    for (int i = 0; i < MAX_SESSIONS; i++) {
                        KernelSessionSource s = slots.get(i);
                        if (s != null) s.updateCounters(lostTotal, sampler.oneIn());
                    }
                }
                // the kernel never wakes us (a wake-up decision per event costs BPF time): look every 5 ms
                if (n < 16384) ring.await(5);
            } catch (Throwable t) {
                LOG.error("kernel event dispatcher failed; live sessions stop receiving events", t);
                return;
            }
        }
    }

    /** Dispatcher thread: one ring-buffer record. */
    @Override
    public void onRecord(MemorySegment data, long offset, int length) {
        if (length < EventDescriptor.SIZE) return;
        recordsSinceTune++;
        long mask = data.get(JAVA_LONG_UNALIGNED, offset + EventDescriptor.SESSION_MASK);
        while (mask != 0) {
            int i = Long.numberOfTrailingZeros(mask);
            mask &= mask - 1;
            KernelSessionSource s = slots.get(i);
            if (s != null) {
                s.offer(data, offset);
                dirty |= 1L << i;
            }
        }
    }

    private void wakeDirty() {
        long d = dirty;
        dirty = 0;
        while (d != 0) {
            int i = Long.numberOfTrailingZeros(d);
            d &= d - 1;
            KernelSessionSource s = slots.get(i);
            if (s != null) s.wake();
        }
    }

    /** The sampling limit and the factor in force now (read from any thread: a racy read is fine here). */
    Map<String, Object> sampling() {
        return Map.of("max_events_per_second", sampler.maxEventsPerSecond(), "one_in", sampler.oneIn());
    }

    /** Events the kernel could not put in the ring, summed over CPUs. */
    long lostTotal() {
        return sumPerCpu(lost, 0);
    }

    /** Per probe id: invocations ({@code matchedOnly=false}) or events some session wanted. */
    long[] probeCounts(boolean matchedOnly) {
        long[] out = new long[ProbeCatalog.MAX];
        for (int i = 0; i < ProbeCatalog.PROBES.size(); i++) out[i] = sumPerCpu(matchedOnly ? matched : hits, i);
        return out;
    }

    private synchronized long sumPerCpu(BpfMap map, int index) {
        countKey.set(JAVA_INT, 0, index);
        try {
            if (!map.lookup(countKey, percpu)) return 0;
        } catch (LibbpfException e) {
            return 0;
        }
        long sum = 0;
        for (int c = 0; c < cpus; c++) sum += percpu.get(JAVA_LONG, 8L * c);
        return sum;
    }

    /** Detaches every program, stops the dispatcher and frees the object. */
    @Override
    public void close() {
        running = false;
        for (int i = 0; i < MAX_SESSIONS; i++) {
            KernelSessionSource s = slots.getAndSet(i, null);
            if (s != null) s.detached();
        }
        try {
            dispatcher.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (BpfLink l : links) l.close();
        links.clear();
        ring.close();
        obj.close();
        LOG.info("kernel tracer detached");
    }
}

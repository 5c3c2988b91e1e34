package dev.skbscope.kernel;

import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.kernel.abi.ConfigDescriptor;
import dev.skbscope.kernel.abi.EventDescriptor;
import dev.skbscope.kernel.abi.FilterDescriptor;
import dev.skbscope.kernel.attach.Calibration;
import dev.skbscope.kernel.attach.NamespaceAttacher;
import dev.skbscope.kernel.probe.ProbeCatalog;
import dev.skbscope.libbpf.BpfLink;
import dev.skbscope.libbpf.BpfMap;
import dev.skbscope.libbpf.BpfObject;
import dev.skbscope.libbpf.BpfProgram;
import dev.skbscope.libbpf.BpfRingBuffer;
import dev.skbscope.libbpf.Libbpf;
import dev.skbscope.libbpf.LibbpfException;
import dev.skbscope.libbpf.LinkCreate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * The one set of loaded BPF programs shared by every live session: the tracepoints attached once,
 * the per-namespace netfilter and tc links ({@link NamespaceAttacher}), and the dispatcher thread
 * that reads the shared ring buffer and routes each event, by its session mask, into the
 * sessions' queues. Threads: session changes come from the backend (under its lock); the
 * dispatcher reads the slot array and adjusts sampling; both write the kernel's session table
 * through {@link #sessionTable}, whose methods are synchronized and own their key and value
 * buffers (they once shared one key buffer, and a sampling change could redirect a new session's
 * filter to slot 0).
 */
final class KernelTracer implements AutoCloseable, BpfRingBuffer.RecordHandler {
    private static final Logger LOG = LoggerFactory.getLogger(KernelTracer.class);
    static final int MAX_SESSIONS = 64;
    private static final long COUNTER_PERIOD_NS = 100_000_000L; // the sampler reacts within one: a flood fills the ring in ~0.3 s
    /** How long the dispatcher waits between looks at the ring: while events come, and while none do. */
    private static final int ACTIVE_LOOK_MS = 5, IDLE_LOOK_MS = 25;

    private final BpfObject obj;
    private final List<BpfLink> links = new ArrayList<>();
    private final List<String> attached = new ArrayList<>();
    private final Map<String, String> attachRefused = new LinkedHashMap<>();
    private final BpfMap hits, matched, lost;
    private final BpfRingBuffer ring;
    private final int cpus;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment countKey, percpu;
    private final AtomicReferenceArray<KernelSessionSource> slots = new AtomicReferenceArray<>(MAX_SESSIONS);
    private final SessionTable sessionTable;
    private final NamespaceAttacher namespaces;
    private final long bracketNs;
    private final Thread dispatcher;
    private volatile boolean running = true;
    /**
     * Every event the kernel wrote before this time (System.nanoTime, the clock of the events) is
     * in the sessions' queues: the time the dispatcher started its last drain that emptied the ring.
     */
    private volatile long dispatchedUpTo;
    private long dirty;
    /** Records read since the sampler last looked (dispatcher thread only). */
    private long recordsSinceTune;
    private final PacketSampler sampler = new PacketSampler(Long.getLong("skbscope.kernel.maxEventsPerSecond",
            PacketSampler.DEFAULT_MAX_EVENTS_PER_SECOND));

    private KernelTracer(KernelProbe probe, int ringBytes) throws LibbpfException {
        List<String> wanted = new ArrayList<>(probe.chosen().values());
        boolean netfilter = probe.netfilter().available();
        NamespaceAttacher.TcMode tc = !probe.tc().available() ? NamespaceAttacher.TcMode.NONE
                : probe.tc().how().equals("tcx links") ? NamespaceAttacher.TcMode.TCX : NamespaceAttacher.TcMode.CLASSIC;
        List<String> perNamespace = new ArrayList<>();
        if (netfilter) {
            for (ProbeCatalog.Probe p : ProbeCatalog.of(ProbeCatalog.Mechanism.NETFILTER)) perNamespace.add(p.name());
            wanted.add("nf_calib_a");
            wanted.add("nf_calib_b");
            wanted.add("ns_hooks_scan");
        }
        if (tc != NamespaceAttacher.TcMode.NONE) {
            perNamespace.add("tcx_ingress");
            perNamespace.add("tcx_egress");
        }
        wanted.addAll(perNamespace);
        obj = BpfObjects.open("skbscope", wanted);
        NamespaceAttacher ns = null;
        try {
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
            hits = obj.map("hits");
            matched = obj.map("matched");
            lost = obj.map("lost");
            sessionTable = new SessionTable(obj.map("sessions"), obj.map("sks_config"), sampler);
            LinkCreate linkCreate = netfilter || tc == NamespaceAttacher.TcMode.TCX ? LinkCreate.fromKernel() : null;
            bracketNs = netfilter ? Calibration.measure(linkCreate, obj.program("nf_calib_a").fd(),
                    obj.program("nf_calib_b").fd(), obj.map("calib")) : 0;
            sessionTable.bracketNs(bracketNs);
            ring = new BpfRingBuffer(obj.map("events"));
            if (!perNamespace.isEmpty()) {
                Map<String, Integer> fds = new LinkedHashMap<>();
                for (String p : perNamespace) {
                    BpfProgram prog = obj.program(p);
                    if (prog != null && prog.fd() >= 0) fds.put(p, prog.fd());
                }
                BpfProgram scan = netfilter ? obj.program("ns_hooks_scan") : null;
                ns = new NamespaceAttacher(linkCreate, fds, netfilter, tc, obj.map("netns_seen"), scan == null ? -1 : scan.fd());
                ns.start();
            }
        } catch (LibbpfException | RuntimeException e) {
            if (ns != null) ns.close();
            obj.close();
            throw e;
        }
        namespaces = ns;
        cpus = Libbpf.get().numPossibleCpus();
        countKey = arena.allocate(4, 4);
        percpu = arena.allocate(8L * Math.max(1, cpus), 8);
        dispatcher = Thread.ofPlatform().name("skbscope-kernel-dispatcher").daemon().unstarted(this::run);
        dispatcher.start();
        LOG.info("kernel tracer attached {} tracepoints {}, {} links in {} namespaces, bracket cost {} ns",
                attached.size(), attached, namespaces == null ? 0 : namespaces.view().links(),
                namespaces == null ? 0 : namespaces.view().namespaces().size(), bracketNs);
    }

    static KernelTracer start(KernelProbe probe, int ringBytes) throws LibbpfException {
        return new KernelTracer(probe, ringBytes);
    }

    List<String> attached() { return Collections.unmodifiableList(attached); }
    Map<String, String> attachRefused() { return Collections.unmodifiableMap(attachRefused); }
    /** The measured cost of two adjacent netfilter programs (0 when not measured). */
    long bracketNs() { return bracketNs; }
    /** What the per-namespace links look like now (null without netfilter and tc links). */
    NamespaceAttacher.View namespaces() { return namespaces == null ? null : namespaces.view(); }
    /** Tracepoint links plus netfilter and tc links. */
    int linkCount() { return links.size() + (namespaces == null ? 0 : namespaces.view().links()); }

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
        sessionTable.add(s.slot(), filter == null ? PacketFilter.ANY : filter);
        slots.set(s.slot(), s);
        rescope();
    }

    /** Caller holds the backend lock. */
    void remove(KernelSessionSource s) {
        int slot = s.slot();
        if (slots.get(slot) != s) return;
        try {
            sessionTable.remove(slot);
        } catch (LibbpfException e) {
            LOG.warn("could not update the kernel session table: {}", e.getMessage());
        }
        slots.set(slot, null);
        rescope();
    }

    /** The namespaces to link: all, unless every session filters on one. */
    private void rescope() {
        if (namespaces == null) return;
        Set<Long> want = new HashSet<>();
        for (int i = 0; i < MAX_SESSIONS; i++) {
            KernelSessionSource s = slots.get(i);
            if (s == null) continue;
            if (s.netnsFilter() == null) { want = null; break; }
            want.add(s.netnsFilter());
        }
        namespaces.scope(want);
    }

    /** The session table: for tests. */
    SessionTable sessionTable() { return sessionTable; }

    /** Dispatcher thread: adjusts the kernel's sampling to the event rate of the last period. */
    private void tuneSampling(long periodNs) {
        long records = recordsSinceTune;
        recordsSinceTune = 0;
        if (!sampler.adjust(records, periodNs)) return;
        try {
            sessionTable.writeConfig();
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
                long before = System.nanoTime();
                int n = ring.drain(this, 16384);
                if (!ring.hasData()) dispatchedUpTo = before;
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
                // while events come, every 25 ms while none do (each look is a timer wake-up: 200 a
                // second cost an idle tracer 1.7 % of a CPU here, taken from the traffic it watches)
                if (n < 16384) ring.await(n > 0 ? ACTIVE_LOOK_MS : IDLE_LOOK_MS);
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

    /** The time up to which every kernel event is in the sessions' queues (0 before the first drain). */
    long dispatchedUpTo() { return dispatchedUpTo; }

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
        for (ProbeCatalog.Probe p : ProbeCatalog.PROBES) out[p.id()] = sumPerCpu(matchedOnly ? matched : hits, p.id());
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

    /** Detaches every program and link, stops the dispatcher and frees the object. */
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
        if (namespaces != null) namespaces.close();
        for (BpfLink l : links) l.close();
        links.clear();
        ring.close();
        obj.close();
        LOG.info("kernel tracer detached");
    }

    /**
     * The kernel's session table (map {@code sessions}) and config entry (map {@code sks_config}).
     * Thread-safe: every write takes this object's lock and uses this object's own buffers.
     */
    static final class SessionTable {
        private final BpfMap sessions, config;
        private final PacketSampler sampler;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment slotKey = arena.allocate(4, 4), configKey = arena.allocate(4, 4);
        private final MemorySegment filterValue = arena.allocate(FilterDescriptor.SIZE, 8);
        private final MemorySegment configValue = arena.allocate(ConfigDescriptor.SIZE, 8);
        private long activeMask, deviceMask;
        private int bracketNs;

        SessionTable(BpfMap sessions, BpfMap config, PacketSampler sampler) {
            this.sessions = sessions;
            this.config = config;
            this.sampler = sampler;
        }

        synchronized void add(int slot, PacketFilter filter) throws LibbpfException {
            boolean device = FilterDescriptor.write(filter, filterValue);
            slotKey.set(JAVA_INT, 0, slot);
            sessions.update(slotKey, filterValue, 0);
            activeMask |= 1L << slot;
            if (device) deviceMask |= 1L << slot; else deviceMask &= ~(1L << slot);
            writeConfig();
        }

        synchronized void remove(int slot) throws LibbpfException {
            activeMask &= ~(1L << slot);
            deviceMask &= ~(1L << slot);
            writeConfig();
        }

        synchronized void bracketNs(long ns) throws LibbpfException {
            bracketNs = (int) Math.min(Integer.MAX_VALUE, Math.max(0, ns));
            writeConfig();
        }

        /** Writes the config entry (sessions, sampling factor, bracket cost). */
        synchronized void writeConfig() throws LibbpfException {
            configKey.set(JAVA_INT, 0, 0);
            configValue.fill((byte) 0);
            configValue.set(JAVA_LONG, ConfigDescriptor.ACTIVE_SESSIONS, activeMask);
            configValue.set(JAVA_LONG, ConfigDescriptor.DEVICE_SESSIONS, deviceMask);
            configValue.set(JAVA_INT, ConfigDescriptor.NR_SLOTS, 64 - Long.numberOfLeadingZeros(activeMask));
            configValue.set(JAVA_INT, ConfigDescriptor.SAMPLE_MASK, sampler.oneIn() - 1);
            configValue.set(JAVA_INT, ConfigDescriptor.BRACKET_NS, bracketNs);
            config.update(configKey, configValue, 0);
        }

        /** Reads back slot {@code slot}'s filter flags (tests). */
        synchronized int filterFlags(int slot) throws LibbpfException {
            slotKey.set(JAVA_INT, 0, slot);
            return sessions.lookup(slotKey, filterValue) ? filterValue.get(JAVA_INT, FilterDescriptor.FLAGS) : 0;
        }
    }
}

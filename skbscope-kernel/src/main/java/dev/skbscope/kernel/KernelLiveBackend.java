package dev.skbscope.kernel;

import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.libbpf.LibbpfException;
import dev.skbscope.libbpf.Tracefs;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;
import dev.skbscope.sources.live.LiveUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.skbscope.kernel.attach.NamespaceAttacher;
import dev.skbscope.kernel.probe.ProbeCatalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Live kernel tracing with eBPF, as the server's {@link LiveBackend} (loaded reflectively by this
 * class name). Thread-safe: session changes take this object's lock. The BPF programs are loaded
 * and attached once, when the first live session opens, shared by every session (each gets a bit
 * in the kernel's session mask), and detached when the last closes, at {@link #shutdown} and at
 * JVM exit (SIGTERM).
 */
public final class KernelLiveBackend implements LiveBackend {
    private static final Logger LOG = LoggerFactory.getLogger(KernelLiveBackend.class);
    /** Kernel ring buffer: 32 MiB holds ~330k events, a few hundred ms of a flood. */
    static final int RING_BYTES = Integer.getInteger("skbscope.kernel.ringBytes", 32 << 20);
    /** Per-session queue between the dispatcher and the session thread. */
    static final int QUEUE_BYTES = Integer.getInteger("skbscope.kernel.queueBytes", 8 << 20);

    private KernelProbe probe;
    private Map<String, Object> staticCapabilities;
    private KernelTracer tracer;
    private boolean hookInstalled;
    private int[] probeIds;
    private int[] dropReasonIds;

    public KernelLiveBackend() { }

    /** With a fixed probe result (tests: an unavailable kernel). */
    KernelLiveBackend(KernelProbe probe) { this.probe = probe; }

    @Override
    public Set<String> modes() { return Set.of("full", "multifunction"); }

    /** The probe result, computed on first use. */
    synchronized KernelProbe probe() {
        if (probe == null) {
            long t0 = System.nanoTime();
            probe = KernelProbe.run();
            LOG.info("kernel probe ({} ms): available={}{}", (System.nanoTime() - t0) / 1_000_000, probe.available(),
                    probe.available() ? "" : " (" + probe.reason() + ")");
        }
        return probe;
    }

    @Override
    public synchronized Map<String, Object> capabilities() {
        Map<String, Object> out = new LinkedHashMap<>(staticCapabilities());
        KernelTracer t = tracer;
        if (t != null) {
            out.put("attached", List.copyOf(t.attached()));
            Map<String, Object> refused = new LinkedHashMap<>(probe.refused());
            refused.putAll(t.attachRefused());
            out.put("refused", refused);
            long[] hits = t.probeCounts(false);
            long[] matched = t.probeCounts(true);
            Map<String, Object> counts = new TreeMap<>();
            for (ProbeCatalog.Probe p : ProbeCatalog.PROBES) {
                if (hits[p.id()] > 0) counts.put(p.name(), Map.of("hits", hits[p.id()], "matched", matched[p.id()]));
            }
            out.put("probe_counts", counts);
            out.put("lost_events", t.lostTotal());
            out.put("sampling", t.sampling());
            out.put("bracket_ns", t.bracketNs());
            out.put("links", t.linkCount());
            NamespaceAttacher.View v = t.namespaces();
            if (v != null) out.put("namespaces", namespaces(v));
        }
        return out;
    }

    /** Where the syscall tracepoints are found, whether skbscope mounted it, or why they can't attach. */
    private static Map<String, Object> tracefs(Tracefs.Status s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", s.path());
        m.put("mounted_by_skbscope", s.mounted());
        if (s.problem() != null) m.put("problem", s.problem());
        return m;
    }

    private static List<Object> namespaces(NamespaceAttacher.View v) {
        List<Object> out = new ArrayList<>();
        for (NamespaceAttacher.NamespaceView n : v.namespaces()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("netns", n.inode());
            m.put("name", n.name());
            m.put("links", n.links());
            m.put("conntrack_bracketed", n.conntrack());
            m.put("nat_bracketed", n.nat());
            if (!n.stages().isEmpty()) m.put("stages", new TreeMap<>(n.stages()));
            m.put("hooks", n.hooks());
            List<Object> ifs = new ArrayList<>();
            for (NamespaceAttacher.InterfaceView i : n.interfaces()) {
                ifs.add(Map.of("ifindex", i.ifindex(), "name", i.name(), "driver", i.driver(), "hardware", i.hardware(), "tc", i.tc()));
            }
            m.put("interfaces", ifs);
            if (!n.refused().isEmpty()) m.put("refused", n.refused());
            out.add(m);
        }
        return out;
    }

    private Map<String, Object> staticCapabilities() {
        if (staticCapabilities != null) return staticCapabilities;
        KernelProbe p = probe();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("available", p.available());
        if (!p.available()) m.put("reason", p.reason());
        m.put("backend", "ebpf");
        m.put("modes", List.of("full", "multifunction"));
        m.put("kernel", p.kernel());
        if (p.btf() != null) m.put("btf", p.btf());
        if (p.libbpfVersion() != null) m.put("libbpf_version", p.libbpfVersion());
        if (p.available()) m.put("tracefs", tracefs(Tracefs.ensure()));
        List<String> loadable = new ArrayList<>();
        for (ProbeCatalog.Probe pr : ProbeCatalog.PROBES) {
            String prog = p.chosen().get(pr.id());
            if (prog != null) loadable.add(pr.name() + " (" + sectionKind(prog) + ")");
        }
        m.put("attached", loadable);
        m.put("refused", p.refused());
        m.put("netfilter", feature(p.netfilter()));
        m.put("tc", feature(p.tc()));
        m.put("nodes", NodeCapabilities.describe(p, NodeCapabilities.unobserved(p)));
        boolean functions = p.chosen().keySet().stream().map(ProbeCatalog::byId)
                .anyMatch(pr -> pr.mechanism() == ProbeCatalog.Mechanism.FENTRY || pr.mechanism() == ProbeCatalog.Mechanism.FEXIT);
        m.put("multifunction", Map.of(
                "candidate_functions", p.skbFunctions().size(),
                "uses", functions ? "tracepoints and fentry" : "tracepoints",
                "note", functions
                        ? "per-function counts come from the attached fentry programs and tracepoints"
                        : "fentry and kprobe programs are refused or not needed here: multifunction mode counts the "
                          + p.chosen().size() + " skb tracepoints (in-kernel per-probe counters) instead of the "
                          + p.skbFunctions().size() + " kernel functions taking struct sk_buff *"));
        m.put("drop_reasons", p.dropReasons().size());
        staticCapabilities = java.util.Collections.unmodifiableMap(m);
        return staticCapabilities;
    }

    private static Map<String, Object> feature(KernelProbe.Feature f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("available", f.available());
        m.put("how", f.how());
        m.put("needs", f.needs());
        if (f.reason() != null) m.put("reason", f.reason());
        return m;
    }

    private static String sectionKind(String prog) {
        return prog.startsWith("tpb_") ? "tp_btf" : prog.startsWith("rtp_") ? "raw_tp"
                : prog.startsWith("sc_") ? "syscall tracepoint" : prog.startsWith("fx_") ? "fexit" : "fentry";
    }

    /** Node id to why this kernel can't show it (every node when unavailable). */
    static Map<String, String> unobserved(KernelProbe p) {
        return NodeCapabilities.unobserved(p);
    }

    @Override
    public synchronized EventSource open(LiveRequest request) throws LiveUnavailableException {
        String mode = request.mode() == null ? "full" : request.mode();
        if (!modes().contains(mode)) {
            throw new LiveUnavailableException("the eBPF backend serves modes full and multifunction, not '" + mode
                    + "' (nft mode is served by the nftables trace backend)");
        }
        KernelProbe p = probe();
        if (!p.available()) throw new LiveUnavailableException("live kernel tracing is unavailable: " + p.reason());
        if (tracer == null) {
            resolveSymbols(p);
            try {
                tracer = KernelTracer.start(p, RING_BYTES);
            } catch (LibbpfException e) {
                throw new LiveUnavailableException("could not attach the BPF programs: " + e.getMessage(), e);
            }
            installShutdownHook();
        }
        int slot = tracer.freeSlot();
        if (slot < 0) {
            closeTracerIfIdle();
            throw new LiveUnavailableException("at most " + KernelTracer.MAX_SESSIONS
                    + " live kernel sessions can run at once; stop one first");
        }
        KernelTracer tr = tracer;
        NamespaceAttacher.View nsView = tr.namespaces();
        String detail = "live " + mode + ": " + tr.attached().size() + " tracepoints"
                + (nsView == null ? "" : ", " + nsView.links() + " netfilter/tc links in " + nsView.namespaces().size() + " namespaces")
                + (mode.equals("multifunction") ? " (tracepoints: this kernel refuses fentry/kprobe)" : "");
        Long netns = request.filter() == null ? null : request.filter().netns();
        KernelSessionSource s = new KernelSessionSource(this, slot, mode, QUEUE_BYTES, probeIds, dropReasonIds,
                SymbolTable.DROP_REASONS.intern("NOT_SPECIFIED"), unobserved(p), tr.lostTotal(), detail, netns,
                new ReceiveDevices(tr::namespaces), tr::dispatchedUpTo);
        try {
            tracer.add(s, request.filter());
        } catch (LibbpfException e) {
            closeTracerIfIdle();
            throw new LiveUnavailableException("could not install the session filter in the kernel: " + e.getMessage(), e);
        }
        LOG.info("live session {} ({}) on kernel slot {}", request.sessionId(), mode, slot);
        return s;
    }

    private void resolveSymbols(KernelProbe p) {
        if (probeIds != null) return;
        int[] ids = new int[ProbeCatalog.MAX + 1];
        int other = SymbolTable.PROBES.intern("unknown_probe");
        java.util.Arrays.fill(ids, other);
        for (ProbeCatalog.Probe pr : ProbeCatalog.PROBES) ids[pr.id()] = SymbolTable.PROBES.intern(pr.name());
        long max = p.dropReasons().keySet().stream().mapToLong(Long::longValue).filter(v -> v >= 0 && v < 65536)
                .max().orElse(0);
        int[] drops = new int[(int) max + 1];
        java.util.Arrays.fill(drops, -1);
        p.dropReasons().forEach((v, name) -> {
            if (v >= 0 && v < drops.length) drops[(int) (long) v] = SymbolTable.DROP_REASONS.intern(name);
        });
        probeIds = ids;
        dropReasonIds = drops;
    }

    /** The name of a traced namespace ("skk-router", "pid 4242 (nginx)"), or null; any thread. */
    String netnsName(long inode) {
        KernelTracer t = tracer;
        NamespaceAttacher.View v = t == null ? null : t.namespaces();
        if (v == null) return null;
        for (NamespaceAttacher.NamespaceView n : v.namespaces()) if (n.inode() == inode) return n.name();
        return null;
    }

    /** Called by a source's close. */
    synchronized void release(KernelSessionSource s) {
        if (tracer == null) return;
        tracer.remove(s);
        closeTracerIfIdle();
    }

    private void closeTracerIfIdle() {
        if (tracer != null && tracer.empty()) {
            tracer.close();
            tracer = null;
        }
    }

    /** The tracer while a session runs (tests). */
    synchronized KernelTracer tracer() { return tracer; }

    /** Links currently attached (0 when no live session runs). */
    synchronized int attachedLinks() { return tracer == null ? 0 : tracer.linkCount(); }

    private void installShutdownHook() {
        if (hookInstalled) return;
        hookInstalled = true;
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "skbscope-kernel-detach"));
    }

    @Override
    public synchronized void shutdown() {
        if (tracer != null) {
            tracer.close();
            tracer = null;
        }
    }
}

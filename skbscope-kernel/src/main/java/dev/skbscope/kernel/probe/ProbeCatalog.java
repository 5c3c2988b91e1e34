package dev.skbscope.kernel.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The probes of {@code skbscope.bpf.o}, read from {@code bpf/probes.def}, the one file that
 * declares them: the C code includes it as an X-macro for its probe ids, this class parses it, so
 * the two sides cannot drift. Immutable and thread-safe.
 */
public final class ProbeCatalog {

    /** How the kernel exposes the probe point (probes.def "mechanism"). */
    public enum Mechanism {
        /** tp_btf program {@code tpb_<name>}, raw_tp fallback {@code rtp_<name>}. */
        TRACEPOINT,
        /** tp_btf program {@code tpb_<name>} only (typed access it cannot do without). */
        TP_BTF,
        /** a {@code tracepoint/syscalls/<name>} program {@code sc_<name>} (a perf tracepoint). */
        SYSCALL,
        /** a {@code BPF_PROG_TYPE_NETFILTER} program linked to hooks at chosen priorities. */
        NETFILTER,
        /** a tcx (or classic clsact) program on each interface. */
        TCX,
        /** an fentry program {@code fe_<name>}. */
        FENTRY,
        /** an fexit program {@code fx_<name>}. */
        FEXIT,
        /** a tp_btf program {@code tpb_<name>} that records a time tied to the packet at its first OUTPUT sight. */
        TIED,
        /** no program: a time the kernel keeps in the skb, read at the first OUTPUT sight. */
        DERIVED
    }

    /** What the probe means for the packet (probes.def "role"). */
    public enum Role { BIRTH_RX, BIRTH_TX, MID, DELIVER, READ, END, STAGE, STAGE_END, ATTRIBUTED }

    /**
     * @param id        index in the C enum, the per-probe counter maps and the event's probe field
     * @param name      probe name as events carry it (the engine classifies it into a node)
     * @param mechanism how it is attached
     * @param node      the node its events land on, or {@code by_hook}, {@code by_path}, {@code current}, {@code end}
     * @param role      what it means for the packet
     */
    public record Probe(int id, String name, Mechanism mechanism, String node, Role role) {
        /** BPF program names, in order of preference (the first that loads is used). */
        public List<String> programs() {
            return switch (mechanism) {
                case TRACEPOINT -> List.of("tpb_" + name, "rtp_" + name);
                case TIED, TP_BTF -> List.of("tpb_" + name);
                case SYSCALL -> List.of("sc_" + name);
                case NETFILTER, TCX -> List.of(name);
                case FENTRY -> List.of("fe_" + name);
                case FEXIT -> List.of("fx_" + name);
                case DERIVED -> List.of();
            };
        }

        /** True for probes whose node is fixed (not decided by hook, path or the packet's current node). */
        public boolean fixedNode() {
            return !node.equals("by_hook") && !node.equals("by_path") && !node.equals("current") && !node.equals("end");
        }
    }

    /** Size of the per-probe counter maps ({@code P_MAX} in include/abi.h). */
    public static final int MAX = 64;

    private static final Pattern LINE = Pattern.compile(
            "^PROBE\\(\\s*(\\d+),\\s*(\\w+),\\s*(\\w+),\\s*(\\w+),\\s*(\\w+)\\s*\\)\\s*$");

    public static final List<Probe> PROBES;
    private static final Probe[] BY_ID = new Probe[MAX];
    private static final Map<String, Probe> BY_NAME;

    static {
        List<Probe> list = parse(resource());
        Map<String, Probe> byName = new LinkedHashMap<>();
        for (Probe p : list) {
            if (p.id() < 0 || p.id() >= MAX) throw new IllegalStateException("probe id out of range: " + p);
            if (BY_ID[p.id()] != null || byName.put(p.name(), p) != null) throw new IllegalStateException("duplicate probe: " + p);
            BY_ID[p.id()] = p;
        }
        PROBES = List.copyOf(list);
        BY_NAME = Collections.unmodifiableMap(byName);
    }

    /** Probe ids the Java side needs by name (never a bare number). */
    public static final int KFREE_SKB = id("kfree_skb"), NETIF_RECEIVE_SKB = id("netif_receive_skb"),
            NETIF_RX = id("netif_rx"), NET_DEV_QUEUE = id("net_dev_queue"), NET_DEV_XMIT = id("net_dev_xmit"),
            NET_DEV_START_XMIT = id("net_dev_start_xmit"),
            QDISC_ENQUEUE = id("qdisc_enqueue"), QDISC_DEQUEUE = id("qdisc_dequeue"), TCP_PROBE = id("tcp_probe"),
            SKB_COPY_DATAGRAM_IOVEC = id("skb_copy_datagram_iovec");

    private ProbeCatalog() { }

    /** Parses the catalog's text (PROBE lines; comments and blank lines ignored). */
    static List<Probe> parse(String text) {
        List<Probe> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (!line.startsWith("PROBE(")) continue;
            Matcher m = LINE.matcher(line);
            if (!m.matches()) throw new IllegalStateException("bad probes.def line: " + line);
            out.add(new Probe(Integer.parseInt(m.group(1)), m.group(2), Mechanism.valueOf(m.group(3)), m.group(4),
                    Role.valueOf(m.group(5))));
        }
        return out;
    }

    private static String resource() {
        try (InputStream in = ProbeCatalog.class.getResourceAsStream("/bpf/probes.def")) {
            if (in == null) throw new IllegalStateException("bpf/probes.def missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int id(String name) {
        Probe p = BY_NAME.get(name);
        if (p == null) throw new IllegalStateException("probes.def has no probe " + name);
        return p.id();
    }

    /** The probe with that id, or null. */
    public static Probe byId(int id) { return id >= 0 && id < MAX ? BY_ID[id] : null; }

    /** The probe with that name, or null. */
    public static Probe byName(String name) { return BY_NAME.get(name); }

    /** Probes attached by one mechanism. */
    public static List<Probe> of(Mechanism m) {
        List<Probe> out = new ArrayList<>();
        for (Probe p : PROBES) if (p.mechanism() == m) out.add(p);
        return out;
    }
}

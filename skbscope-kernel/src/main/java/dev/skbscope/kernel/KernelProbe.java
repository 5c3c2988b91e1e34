package dev.skbscope.kernel;

import dev.skbscope.libbpf.BpfObject;
import dev.skbscope.libbpf.BpfProgram;
import dev.skbscope.libbpf.Btf;
import dev.skbscope.libbpf.Libbpf;
import dev.skbscope.libbpf.LibbpfException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "can this run here?" step: checks privileges, BTF and libbpf, then loads each program of the
 * BPF object on its own to find which variant this kernel accepts. Runs once (a second or so);
 * the result is immutable.
 *
 * @param available      live tracing can run
 * @param reason         why not (null when available)
 * @param libbpfVersion  e.g. "1.1", or null
 * @param btf            path of the kernel BTF, or null
 * @param chosen         probe id to the program that loads here (only probes that load)
 * @param refused        program name to the kernel's reason for refusing it
 * @param dropReasons    {@code skb_drop_reason} names (no prefix) by value, from kernel BTF
 * @param skbFunctions   kernel functions taking {@code struct sk_buff *} (multifunction candidates)
 */
public record KernelProbe(boolean available, String reason, String libbpfVersion, String btf,
                          Map<Integer, String> chosen, Map<String, String> refused,
                          Map<Long, String> dropReasons, List<String> skbFunctions) {
    private static final Logger LOG = LoggerFactory.getLogger(KernelProbe.class);
    static final String BTF_PATH = "/sys/kernel/btf/vmlinux";
    private static final int CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    static KernelProbe unavailable(String reason, String libbpfVersion) {
        return new KernelProbe(false, reason, libbpfVersion, null, Map.of(), Map.of(), Map.of(), List.of());
    }

    /** Probes this machine. Never throws: problems become {@code available=false} with a reason. */
    public static KernelProbe run() {
        String why = privilegeProblem();
        if (why != null) return unavailable(why, null);
        if (!Files.isReadable(Path.of(BTF_PATH))) {
            return unavailable("the kernel has no BTF (" + BTF_PATH + " missing): live tracing needs a kernel "
                    + "built with CONFIG_DEBUG_INFO_BTF=y (5.5 or newer); use replay or synthetic sessions instead", null);
        }
        Libbpf lib;
        try {
            lib = Libbpf.get();
        } catch (LibbpfException e) {
            return unavailable(e.getMessage(), null);
        }
        Map<Long, String> drops = new LinkedHashMap<>();
        List<String> skbFunctions;
        try (Btf btf = Btf.vmlinux()) {
            btf.enumValues("skb_drop_reason").forEach((name, value) -> {
                if (name.startsWith("SKB_DROP_REASON_")) drops.put(value, name.substring("SKB_DROP_REASON_".length()));
                else drops.putIfAbsent(value, name.startsWith("SKB_") ? name.substring(4) : name);
            });
            skbFunctions = btf.functionsTaking("sk_buff");
        } catch (LibbpfException e) {
            return unavailable("reading kernel BTF failed: " + e.getMessage(), lib.version());
        }
        Map<Integer, String> chosen = new LinkedHashMap<>();
        Map<String, String> refused = new LinkedHashMap<>();
        try {
            Libbpf.quietly(() -> { choosePrograms(chosen, refused); return null; });
        } catch (LibbpfException e) {
            return unavailable("the BPF object does not load on this kernel: " + e.getMessage(), lib.version());
        }
        if (chosen.isEmpty()) {
            return unavailable("no BPF program loads on this kernel: " + refused, lib.version());
        }
        return new KernelProbe(true, null, lib.version(), BTF_PATH, Map.copyOf(chosen), Map.copyOf(refused),
                Map.copyOf(drops), List.copyOf(skbFunctions));
    }

    private static void choosePrograms(Map<Integer, String> chosen, Map<String, String> refused) throws LibbpfException {
        List<ProbeCatalog.Probe> tracepoints = new ArrayList<>();
        for (ProbeCatalog.Probe p : ProbeCatalog.PROBES) {
            if (p.kind() == ProbeCatalog.Kind.TRACEPOINT) tracepoints.add(p);
        }
        // fast path: every preferred tracepoint variant at once
        List<String> preferred = tracepoints.stream().map(p -> p.programs().get(0)).toList();
        if (tryLoad(preferred) == null) {
            for (ProbeCatalog.Probe p : tracepoints) chosen.put(p.id(), p.programs().get(0));
        } else {
            for (ProbeCatalog.Probe p : tracepoints) pickOne(p, chosen, refused);
        }
        leaveOutRedundantNetifRx(chosen, refused);
        List<String> functions = ProbeCatalog.PROBES.stream().filter(p -> p.kind() == ProbeCatalog.Kind.FUNCTION)
                .map(p -> p.programs().get(0)).toList();
        if (tryLoad(functions) == null) {
            for (ProbeCatalog.Probe p : ProbeCatalog.PROBES) {
                if (p.kind() == ProbeCatalog.Kind.FUNCTION) chosen.put(p.id(), p.programs().get(0));
            }
        } else {
            for (ProbeCatalog.Probe p : ProbeCatalog.PROBES) {
                if (p.kind() == ProbeCatalog.Kind.FUNCTION) pickOne(p, chosen, refused);
            }
        }
    }

    /**
     * Every skb handed to netif_rx() is queued to a CPU's backlog and comes out through
     * netif_receive_skb, which is traced anyway; attached, netif_rx would only cost every loopback
     * or veth packet one more program run (most of a tracer's cost at flood rates is the number of
     * program runs per packet). {@code -Dskbscope.kernel.netifRx=true} attaches it.
     */
    private static void leaveOutRedundantNetifRx(Map<Integer, String> chosen, Map<String, String> refused) {
        String prog = chosen.get(1);
        if (prog == null || !chosen.containsKey(0) || Boolean.getBoolean("skbscope.kernel.netifRx")) return;
        chosen.remove(1);
        refused.put(prog, "not attached by choice: every netif_rx skb also passes netif_receive_skb, which is "
                + "traced (-Dskbscope.kernel.netifRx=true attaches it)");
    }

    private static void pickOne(ProbeCatalog.Probe p, Map<Integer, String> chosen, Map<String, String> refused)
            throws LibbpfException {
        for (String prog : p.programs()) {
            String err = tryLoad(List.of(prog));
            if (err == null) {
                chosen.put(p.id(), prog);
                return;
            }
            refused.put(prog, explain(prog, err));
        }
    }

    private static String explain(String prog, String err) {
        String how = prog.startsWith("fe_") || prog.startsWith("fx_") ? "fentry/fexit"
                : prog.startsWith("tpb_") ? "tp_btf" : "raw_tp";
        return how + " refused by this kernel: " + err;
    }

    /** Loads the object with only {@code programs} enabled; null on success, else the error text. */
    private static String tryLoad(List<String> programs) throws LibbpfException {
        try (BpfObject obj = BpfObject.open(BpfObjectBytes.get(), "skbscope_probe")) {
            for (BpfProgram p : obj.programs()) p.autoload(programs.contains(p.name()));
            // small maps: this load only asks the verifier, it carries no traffic
            obj.map("events").maxEntries(64 * 1024);
            obj.map("tracks").maxEntries(64);
            try {
                obj.load();
                return null;
            } catch (LibbpfException e) {
                LOG.debug("probe load of {} failed: {}", programs, e.getMessage());
                return e.getMessage().replace("loading BPF object: ", "");
            }
        }
    }

    /** Null if this process may load and attach tracing programs, else what is missing and what to do. */
    static String privilegeProblem() {
        long caps;
        try {
            caps = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("CapEff:")).findFirst()
                    .map(l -> Long.parseUnsignedLong(l.substring(7).strip(), 16)).orElse(0L);
        } catch (IOException | NumberFormatException e) {
            return "cannot read process capabilities (/proc/self/status): " + e.getMessage();
        }
        boolean admin = (caps & (1L << CAP_SYS_ADMIN)) != 0;
        boolean bpf = (caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0;
        if (admin || bpf) return null;
        return "live kernel tracing needs root, or the capabilities CAP_BPF and CAP_PERFMON: run skbscope with sudo, "
                + "or grant them (setcap cap_bpf,cap_perfmon+ep on the java binary)";
    }
}

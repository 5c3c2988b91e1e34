package dev.skbscope.kernel;

import dev.skbscope.kernel.abi.KernelValues;
import dev.skbscope.kernel.probe.ProbeCatalog;
import dev.skbscope.kernel.probe.ProbeCatalog.Mechanism;
import dev.skbscope.kernel.probe.ProbeCatalog.Probe;
import dev.skbscope.libbpf.BpfObject;
import dev.skbscope.libbpf.Btf;
import dev.skbscope.libbpf.Libbpf;
import dev.skbscope.libbpf.LibbpfException;
import dev.skbscope.libbpf.LinkCreate;
import dev.skbscope.libbpf.NetNamespace;
import dev.skbscope.libbpf.Tracefs;
import dev.skbscope.sources.live.Privileges;
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
 * The "can this run here?" step: checks privileges, BTF and libbpf, loads each program of the BPF
 * object to find which variant this kernel accepts, and tries one netfilter link and one tcx link
 * (created and closed at once). Runs once (a second or so); the result is immutable.
 *
 * @param available      live tracing can run
 * @param reason         why not (null when available)
 * @param libbpfVersion  e.g. "1.1", or null
 * @param btf            path of the kernel BTF, or null
 * @param kernel         the running kernel's release
 * @param chosen         probe id to the program attached once for all namespaces (tracepoints,
 *                       syscalls, fentry): only probes that load and are wanted
 * @param refused        program name to the kernel's reason for refusing it, or why it is left out
 * @param netfilter      netfilter hook links (kernel 6.4+, CONFIG_NETFILTER_BPF_LINK)
 * @param tc             tcx links (6.6+), or classic clsact filters, for TC ingress/egress
 * @param dropReasons    {@code skb_drop_reason} names (no prefix) by value, from kernel BTF
 * @param skbFunctions   kernel functions taking {@code struct sk_buff *} (multifunction candidates)
 */
public record KernelProbe(boolean available, String reason, String libbpfVersion, String btf, String kernel,
                          Map<Integer, String> chosen, Map<String, String> refused, Feature netfilter, Feature tc,
                          Map<Long, String> dropReasons, List<String> skbFunctions) {
    private static final Logger LOG = LoggerFactory.getLogger(KernelProbe.class);
    static final String BTF_PATH = "/sys/kernel/btf/vmlinux";

    /**
     * A link mechanism and whether it works here.
     *
     * @param available whether it is used
     * @param how       "netfilter links", "tcx links", "clsact filters" or "none"
     * @param needs     what it needs of the kernel
     * @param reason    why it is not used (null when it is)
     */
    public record Feature(boolean available, String how, String needs, String reason) {
        static Feature no(String needs, String reason) { return new Feature(false, "none", needs, reason); }
    }

    static final String NETFILTER_NEEDS = "kernel 6.4+ with CONFIG_NETFILTER_BPF_LINK (BPF_PROG_TYPE_NETFILTER links)";
    static final String TCX_NEEDS = "kernel 6.6+ (tcx links), else a clsact qdisc with cls_bpf filters";

    static KernelProbe unavailable(String reason, String libbpfVersion) {
        Feature none = Feature.no("", reason);
        return new KernelProbe(false, reason, libbpfVersion, null, kernelRelease(), Map.of(), Map.of(), none, none,
                Map.of(), List.of());
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
        // before anything attaches: libbpf reads a syscall tracepoint's id there
        Tracefs.Status tracefs = Tracefs.ensure();
        if (tracefs.mounted()) LOG.info("tracefs was not mounted: mounted it at {}", tracefs.path());
        if (tracefs.problem() != null) LOG.warn("{}", tracefs.problem());
        Map<Long, String> drops = new LinkedHashMap<>();
        List<String> skbFunctions;
        boolean nfAttr, tcxAttr;
        try (Btf btf = Btf.vmlinux()) {
            btf.enumValues("skb_drop_reason").forEach((name, value) -> {
                if (name.startsWith("SKB_DROP_REASON_")) drops.put(value, name.substring("SKB_DROP_REASON_".length()));
                else drops.putIfAbsent(value, name.startsWith("SKB_") ? name.substring(4) : name);
            });
            skbFunctions = btf.functionsTaking("sk_buff");
            nfAttr = LinkCreate.netfilterKnown(btf) && !netfilterOff();
            tcxAttr = LinkCreate.tcxKnown(btf);
        } catch (LibbpfException e) {
            return unavailable("reading kernel BTF failed: " + e.getMessage(), lib.version());
        }
        Map<Integer, String> loadable = new LinkedHashMap<>();
        Map<String, String> refused = new LinkedHashMap<>();
        Feature[] links;
        try {
            links = Libbpf.quietly(() -> probePrograms(nfAttr, tcxAttr, loadable, refused));
        } catch (LibbpfException e) {
            return unavailable("the BPF object does not load on this kernel: " + e.getMessage(), lib.version());
        }
        Feature netfilter = links[0], tc = links[1];
        Map<Integer, String> chosen = choose(loadable, refused, netfilter, tc);
        if (chosen.isEmpty()) {
            return unavailable("no BPF program loads on this kernel: " + refused, lib.version());
        }
        return new KernelProbe(true, null, lib.version(), BTF_PATH, kernelRelease(), Map.copyOf(chosen),
                Map.copyOf(refused), netfilter, tc, Map.copyOf(drops), List.copyOf(skbFunctions));
    }

    /**
     * Which programs load here, and whether netfilter and tc links can be made. One load of
     * everything preferred first (a second or so on a kernel that takes it all), then, only for a
     * group the kernel refuses, a load per program; kernel functions are given up on as a group when
     * the first one is refused with EPERM (the kernel refuses fentry as such, not one function).
     *
     * @return {netfilter links, tc links}
     */
    private static Feature[] probePrograms(boolean nfAttr, boolean tcxAttr, Map<Integer, String> loadable,
                                           Map<String, String> refused) throws LibbpfException {
        List<Probe> tracepoints = new ArrayList<>(), functions = new ArrayList<>();
        for (Probe p : ProbeCatalog.PROBES) {
            if (p.mechanism() == Mechanism.NETFILTER || p.mechanism() == Mechanism.TCX || p.programs().isEmpty()) continue;
            (p.mechanism() == Mechanism.FENTRY || p.mechanism() == Mechanism.FEXIT ? functions : tracepoints).add(p);
        }
        List<String> nf = new ArrayList<>();
        if (nfAttr) {
            for (Probe p : ProbeCatalog.of(Mechanism.NETFILTER)) nf.add(p.name());
            nf.addAll(List.of("nf_calib_a", "nf_calib_b", "ns_hooks_scan"));
        }
        List<String> tcx = List.of("tcx_ingress", "tcx_egress");
        List<String> all = new ArrayList<>(tracepoints.stream().map(p -> p.programs().get(0)).toList());
        all.addAll(nf);
        all.addAll(tcx);
        Feature netfilter = null, tc = null;
        try (BpfObject obj = BpfObjects.open("skbscope_probe", all)) {
            small(obj);
            if (load(obj, all) == null) {
                for (Probe p : tracepoints) loadable.put(p.id(), p.programs().get(0));
                netfilter = nfAttr ? netfilterLinks(obj, refused) : noNetfilterLinks();
                tc = tcLinks(obj, tcxAttr, refused);
            }
        }
        if (netfilter == null) {
            chooseEach(tracepoints, loadable, refused);
            netfilter = !nfAttr ? noNetfilterLinks() : withLoaded(nf, refused, "netfilter programs",
                    obj -> netfilterLinks(obj, refused), why -> Feature.no(NETFILTER_NEEDS, "netfilter programs refused: " + why));
            tc = withLoaded(tcx, refused, "tcx programs", obj -> tcLinks(obj, tcxAttr, refused),
                    why -> Feature.no(TCX_NEEDS, "tc programs refused: " + why));
        }
        chooseFunctions(functions, loadable, refused);
        return new Feature[]{netfilter, tc};
    }

    private static Feature noNetfilterLinks() {
        return Feature.no(NETFILTER_NEEDS, netfilterOff()
                ? "netfilter links not used: -Dskbscope.kernel.netfilter=off (as on a kernel before 6.4)"
                : "this kernel has no netfilter BPF links (before 6.4)");
    }

    /**
     * {@code -Dskbscope.kernel.netfilter=off}: behave as on a kernel without netfilter links (before
     * 6.4), so that the fallback (fentry where allowed, else the nftables trace for the netfilter
     * nodes) can be run and tested on a newer one.
     */
    private static boolean netfilterOff() {
        return "off".equals(System.getProperty("skbscope.kernel.netfilter"));
    }

    @FunctionalInterface
    private interface WithObject { Feature apply(BpfObject obj) throws LibbpfException; }

    private static Feature withLoaded(List<String> progs, Map<String, String> refused, String what, WithObject ok,
                                      java.util.function.Function<String, Feature> no) throws LibbpfException {
        try (BpfObject obj = BpfObjects.open("skbscope_probe", progs)) {
            small(obj);
            String err = load(obj, progs);
            if (err != null) {
                refused.put(what, "refused by this kernel: " + err);
                return no.apply(err);
            }
            return ok.apply(obj);
        }
    }

    /** A load per probe, for a group the kernel refused as a whole. */
    private static void chooseEach(List<Probe> probes, Map<Integer, String> loadable, Map<String, String> refused)
            throws LibbpfException {
        for (Probe p : probes) {
            for (String prog : p.programs()) {
                String err = tryLoad(List.of(prog));
                if (err == null) {
                    loadable.put(p.id(), prog);
                    break;
                }
                refused.put(prog, explain(p, prog, err));
            }
        }
    }

    private static void chooseFunctions(List<Probe> functions, Map<Integer, String> loadable, Map<String, String> refused)
            throws LibbpfException {
        if (functions.isEmpty()) return;
        List<String> progs = functions.stream().map(p -> p.programs().get(0)).toList();
        if (tryLoad(progs) == null) {
            for (Probe p : functions) loadable.put(p.id(), p.programs().get(0));
            return;
        }
        Probe first = functions.get(0);
        String err = tryLoad(List.of(first.programs().get(0)));
        if (err != null && err.contains("EPERM")) {
            // refused as a kind of program, not function by function: one answer for all
            for (Probe p : functions) refused.put(p.programs().get(0), explain(p, p.programs().get(0), err));
            return;
        }
        chooseEach(functions, loadable, refused);
    }

    /** A netfilter link on OUTPUT, made and closed at once, with the loaded nf_calib_a. */
    private static Feature netfilterLinks(BpfObject obj, Map<String, String> refused) {
        try {
            int fd = LinkCreate.fromKernel().netfilter(obj.program("nf_calib_a").fd(), KernelValues.NFPROTO_IPV4,
                    KernelValues.NF_INET_LOCAL_OUT, 0x3fff0000);
            LinkCreate.close(fd);
            return new Feature(true, "netfilter links", NETFILTER_NEEDS, null);
        } catch (LibbpfException e) {
            refused.put("netfilter links", "refused by this kernel: " + e.getMessage());
            return Feature.no(NETFILTER_NEEDS, "netfilter links refused (CONFIG_NETFILTER_BPF_LINK?): " + e.getMessage());
        }
    }

    /** tcx links on loopback (made and closed at once), else classic clsact filters (the programs load). */
    private static Feature tcLinks(BpfObject obj, boolean tcxKnown, Map<String, String> refused) {
        boolean classic = "classic".equals(System.getProperty("skbscope.kernel.tc"));
        String whyNotTcx;
        if (classic) {
            whyNotTcx = "tcx not used: -Dskbscope.kernel.tc=classic";
        } else if (!tcxKnown) {
            whyNotTcx = "this kernel has no tcx links (before 6.6)";
        } else {
            try {
                int lo = NetNamespace.interfaces().stream().filter(i -> i.name().equals("lo")).findFirst()
                        .map(NetNamespace.Interface::index).orElse(1);
                int fd = LinkCreate.fromKernel().tcx(obj.program("tcx_ingress").fd(), lo, LinkCreate.BPF_TCX_INGRESS);
                LinkCreate.close(fd);
                return new Feature(true, "tcx links", TCX_NEEDS, null);
            } catch (LibbpfException e) {
                whyNotTcx = "tcx links refused: " + e.getMessage();
            }
        }
        refused.put("tcx links", whyNotTcx);
        return new Feature(true, "clsact filters", TCX_NEEDS, whyNotTcx);
    }

    /**
     * Of the loadable probes, those attached once for all namespaces. Left out, and said so in
     * {@code refused}: what a netfilter or tc program already shows at the same place, and fentry
     * where netfilter links cover its nodes (each left-out program is a program run per packet saved).
     */
    private static Map<Integer, String> choose(Map<Integer, String> loadable, Map<String, String> refused,
                                               Feature netfilter, Feature tc) {
        Map<Integer, String> chosen = new LinkedHashMap<>();
        for (var e : loadable.entrySet()) {
            Probe p = ProbeCatalog.byId(e.getKey());
            String whyNot = leftOut(p, loadable, netfilter, tc);
            if (whyNot == null) chosen.put(p.id(), e.getValue());
            else refused.put(e.getValue(), "not attached by choice: " + whyNot);
        }
        return chosen;
    }

    /** Why netif_receive_skb is not attached where the tc ingress program runs on every interface in scope. */
    static final String RECEIVE_AT_TC = "tcx_ingress runs right after it on every interface in scope (only packet taps "
            + "between) and reports the receive (driver_napi) too, at the same time";

    /** Why net_dev_start_xmit is not attached where tc programs run. */
    static final String DRIVER_AT_TC = "on a device without a queue (veth, loopback) tcx_egress runs right before the "
            + "driver (only validate_xmit_skb between) and reports driver_tx too, at the same time; on a device with a "
            + "queue net_dev_xmit reports it at the driver's return";

    private static String leftOut(Probe p, Map<Integer, String> loadable, Feature netfilter, Feature tc) {
        int id = p.id();
        if (id == ProbeCatalog.NETIF_RX && loadable.containsKey(ProbeCatalog.NETIF_RECEIVE_SKB)
                && !Boolean.getBoolean("skbscope.kernel.netifRx")) {
            return "every netif_rx skb also passes netif_receive_skb, which is traced or reported by tcx_ingress (-Dskbscope.kernel.netifRx=true attaches it)";
        }
        if (tc.available() && id == ProbeCatalog.NETIF_RECEIVE_SKB) {
            return RECEIVE_AT_TC;
        }
        if (tc.available() && id == ProbeCatalog.NET_DEV_START_XMIT) {
            return DRIVER_AT_TC;
        }
        if (tc.available() && (id == ProbeCatalog.NET_DEV_QUEUE || id == ProbeCatalog.QDISC_ENQUEUE || id == ProbeCatalog.QDISC_DEQUEUE)) {
            return "tcx_egress sees every transmitted packet first, at the same node (tc_egress)";
        }
        if (netfilter.available() && id == ProbeCatalog.TCP_PROBE) {
            return "the INPUT hook's last netfilter program hands every packet to L4 (l4_rx)";
        }
        if (netfilter.available() && id == ProbeCatalog.SKB_COPY_DATAGRAM_IOVEC) {
            return "the application's reads come from sock_recv_length (socket)";
        }
        if (netfilter.available() && (p.mechanism() == Mechanism.FENTRY || p.mechanism() == Mechanism.FEXIT)) {
            return "netfilter links observe its node";
        }
        return null;
    }

    private static String explain(Probe p, String prog, String err) {
        String how = switch (p.mechanism()) {
            case FENTRY, FEXIT -> "fentry/fexit";
            case SYSCALL -> "syscall tracepoint";
            default -> prog.startsWith("tpb_") ? "tp_btf" : "raw_tp";
        };
        return how + " refused by this kernel: " + err;
    }

    private static void small(BpfObject obj) throws LibbpfException {
        // small maps: these loads only ask the verifier, they carry no traffic
        obj.map("events").maxEntries(64 * 1024);
        obj.map("tracks").maxEntries(64);
    }

    /** Loads the object with only {@code programs} enabled; null on success, else the error text. */
    private static String tryLoad(List<String> programs) throws LibbpfException {
        try (BpfObject obj = BpfObjects.open("skbscope_probe", programs)) {
            small(obj);
            return load(obj, programs);
        }
    }

    private static String load(BpfObject obj, List<String> programs) {
        try {
            obj.load();
            return null;
        } catch (LibbpfException e) {
            LOG.debug("probe load of {} failed: {}", programs, e.getMessage());
            return e.getMessage().replace("loading BPF object: ", "");
        }
    }

    static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }

    /** Null if this process may load and attach tracing programs, else what is missing and what to do. */
    static String privilegeProblem() { return Privileges.tracingProblem(); }
}

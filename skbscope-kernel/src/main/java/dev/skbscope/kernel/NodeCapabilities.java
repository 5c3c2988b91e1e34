package dev.skbscope.kernel;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.ProbeTable;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.kernel.probe.ProbeCatalog;
import dev.skbscope.kernel.probe.ProbeCatalog.Mechanism;
import dev.skbscope.kernel.probe.ProbeCatalog.Probe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per pipeline node, how this kernel lets the tracer see it: the mechanism, the probes, what the
 * mechanism needs of the kernel, and, for a node it cannot see, why. The nodes a probe's events
 * land on come from the engine's own probe table ({@link ProbeTable#classify}), so what
 * capabilities promise is what the stats show. Stateless.
 */
final class NodeCapabilities {
    private static final Hook[] NF_HOOKS = {Hook.PREROUTING, Hook.INPUT, Hook.FORWARD, Hook.OUTPUT, Hook.POSTROUTING};
    private static final String NO_MECHANISM =
            "no tracepoint carries the packet here and this kernel refuses fentry/kprobe programs";

    private NodeCapabilities() { }

    /** The nodes a probe's events can land on. */
    static Set<PipelineNode> nodesOf(Probe p) {
        Set<PipelineNode> out = new LinkedHashSet<>();
        if (p.node().equals("end") || p.node().equals("current")) return out;
        PipelineNode.Path[] paths = {null, PipelineNode.Path.INBOUND, PipelineNode.Path.LOCAL, PipelineNode.Path.FORWARD,
                PipelineNode.Path.OUTBOUND};
        Hook[] hooks = p.node().equals("by_hook") ? hooksOf(p) : new Hook[]{Hook.NONE};
        for (Hook h : hooks) {
            for (PipelineNode.Path path : paths) {
                PipelineNode n = ProbeTable.classify(p.name(), h, path);
                if (n != null && n != PipelineNode.OTHER && plausible(h, path, n)) out.add(n);
            }
        }
        return out;
    }

    /** The hooks a hook-decided probe is linked at ({@code nf_hook_last}: PREROUTING and INPUT). */
    private static Hook[] hooksOf(Probe p) {
        return p.name().equals("nf_hook_last") ? new Hook[]{Hook.PREROUTING, Hook.INPUT} : NF_HOOKS;
    }

    /** A locally generated packet never passes PREROUTING, a forwarded one never OUTPUT... */
    private static boolean plausible(Hook h, PipelineNode.Path path, PipelineNode n) {
        if (path == null) return h == Hook.NONE || h == Hook.PREROUTING || h == Hook.OUTPUT || h == Hook.INPUT || h == Hook.FORWARD;
        return switch (h) {
            case POSTROUTING -> path != PipelineNode.Path.INBOUND && path != PipelineNode.Path.LOCAL;
            default -> true;
        };
    }

    /**
     * {@code nodes} of the capabilities: per node observable or not, the mechanism and probes, what
     * they need, and notes that say what the numbers mean.
     */
    static Map<String, Object> describe(KernelProbe kp, Map<String, String> unobserved) {
        Map<PipelineNode, List<Probe>> byNode = coverage(kp);
        Map<String, Object> out = new LinkedHashMap<>();
        for (PipelineNode n : PipelineNode.PIPELINE) {
            Map<String, Object> m = new LinkedHashMap<>();
            String why = unobserved.get(n.id());
            List<Probe> probes = byNode.getOrDefault(n, List.of());
            m.put("observable", why == null);
            if (why != null) m.put("reason", why);
            if (!probes.isEmpty()) {
                Set<String> mech = new LinkedHashSet<>(), needs = new LinkedHashSet<>();
                List<String> names = new ArrayList<>();
                for (Probe p : probes) {
                    names.add(p.name());
                    mech.add(mechanism(kp, p));
                    needs.add(needs(kp, p));
                }
                m.put("probes", names);
                m.put("mechanism", String.join(", ", mech));
                m.put("needs", String.join("; ", needs));
            }
            String note = NOTES.get(n.id());
            if (note != null && why == null) m.put("note", note);
            out.put(n.id(), m);
        }
        return out;
    }

    /** Node to why this kernel can't show it (every node when unavailable). */
    static Map<String, String> unobserved(KernelProbe kp) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<PipelineNode, List<Probe>> byNode = coverage(kp);
        for (PipelineNode n : PipelineNode.PIPELINE) {
            if (!kp.available()) {
                out.put(n.id(), kp.reason());
                continue;
            }
            if (!byNode.getOrDefault(n, List.of()).isEmpty()) continue;
            List<String> why = new ArrayList<>();
            for (Probe p : ProbeCatalog.PROBES) {
                if (!nodesOf(p).contains(n)) continue;
                if (p.mechanism() == Mechanism.NETFILTER && !kp.netfilter().available()) {
                    why.add(p.name() + ": " + kp.netfilter().reason() + " (needs " + kp.netfilter().needs() + ")");
                } else if (p.mechanism() == Mechanism.TCX && !kp.tc().available()) {
                    why.add(p.name() + ": " + kp.tc().reason());
                } else {
                    for (String prog : p.programs()) {
                        String r = kp.refused().get(prog);
                        if (r != null) { why.add(p.name() + ": " + r); break; }
                    }
                }
            }
            out.put(n.id(), why.isEmpty() ? NO_MECHANISM : NO_MECHANISM + " (" + String.join("; ", new LinkedHashSet<>(why)) + ")");
        }
        return out;
    }

    /** The probes that show each node here: chosen tracepoints and fentry, plus netfilter/tc links and tied events when they work. */
    private static Map<PipelineNode, List<Probe>> coverage(KernelProbe kp) {
        Map<PipelineNode, List<Probe>> out = new LinkedHashMap<>();
        if (!kp.available()) return out;
        for (Probe p : ProbeCatalog.PROBES) {
            boolean on = switch (p.mechanism()) {
                case NETFILTER -> kp.netfilter().available();
                case TCX -> kp.tc().available();
                // written at the first OUTPUT sight: needs the netfilter programs, and TCP's tied tracepoint for l4_tx
                case DERIVED -> kp.netfilter().available();
                case TIED, SYSCALL -> kp.netfilter().available() && kp.chosen().containsKey(p.id());
                default -> kp.chosen().containsKey(p.id()) || reportedAtTc(kp, p);
            };
            if (!on) continue;
            for (PipelineNode n : nodesOf(p)) out.computeIfAbsent(n, k -> new ArrayList<>()).add(p);
        }
        return out;
    }

    /**
     * netif_receive_skb left out because the tc ingress program reports the receive (KernelProbe.RECEIVE_AT_TC),
     * net_dev_start_xmit because the tc egress program or net_dev_xmit reports it (KernelProbe.DRIVER_AT_TC).
     */
    private static boolean reportedAtTc(KernelProbe kp, Probe p) {
        return (p.id() == ProbeCatalog.NETIF_RECEIVE_SKB || p.id() == ProbeCatalog.NET_DEV_START_XMIT)
                && !kp.chosen().containsKey(p.id()) && kp.tc().available();
    }

    private static String mechanism(KernelProbe kp, Probe p) {
        if (reportedAtTc(kp, p)) {
            String link = kp.tc().how().equals("tcx links") ? "tcx link" : "clsact filter (tc)";
            return p.id() == ProbeCatalog.NETIF_RECEIVE_SKB
                    ? link + " (tcx_ingress reports the receive: the tracepoint is not attached)"
                    : link + " (seen by tcx_egress on devices without a queue, by net_dev_xmit on devices with one: "
                    + "the tracepoint is not attached)";
        }
        return switch (p.mechanism()) {
            case TRACEPOINT -> {
                String prog = kp.chosen().get(p.id());
                yield prog != null && prog.startsWith("rtp_") ? "tracepoint (raw_tp)" : "tracepoint (tp_btf)";
            }
            case TP_BTF -> "tracepoint (tp_btf)";
            case SYSCALL -> "syscall tracepoint, tied to the packet at its first OUTPUT sight";
            case TIED -> "tracepoint, tied to the packet at its first OUTPUT sight";
            case DERIVED -> "the kernel's own timestamp in the skb, read at the first OUTPUT sight";
            case NETFILTER -> "netfilter link";
            case TCX -> kp.tc().how().equals("tcx links") ? "tcx link" : "clsact filter (tc)";
            case FENTRY -> "fentry";
            case FEXIT -> "fexit";
        };
    }

    private static String needs(KernelProbe kp, Probe p) {
        if (reportedAtTc(kp, p)) return KernelProbe.TCX_NEEDS;
        return switch (p.mechanism()) {
            case TRACEPOINT, TIED -> "BTF tracepoints (tp_btf: kernel 5.5+ with BTF; raw_tp otherwise)";
            case TP_BTF -> "BTF tracepoints (tp_btf: kernel 5.5+ with BTF)";
            case SYSCALL -> "syscall tracepoints (CONFIG_FTRACE_SYSCALLS) and the netfilter links";
            case DERIVED -> "the netfilter links";
            case NETFILTER -> KernelProbe.NETFILTER_NEEDS;
            case TCX -> KernelProbe.TCX_NEEDS;
            case FENTRY, FEXIT -> "fentry/fexit (BPF trampolines), which some kernels refuse";
        };
    }

    /** What a node's numbers mean, where that is not obvious. */
    private static final Map<String, String> NOTES = Map.ofEntries(
            Map.entry("nic_rx", "drivers that use napi_gro_frags only (virtio and veth do not); not applicable to packets that only cross software devices"),
            Map.entry("gro", "devices that do GRO; not applicable to packets that only cross veth (without NAPI) and loopback"),
            Map.entry("driver_napi", "the packet enters the stack; where the tc ingress program reports it (netif_receive_skb "
                    + "not attached), at the same instant as tc_ingress: only packet taps run between them, so its p50 is 0"),
            Map.entry("tc_ingress", "from the tc ingress program to netfilter PREROUTING; where PREROUTING runs nothing, "
                    + "the tc ingress program's own instant: p50 0"),
            Map.entry("nf_prerouting", "the PREROUTING hook's chains, without the conntrack and NAT stages where those are bracketed; "
                    + "in namespaces where nothing but skbscope would run at PREROUTING (namespaces[].stages.prerouting) no "
                    + "program is linked there and the tc ingress program reports the hook at its own instant (only "
                    + "ip_rcv_core()'s header checks run between; a packet they drop shows here with its reason)"),
            Map.entry("conntrack", "bracketed at priorities -201/-199 of PREROUTING in namespaces whose registered hooks "
                    + "hold conntrack (-200), read from the kernel's hook tables; the time between, less the measured cost "
                    + "of two adjacent programs (capabilities.ebpf.bracket_ns); namespaces[].stages says why per namespace"),
            Map.entry("nat_prerouting", "DNAT, bracketed at -101/-99 on PREROUTING in namespaces whose registered hooks hold "
                    + "NAT (-100/+100); namespaces[].stages says why per namespace"),
            Map.entry("routing_decision", "where conntrack or NAT run: from PREROUTING's last program to INPUT's or FORWARD's first; "
                    + "elsewhere the route lookup (fib_table_lookup) when one happens (early demux of a connected socket skips it)"),
            Map.entry("nf_input", "the INPUT hook's chains; in namespaces where nothing but skbscope's program runs at INPUT "
                    + "(namespaces[].stages.input), that one program also reports the hand-off to L4 at the same instant: p50 0"),
            Map.entry("l4_rx", "from INPUT's last netfilter program to delivery to the socket (UDP, TCP) or the end of the packet"),
            Map.entry("socket", "from delivery to the socket until the application reads it (sock_recv_length); "
                    + "a packet delivered and not yet read is in flight here; the buffer's later free is not counted"),
            Map.entry("nf_forward", "the FORWARD hook's chains"),
            Map.entry("nf_postrouting", "the POSTROUTING hook's chains of a forwarded packet (SNAT/masquerade is nat_postrouting); "
                    + "in namespaces where nothing but skbscope would run at POSTROUTING (namespaces[].stages.postrouting) "
                    + "no program is linked there and the tc egress program reports the hook at its own instant: p50 0"),
            Map.entry("application", "TCP: the first copy of the data into its segment (tcp_sendmsg_locked); other sockets: the "
                    + "send/sendto/sendmsg/sendmmsg syscall's entry, for the first packet of the call (write()/writev() on a socket "
                    + "are not followed: every write() in the system would pay for it)"),
            Map.entry("l4_tx", "TCP: from the stack's own transmit time of the segment (skb_mstamp_ns) to IP output, and "
                    + "retransmissions; UDP's output has no tracepoint and is not seen"),
            Map.entry("routing_lookup", "per-packet route lookups only (unconnected sockets: sendto with an address); a connected "
                    + "socket (TCP, connected UDP) looked its route up once, at connect(), and its packets skip this node"),
            Map.entry("nat_postrouting", "the POSTROUTING hook of locally made packets, and SNAT/masquerade bracketed at 99/101 "
                    + "in namespaces where NAT runs (forwarded packets too); where nothing but skbscope would run at "
                    + "POSTROUTING (namespaces[].stages.postrouting) the tc egress program reports the hook at its own "
                    + "instant (no program is linked there): p50 0"),
            Map.entry("tc_egress", "from the tc egress program (tcx) to the driver, qdisc included; on a device without a "
                    + "queue (veth, loopback) the driver takes the packet right after it, at the same instant: p50 0"),
            Map.entry("driver_tx", "the driver's transmit (ndo_start_xmit to net_dev_xmit); net_dev_start_xmit is not "
                    + "attached where tc programs run: on a device without a queue (veth, loopback) seen by tcx_egress, "
                    + "whose instant it shares (only validate_xmit_skb runs between); on a device with a queue seen by "
                    + "net_dev_xmit at the driver's return (p50 0; the driver's work is then in tc_egress with the qdisc)"),
            Map.entry("nic", "a locally made packet leaves its device (net_dev_xmit); on veth, until the peer's receive"));
}

package dev.skbscope.kernel;

import dev.skbscope.kernel.attach.NamespaceAttacher;
import dev.skbscope.kernel.probe.ProbeCatalog;
import org.agrona.collections.LongHashSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Which devices one session's packets arrived through, and so which receive nodes can exist for
 * them at all: a NIC receive stage needs a NIC, GRO needs a device that does GRO. Packets that
 * only cross veth pairs and loopback have neither: those nodes are then "not applicable", which
 * is not the same as "not observable". Single writer: the session thread (through the source's
 * decode); {@link #notApplicable} from any thread. Allocates only when a device is seen first.
 */
final class ReceiveDevices {
    private static final int MAX_DEVICES = 1024;
    private static final boolean[] RECEIVE = new boolean[ProbeCatalog.MAX];
    private static final boolean[] GRO = new boolean[ProbeCatalog.MAX];

    static {
        for (ProbeCatalog.Probe p : ProbeCatalog.PROBES) {
            if (p.role() == ProbeCatalog.Role.BIRTH_RX) RECEIVE[p.id()] = true;
            if (p.node().equals("gro") || p.node().equals("nic_rx")) GRO[p.id()] = true;
        }
    }

    private final Supplier<NamespaceAttacher.View> view;
    private final LongHashSet seen = new LongHashSet(64);
    private final Map<String, String> names = new LinkedHashMap<>();
    private boolean hardwareSeen, groSeen;
    private volatile Map<String, String> notApplicable;

    ReceiveDevices(Supplier<NamespaceAttacher.View> view) {
        this.view = view;
        this.notApplicable = fromScope();
    }

    /** Session thread: an event of {@code probe} on device {@code ifindex} of namespace {@code netns}. */
    void saw(int probe, long netns, int ifindex) {
        if (probe >= RECEIVE.length || !RECEIVE[probe]) return;
        boolean changed = false;
        if (GRO[probe] && !groSeen) {
            groSeen = true;
            changed = true;
        }
        long key = netns << 32 | (ifindex & 0xffffffffL);
        if (seen.size() < MAX_DEVICES && seen.add(key)) {
            NamespaceAttacher.View v = view.get();
            NamespaceAttacher.InterfaceView d = v == null ? null : v.device(netns, ifindex);
            String name = d == null ? "ifindex " + ifindex : d.name() + (d.driver().isEmpty() ? "" : " (" + d.driver() + ")");
            names.putIfAbsent(name, name);
            if (d != null && d.hardware()) hardwareSeen = true;
            changed = true;
        }
        if (changed) notApplicable = compute();
    }

    /** Node id to why it cannot exist for this session's packets; empty when every node can. */
    Map<String, String> notApplicable() { return notApplicable; }

    private Map<String, String> compute() {
        Map<String, String> out = new LinkedHashMap<>();
        if (hardwareSeen) return out;
        List<String> devs = new ArrayList<>(names.keySet());
        String list = String.join(", ", devs.size() > 6 ? devs.subList(0, 6) : devs) + (devs.size() > 6 ? ", ..." : "");
        out.put("nic_rx", "this session's packets arrived only through software devices (" + list
                + "): they are handed to the stack in software (netif_rx), with no NIC receive stage");
        if (!groSeen) {
            out.put("gro", "this session's packets arrived only through software devices (" + list
                    + ") that pass them on without GRO (a veth does GRO only with NAPI on: ethtool -K DEV gro on)");
        }
        return Map.copyOf(out);
    }

    /** Before any packet: not applicable if no namespace in scope has a NIC at all. */
    private Map<String, String> fromScope() {
        NamespaceAttacher.View v = view.get();
        if (v == null || v.namespaces().isEmpty()) return Map.of();
        for (NamespaceAttacher.NamespaceView n : v.namespaces()) {
            for (NamespaceAttacher.InterfaceView i : n.interfaces()) if (i.hardware()) return Map.of();
        }
        String why = "no NIC in the traced namespaces (only software devices: veth, loopback, ...)";
        return Map.of("nic_rx", why, "gro", why);
    }
}

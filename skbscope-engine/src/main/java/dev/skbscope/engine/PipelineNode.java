package dev.skbscope.engine;

import java.util.List;

/**
 * The nodes of the kernel packet pipeline (spec section 2), in pipeline order; immutable and
 * thread-safe. Node ids are stable API (JSON keys, Prometheus labels); labels are for display.
 * The probe → node table lives in {@link ProbeTable}.
 */
public enum PipelineNode {
    NIC_RX("nic_rx", "NIC", Layer.L2, Path.INBOUND),
    DRIVER_NAPI("driver_napi", "Driver (NAPI)", Layer.L2, Path.INBOUND),
    GRO("gro", "GRO", Layer.L2, Path.INBOUND),
    TC_INGRESS("tc_ingress", "TC Ingress", Layer.L2, Path.INBOUND),
    NF_PREROUTING("nf_prerouting", "Netfilter PREROUTING", Layer.L3, Path.INBOUND),
    CONNTRACK("conntrack", "Conntrack", Layer.L3, Path.INBOUND),
    NAT_PREROUTING("nat_prerouting", "NAT PREROUTING", Layer.L3, Path.INBOUND),
    ROUTING_DECISION("routing_decision", "Routing Decision", Layer.L3, Path.INBOUND),
    NF_INPUT("nf_input", "Netfilter INPUT", Layer.L3, Path.LOCAL),
    L4_RX("l4_rx", "TCP/UDP", Layer.L4, Path.LOCAL),
    SOCKET("socket", "Socket", Layer.SOCKET, Path.LOCAL),
    NF_FORWARD("nf_forward", "Netfilter FORWARD", Layer.L3, Path.FORWARD),
    NF_POSTROUTING("nf_postrouting", "Netfilter POSTROUTING", Layer.L3, Path.FORWARD),
    NIC_TX("nic_tx", "NIC TX", Layer.L2, Path.FORWARD),
    APPLICATION("application", "Application", Layer.SOCKET, Path.OUTBOUND),
    L4_TX("l4_tx", "TCP/UDP Output", Layer.L4, Path.OUTBOUND),
    NF_OUTPUT("nf_output", "Netfilter OUTPUT", Layer.L3, Path.OUTBOUND),
    ROUTING_LOOKUP("routing_lookup", "Routing Lookup", Layer.L3, Path.OUTBOUND),
    NAT_POSTROUTING("nat_postrouting", "NAT POSTROUTING", Layer.L3, Path.OUTBOUND),
    TC_EGRESS("tc_egress", "TC Egress", Layer.L2, Path.OUTBOUND),
    DRIVER_TX("driver_tx", "Driver TX", Layer.L2, Path.OUTBOUND),
    NIC("nic", "NIC", Layer.L2, Path.OUTBOUND),
    /** Any probe not in the table: counted and listed in top functions, but not a pipeline stage. */
    OTHER("other", "Other", null, null);

    /** Protocol layer a node belongs to ({@code stats.layers}). */
    public enum Layer {
        L2("L2"), L3("L3"), L4("L4"), SOCKET("socket");

        private final String id;
        Layer(String id) { this.id = id; }
        /** The JSON key in {@code stats.layers}. */
        public String id() { return id; }
    }

    /**
     * Which part of the pipeline a node is on: the shared inbound part (before the routing
     * decision), the local-delivery or forward branch after it, or the locally generated outbound path.
     */
    public enum Path {
        INBOUND("inbound"), LOCAL("local"), FORWARD("forward"), OUTBOUND("outbound");

        private final String id;
        Path(String id) { this.id = id; }
        public String id() { return id; }
    }

    /** Number of nodes including {@link #OTHER}. */
    public static final int COUNT = values().length;
    private static final PipelineNode[] VALUES = values();
    /** The 22 pipeline nodes without {@link #OTHER}, in pipeline order. */
    public static final List<PipelineNode> PIPELINE = List.of(VALUES).subList(0, COUNT - 1);

    private final String id;
    private final String label;
    private final Layer layer;
    private final Path path;

    PipelineNode(String id, String label, Layer layer, Path path) {
        this.id = id;
        this.label = label;
        this.layer = layer;
        this.path = path;
    }

    /** Stable id used as JSON key and metric label, e.g. {@code nf_prerouting}. */
    public String id() { return id; }
    public String label() { return label; }
    /** The node's layer, or {@code null} for {@link #OTHER}. */
    public Layer layer() { return layer; }
    /** The node's path, or {@code null} for {@link #OTHER}. */
    public Path path() { return path; }

    /** True for nodes a packet arrives through (the inbound part and both of its branches). */
    public boolean isInboundSide() { return path == Path.INBOUND || path == Path.LOCAL || path == Path.FORWARD; }

    /** The node with this ordinal. */
    public static PipelineNode of(int ordinal) { return VALUES[ordinal]; }

    /** The node with id {@code id}, or {@code null} if there is none. */
    public static PipelineNode byId(String id) {
        for (PipelineNode n : VALUES) if (n.id.equals(id)) return n;
        return null;
    }
}

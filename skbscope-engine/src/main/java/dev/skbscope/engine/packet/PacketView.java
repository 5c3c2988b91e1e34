package dev.skbscope.engine.packet;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.RuleTextLookup;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.IpAddresses;
import dev.skbscope.engine.event.IpProtocols;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.Verdict;

import java.util.ArrayList;
import java.util.List;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * One packet's journey as clients see it (REST, CLI {@code --json}); immutable. A plain Jackson
 * {@code ObjectMapper} writes it with snake_case names; absent facts are left out. The list form
 * ({@link #of} with {@code detail = false}) leaves out {@code hops} and {@code verdicts}.
 *
 * @param id            the packet id: its ordinal among the session's journeys (same in a replay of the session's recording)
 * @param skb           the skb address (hex), or null for packets known by an nft trace id
 * @param traceId       the nft trace id (hex), for packets without an skb
 * @param journey       which journey of its skb this is (2: it left through a veth/loopback and came back in)
 * @param startNs       event time of its first event (ns, the trace clock)
 * @param endNs         event time of its end event, or of its last event when it has none
 * @param durationUs    end − start
 * @param path          inbound (received, no branch seen), local, forward, outbound, or unknown
 * @param end           completed, dropped, expired, evicted, in_flight
 * @param drop          where and why it was dropped
 * @param endProbe      the event that ended it (consume_skb, kfree_skb...), when there was one
 * @param weight        packets it stands for (1 unless the source sampled)
 * @param nodes         the nodes of its hops, in order
 * @param verdict       the last verdict of its verdict chain
 * @param events        events it had
 * @param stepsOmitted  events not kept (very long journeys keep their first and latest events)
 * @param nodeLatencyUs its longest hop at the node a query asked about
 * @param hops          its hops (detail view)
 * @param verdicts      its verdict chain (detail view)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PacketView(
        @JsonProperty("id") String id,
        @JsonProperty("skb") String skb,
        @JsonProperty("trace_id") String traceId,
        @JsonProperty("journey") int journey,
        @JsonProperty("start_ns") long startNs,
        @JsonProperty("end_ns") long endNs,
        @JsonProperty("duration_us") double durationUs,
        @JsonProperty("path") String path,
        @JsonProperty("end") String end,
        @JsonProperty("drop") Drop drop,
        @JsonProperty("end_probe") String endProbe,
        @JsonProperty("proto") String proto,
        @JsonProperty("src") String src,
        @JsonProperty("dst") String dst,
        @JsonProperty("sport") Integer sport,
        @JsonProperty("dport") Integer dport,
        @JsonProperty("ifindex") Integer ifindex,
        @JsonProperty("netns") Long netns,
        @JsonProperty("len") Integer len,
        @JsonProperty("weight") int weight,
        @JsonProperty("nodes") List<String> nodes,
        @JsonProperty("verdict") String verdict,
        @JsonProperty("events") int events,
        @JsonProperty("steps_omitted") Integer stepsOmitted,
        @JsonProperty("node_latency_us") Double nodeLatencyUs,
        @JsonProperty("hops") List<Hop> hops,
        @JsonProperty("verdicts") List<VerdictStep> verdicts) {

    /** Where and why a packet was dropped. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Drop(@JsonProperty("node") String node, @JsonProperty("label") String label,
                       @JsonProperty("reason") String reason) { }

    /**
     * A run of events at one node.
     *
     * @param offsetUs  from the packet's first event to this hop's first event
     * @param spentUs   time at the node (the node's latency sample), null when unknown (no end event)
     * @param functions the distinct probes of the hop when there was more than one
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Hop(@JsonProperty("node") String node, @JsonProperty("label") String label,
                      @JsonProperty("probe") String probe, @JsonProperty("functions") List<String> functions,
                      @JsonProperty("ts_ns") long tsNs, @JsonProperty("offset_us") double offsetUs,
                      @JsonProperty("spent_us") Double spentUs, @JsonProperty("events") int events) { }

    /** One verdict of the chain: a netfilter hook's verdict, or an nft rule's (with the rule where known). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VerdictStep(@JsonProperty("node") String node, @JsonProperty("hook") String hook,
                              @JsonProperty("verdict") String verdict, @JsonProperty("probe") String probe,
                              @JsonProperty("ts_ns") long tsNs, @JsonProperty("table") String table,
                              @JsonProperty("chain") String chain, @JsonProperty("rule_handle") Long ruleHandle,
                              @JsonProperty("rule_text") String ruleText) { }

    /**
     * The names of a session's nft rules by rule index (copied under the tracker's lock), and where
     * their text comes from (may be null).
     */
    public record RuleNames(int[] tables, int[] chains, long[] handles, RuleTextLookup text) {
        public static final RuleNames NONE = new RuleNames(new int[0], new int[0], new long[0], null);

        public int count() { return handles.length; }
    }

    /** The view of journey {@code row}; {@code latencyNode} (nullable) adds {@code node_latency_us}. */
    public static PacketView of(JourneyColumns c, int row, RuleNames rules, boolean detail, PipelineNode latencyNode) {
        int info = c.info(row);
        boolean hasSkb = (info & INFO_HAS_SKB) != 0;
        String key = "0x" + Long.toHexString(c.l(row, KEY));
        long start = c.startNs(row), endNs = c.endNs(row);
        JourneyEnd end = c.end(row);
        int path = c.path(row);
        int ip = info & INFO_IP_MASK;

        Drop drop = null;
        if ((info & INFO_DROPPED) != 0) {
            int dn = c.i(row, DROP_NODE), dr = c.i(row, DROP_REASON);
            PipelineNode n = dn >= 0 && dn < PipelineNode.COUNT ? PipelineNode.of(dn) : null;
            drop = new Drop(n == null ? null : n.id(), n == null ? null : n.label(),
                    dr >= 0 && dr < SymbolTable.DROP_REASONS.size() ? SymbolTable.DROP_REASONS.name(dr) : null);
        }

        HopCursor hops = new HopCursor();
        List<String> nodes = new ArrayList<>();
        List<Hop> hopList = detail ? new ArrayList<>() : null;
        for (hops.reset(c, row); hops.next(); ) {
            PipelineNode n = PipelineNode.of(hops.node());
            nodes.add(n.id());
            if (!detail) continue;
            List<String> fns = new ArrayList<>();
            for (int k = hops.firstStep(); k <= hops.lastStep(); k++) {
                if (node(c.stepPacked(row, k)) == END_NODE) continue;
                String p = probe(c.stepProbe(row, k));
                if (!fns.contains(p)) fns.add(p);
            }
            int events = 0;
            for (int k = hops.firstStep(); k <= hops.lastStep(); k++) if (node(c.stepPacked(row, k)) != END_NODE) events++;
            hopList.add(new Hop(n.id(), n.label(), fns.isEmpty() ? null : fns.get(0), fns.size() > 1 ? List.copyOf(fns) : null,
                    hops.startNs(), us(hops.startNs() - start), hops.spentNs() < 0 ? null : us(hops.spentNs()), events));
        }

        String lastVerdict = null;
        String endProbe = null;
        List<VerdictStep> verdicts = detail ? new ArrayList<>() : null;
        for (int k = 0, n = c.steps(row); k < n; k++) {
            int packed = c.stepPacked(row, k);
            int nd = node(packed);
            if (nd == END_NODE) { endProbe = probe(c.stepProbe(row, k)); continue; }
            int v = JourneyDescriptor.verdict(packed), rule = rule(packed);
            if (v == 0 && rule < 0) continue;
            if (v != 0) lastVerdict = Verdict.of(v).name();
            if (!detail) continue;
            String table = null, chain = null, text = null;
            Long handle = null;
            if (rule >= 0 && rule < rules.count()) {
                table = SymbolTable.NFT_NAMES.name(rules.tables()[rule]);
                chain = SymbolTable.NFT_NAMES.name(rules.chains()[rule]);
                long h = rules.handles()[rule];
                handle = h < 0 ? null : h;
                text = RuleTextLookup.safeText(rules.text(), table, chain, h);
            }
            int hook = JourneyDescriptor.hook(packed);
            verdicts.add(new VerdictStep(PipelineNode.of(nd).id(), hook == 0 ? null : Hook.of(hook).name(),
                    v == 0 ? null : Verdict.of(v).name(), probe(c.stepProbe(row, k)), c.stepTs(row, k),
                    table, chain, handle, text));
        }

        Double nodeLatency = null;
        if (latencyNode != null) {
            long v = hops.maxSpentAt(c, row, latencyNode.ordinal());
            if (v >= 0) nodeLatency = us(v);
        }
        int events = c.i(row, EVENTS), steps = c.steps(row);
        return new PacketView(Long.toString(c.id(row)), hasSkb ? key : null, hasSkb ? null : key, c.i(row, JOURNEY),
                start, endNs, us(endNs - start), pathId(path), end.id(), drop, endProbe,
                protoName(c.i(row, PROTO)),
                ip == 0 ? null : IpAddresses.text(ip, c.l(row, SRC_HI), c.l(row, SRC_LO)),
                ip == 0 ? null : IpAddresses.text(ip, c.l(row, DST_HI), c.l(row, DST_LO)),
                opt(c.i(row, SPORT)), opt(c.i(row, DPORT)), opt(c.i(row, IFINDEX)),
                c.l(row, NETNS) < 0 ? null : c.l(row, NETNS), opt(c.i(row, LEN)),
                c.i(row, WEIGHT), List.copyOf(nodes), lastVerdict, events,
                events > steps ? events - steps : null, nodeLatency,
                detail ? List.copyOf(hopList) : null, detail ? List.copyOf(verdicts) : null);
    }

    /** The path id of a path code. */
    public static String pathId(int path) {
        return switch (path) {
            case PATH_INBOUND -> "inbound";
            case PATH_LOCAL -> "local";
            case PATH_FORWARD -> "forward";
            case PATH_OUTBOUND -> "outbound";
            default -> "unknown";
        };
    }

    /** tcp, udp, icmp, icmpv6, or the number; null when unknown. */
    public static String protoName(int proto) {
        if (proto < 0) return null;
        String name = IpProtocols.name(proto);
        return name != null ? name : Integer.toString(proto);
    }

    private static String probe(int id) {
        return id >= 0 && id < SymbolTable.PROBES.size() ? SymbolTable.PROBES.name(id) : "?";
    }

    private static Integer opt(int v) { return v < 0 ? null : v; }

    private static double us(long ns) { return ns / 1000.0; }
}

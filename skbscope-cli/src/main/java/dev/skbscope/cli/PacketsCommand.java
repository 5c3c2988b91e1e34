package dev.skbscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.packet.PacketPage;
import dev.skbscope.engine.packet.PacketQueryParser;
import dev.skbscope.engine.packet.PacketView;
import dev.skbscope.sources.recording.RecordingFormat;
import dev.skbscope.sources.recording.RecordingPackets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code skbscope packets FILE [filters…]}: the packets of a recording (ours, Retis, pwru) that
 * match the filters, newest first, as a table or JSON lines; the same query and the same packet
 * ids as {@code GET /api/sessions/{id}/packets} on the session that made the recording.
 */
@Command(name = "packets", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lists the packets of a recording (pipeline-trace, Retis or pwru JSON lines, optionally gzipped) "
                + "that match the filters, newest first: each packet's path, end, drop point and 5-tuple. "
                + "--id shows one packet's hops, times and verdicts.",
                "Filters are those of GET /api/sessions/{id}/packets (underscores or dashes), all optional and ANDed."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (also when nothing matches)", "1:the recording could not be read, or --id is not a packet of it", "2:bad usage or filter"})
public final class PacketsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the recording (.jsonl, .json or .jsonl.gz)")
    Path file;

    @Option(names = {"--src"}, paramLabel = "CIDR", description = "source address in this prefix") String src;
    @Option(names = {"--dst"}, paramLabel = "CIDR", description = "destination address in this prefix") String dst;
    @Option(names = {"--host"}, paramLabel = "CIDR", description = "either address in this prefix") String host;
    @Option(names = {"--sport"}, paramLabel = "PORT", description = "source port") String sport;
    @Option(names = {"--dport"}, paramLabel = "PORT", description = "destination port") String dport;
    @Option(names = {"--port"}, paramLabel = "PORT", description = "either port") String port;
    @Option(names = {"--proto"}, paramLabel = "P", description = "tcp, udp, icmp, icmpv6 or a protocol number") String proto;
    @Option(names = {"--netns"}, paramLabel = "INODE", description = "network namespace inode") String netns;
    @Option(names = {"--ifindex"}, paramLabel = "N", description = "interface index (the first the packet was seen on)") String ifindex;
    @Option(names = {"--node"}, paramLabel = "NODE", description = "it entered this node (nf_input, l4_rx, ...)") String node;
    @Option(names = {"--path"}, paramLabel = "PATH", description = "inbound (received), local, forward or outbound") String path;
    @Option(names = {"--verdict"}, paramLabel = "V", description = "one of its events had this verdict (ACCEPT, DROP, ...)") String verdict;
    @Option(names = {"--drop-reason", "--drop_reason"}, paramLabel = "REASON", description = "dropped with this reason (NO_SOCKET, ...)") String dropReason;
    @Option(names = {"--rule-handle", "--rule_handle"}, paramLabel = "H", description = "an nft rule with this handle gave it a verdict") String ruleHandle;
    @Option(names = {"--min-latency-us", "--min_latency_us"}, paramLabel = "US", description = "its time at --node (else its whole duration) is at least this") String minLatencyUs;
    @Option(names = {"--max-latency-us", "--max_latency_us"}, paramLabel = "US", description = "... at most this") String maxLatencyUs;
    @Option(names = {"--since"}, paramLabel = "T", description = "started at or after: event time in ns, +DURATION after the first event, -DURATION before the last (e.g. +2s, -500ms)") String since;
    @Option(names = {"--until"}, paramLabel = "T", description = "started before (same forms as --since)") String until;
    @Option(names = {"--end"}, paramLabel = "END", description = "completed, dropped, expired, evicted or in_flight") String end;
    @Option(names = {"--skb"}, paramLabel = "0xADDR", description = "this skb (all its journeys)") String skb;

    @Option(names = "--limit", defaultValue = "50", paramLabel = "N", description = "packets shown, newest first, 1..10000 (default: ${DEFAULT-VALUE})")
    String limit;

    @Option(names = "--json", description = "one JSON object per packet (its whole journey: hops, verdicts) instead of the table")
    boolean json;

    @Option(names = "--id", paramLabel = "ID", description = "show this packet's whole journey (hops, times, verdicts)")
    String id;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "FORMAT",
            description = "auto, pipeline, retis or pwru (default: ${DEFAULT-VALUE})")
    RecordingFormat format;

    @Option(names = "--max-tracked-skbs", paramLabel = "N",
            description = "packets tracked at once (default: the recording header's, else 10000); it decides evictions, so packet ids match the session's only with the session's value")
    Integer maxTrackedSkbs;

    @Option(names = "--keep", defaultValue = "" + RecordingPackets.DEFAULT_KEEP, paramLabel = "N",
            description = "packets indexed, the newest (default: ${DEFAULT-VALUE})")
    int keep;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxTrackedSkbs != null && maxTrackedSkbs < 1) throw new ParameterException(spec.commandLine(), "--max-tracked-skbs must be >= 1");
        if (keep < 1) throw new ParameterException(spec.commandLine(), "--keep must be >= 1");
        PacketQueryParser.Request request;
        long packetId = -1;
        try {
            request = PacketQueryParser.parse(params(), Set.of());
            if (id != null) {
                packetId = PacketQueryParser.packetId(id);
                if (packetId < 0) throw new IllegalArgumentException("id: not a packet id (a positive integer)");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--" + e.getMessage());
        }
        RecordingPackets rec;
        try {
            rec = RecordingPackets.index(file, format, maxTrackedSkbs, keep);
        } catch (IOException e) {
            err.println("skbscope packets: " + e.getMessage());
            err.flush();
            return 1;
        }
        try {
            if (packetId > 0) {
                PacketView p = rec.packet(packetId);
                if (p == null) {
                    err.println("skbscope packets: " + file.getFileName() + " has no packet " + packetId
                            + " (" + rec.totalPackets() + " packets)");
                    err.flush();
                    return 1;
                }
                if (json) out.println(JSON.writeValueAsString(p));
                else PacketReport.printJourney(p, rec.firstNs(), out);
            } else {
                PacketPage page = rec.packets(request.query(), request.before(), request.limit(), json);
                if (json) {
                    for (PacketView v : page.packets()) out.println(JSON.writeValueAsString(v));
                } else {
                    PacketReport.printTable(page, rec.firstNs(), request.query().node() != null, out);
                    out.printf("%,d of %,d matching packets shown, newest first (%,d packets in %s, %s)%n", page.count(),
                            page.matched(), rec.totalPackets(), file.getFileName(), rec.format().name().toLowerCase());
                    if (page.kept() < rec.totalPackets())
                        out.printf("only the newest %,d packets are indexed (--keep)%n", page.kept());
                }
            }
        } catch (IOException e) {
            err.println("skbscope packets: cannot write JSON: " + e.getMessage());
            return 1;
        }
        out.flush();
        return 0;
    }

    /** The filters given, by their REST names, for the shared parser. */
    private Map<String, List<String>> params() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        String[][] kv = {{"src", src}, {"dst", dst}, {"host", host}, {"sport", sport}, {"dport", dport}, {"port", port},
                {"proto", proto}, {"netns", netns}, {"ifindex", ifindex}, {"node", node}, {"path", path}, {"verdict", verdict},
                {"drop_reason", dropReason}, {"rule_handle", ruleHandle}, {"min_latency_us", minLatencyUs},
                {"max_latency_us", maxLatencyUs}, {"since", since}, {"until", until}, {"end", end}, {"skb", skb},
                {"limit", limit}};
        for (String[] p : kv) if (p[1] != null) m.put(p[0], List.of(p[1]));
        return m;
    }
}

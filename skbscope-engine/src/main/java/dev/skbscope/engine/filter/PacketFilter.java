package dev.skbscope.engine.filter;

import dev.skbscope.engine.event.IpProtocols;
import dev.skbscope.engine.event.TraceEvent;

/**
 * A session's packet filter. Every field is optional ({@code null} = any). Immutable and
 * thread-safe. An event that does not carry a field (e.g. a {@code consume_skb} without a
 * 5-tuple) is not rejected for it: the filter only rejects what it knows does not match.
 *
 * @param proto   "tcp", "udp", "icmp", "icmpv6", or a protocol number as text
 * @param src     source prefix
 * @param dst     destination prefix
 * @param host    either address in this prefix
 * @param port    either port
 * @param ifindex interface index
 * @param netns   network namespace inode
 */
public record PacketFilter(String proto, Cidr src, Cidr dst, Cidr host, Integer sport, Integer dport,
                           Integer port, Integer ifindex, Long netns) {

    public static final PacketFilter ANY = new PacketFilter(null, null, null, null, null, null, null, null, null);

    public PacketFilter {
        if (proto != null) protoNumber(proto); // validates
        checkPort("sport", sport); checkPort("dport", dport); checkPort("port", port);
        if (ifindex != null && ifindex <= 0) throw new IllegalArgumentException("ifindex must be > 0");
    }

    private static void checkPort(String name, Integer p) {
        if (p != null && (p < 0 || p > 65535)) throw new IllegalArgumentException(name + " must be 0..65535");
    }

    /** IP protocol number for a protocol name or number ({@link IpProtocols#parse}). */
    public static int protoNumber(String proto) {
        int n = IpProtocols.parse(proto);
        if (n == IpProtocols.UNKNOWN)
            throw new IllegalArgumentException("unknown protocol: " + proto + " (tcp, udp, icmp, icmpv6, sctp or a number 0..255)");
        return n;
    }

    public boolean isAny() { return equals(ANY); }

    /** True unless the event carries a field that contradicts the filter. Allocates nothing. */
    public boolean matches(TraceEvent e) {
        if (proto != null && e.proto != TraceEvent.UNKNOWN && e.proto != protoNumber(proto)) return false;
        if (e.ipVersion != 0) {
            if (src != null && !src.contains(e.ipVersion, e.srcHi, e.srcLo)) return false;
            if (dst != null && !dst.contains(e.ipVersion, e.dstHi, e.dstLo)) return false;
            if (host != null && !host.contains(e.ipVersion, e.srcHi, e.srcLo)
                    && !host.contains(e.ipVersion, e.dstHi, e.dstLo)) return false;
        }
        if (sport != null && e.sport != TraceEvent.UNKNOWN && e.sport != sport) return false;
        if (dport != null && e.dport != TraceEvent.UNKNOWN && e.dport != dport) return false;
        if (port != null && e.sport != TraceEvent.UNKNOWN && e.dport != TraceEvent.UNKNOWN
                && e.sport != port && e.dport != port) return false;
        if (ifindex != null && e.ifindex != TraceEvent.UNKNOWN && e.ifindex != ifindex) return false;
        if (netns != null && e.netns != TraceEvent.UNKNOWN && e.netns != netns) return false;
        return true;
    }
}

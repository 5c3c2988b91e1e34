package dev.skbscope.engine.packet;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns query parameters (REST {@code GET …/packets?…}, or the {@code packets} command's options)
 * into a {@link PacketQuery} plus paging; stateless and thread-safe. Strict: an unknown parameter,
 * one given twice, or a value out of range is an {@link IllegalArgumentException} whose message
 * starts with the parameter's name ({@code "sport: must be an integer within 0..65535"}). Addresses
 * are parsed as numbers only: nothing is resolved.
 */
public final class PacketQueryParser {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;

    /** The filter parameters, in documentation order. */
    public static final List<String> FILTERS = List.of("src", "dst", "host", "sport", "dport", "port", "proto", "netns",
            "ifindex", "node", "path", "verdict", "drop_reason", "rule_handle", "min_latency_us", "max_latency_us",
            "since", "until", "end", "skb");
    /** Paging parameters. */
    public static final List<String> PAGING = List.of("limit", "cursor");

    private static final Pattern DURATION = Pattern.compile("([+-])(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern REASON = Pattern.compile("[A-Z0-9_]{1,64}");
    private static final String CURSOR_PREFIX = "f:";

    private PacketQueryParser() { }

    /**
     * A parsed request.
     *
     * @param query  the filters
     * @param limit  page size
     * @param before finish ordinal the page starts below (Long.MAX_VALUE: the newest)
     */
    public record Request(PacketQuery query, int limit, long before) { }

    /**
     * Parses {@code params} (name → values).
     *
     * @param ignored further names the caller handles itself (e.g. {@code token}); they are not errors
     * @throws IllegalArgumentException naming the parameter
     */
    public static Request parse(Map<String, List<String>> params, Set<String> ignored) {
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            String k = e.getKey();
            if (ignored.contains(k)) continue;
            if (!FILTERS.contains(k) && !PAGING.contains(k)) {
                throw new IllegalArgumentException(k + ": unknown parameter (filters: " + String.join(", ", FILTERS)
                        + "; paging: limit, cursor)");
            }
            if (e.getValue().size() > 1) throw new IllegalArgumentException(k + ": given more than once");
        }
        Values v = new Values(params);
        PacketQuery q = new PacketQuery(
                v.cidr("src"), v.cidr("dst"), v.cidr("host"),
                v.intIn("sport", 0, 65535), v.intIn("dport", 0, 65535), v.intIn("port", 0, 65535),
                v.proto("proto"), v.longIn("netns", 0, 0xffffffffL), v.intIn("ifindex", 1, Integer.MAX_VALUE),
                v.node("node"), v.path("path"), v.verdict("verdict"), v.reason("drop_reason"),
                v.longIn("rule_handle", 0, Long.MAX_VALUE), v.micros("min_latency_us"), v.micros("max_latency_us"),
                v.time("since"), v.time("until"), v.end("end"), v.skb("skb"));
        if (q.minLatencyUs() != null && q.maxLatencyUs() != null && q.minLatencyUs() > q.maxLatencyUs())
            throw new IllegalArgumentException("max_latency_us: must not be below min_latency_us");
        Integer limit = v.intIn("limit", 1, MAX_LIMIT);
        long before = v.cursor("cursor");
        return new Request(q, limit == null ? DEFAULT_LIMIT : limit, before);
    }

    /** The opaque cursor for "journeys finishing before {@code before}". */
    public static String cursor(long before) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((CURSOR_PREFIX + before).getBytes(StandardCharsets.US_ASCII));
    }

    /** Parses a packet id (the decimal ordinal); -1 when it is not one. */
    public static long packetId(String text) {
        if (text == null || text.isEmpty() || text.length() > 19) return -1;
        for (int i = 0; i < text.length(); i++) if (text.charAt(i) < '0' || text.charAt(i) > '9') return -1;
        long id = Long.parseLong(text);
        return id >= 1 ? id : -1;
    }

    /** One-value parameters, each parsed with its own rule. */
    private record Values(Map<String, List<String>> params) {
        String raw(String k) {
            List<String> l = params.get(k);
            if (l == null || l.isEmpty()) return null;
            String s = l.get(0);
            if (s == null || s.isBlank()) throw new IllegalArgumentException(k + ": empty value");
            if (s.length() > 200) throw new IllegalArgumentException(k + ": value too long");
            return s.strip();
        }

        Cidr cidr(String k) {
            String s = raw(k);
            if (s == null) return null;
            // numbers only: a dotted quad or an IPv6 literal (with ':'), so nothing can be looked up as a name
            String addr = s.contains("/") ? s.substring(0, s.indexOf('/')) : s;
            if (!addr.contains(":") && !IPV4.matcher(addr).matches())
                throw new IllegalArgumentException(k + ": not a numeric IP address or prefix: " + quote(s));
            try {
                return Cidr.parse(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(k + ": " + e.getMessage());
            }
        }

        Integer intIn(String k, int min, int max) {
            Long n = longIn(k, min, max);
            return n == null ? null : n.intValue();
        }

        Long longIn(String k, long min, long max) {
            String s = raw(k);
            if (s == null) return null;
            if (!s.matches("\\d{1,19}")) throw new IllegalArgumentException(k + ": must be an integer within " + min + ".." + max);
            long n;
            try {
                n = Long.parseLong(s);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < min || n > max) throw new IllegalArgumentException(k + ": must be an integer within " + min + ".." + max);
            return n;
        }

        Integer proto(String k) {
            String s = raw(k);
            if (s == null) return null;
            try {
                return PacketFilter.protoNumber(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(k + ": " + e.getMessage());
            }
        }

        PipelineNode node(String k) {
            String s = raw(k);
            if (s == null) return null;
            PipelineNode n = PipelineNode.byId(s);
            if (n == null) throw new IllegalArgumentException(k + ": unknown node " + quote(s) + " (node ids: " + nodeIds() + ")");
            return n;
        }

        PipelineNode.Path path(String k) {
            String s = raw(k);
            if (s == null) return null;
            for (PipelineNode.Path p : PipelineNode.Path.values()) if (p.id().equals(s)) return p;
            throw new IllegalArgumentException(k + ": must be one of inbound, local, forward, outbound");
        }

        Verdict verdict(String k) {
            String s = raw(k);
            if (s == null) return null;
            Verdict v = Verdict.parse(s);
            if (v == null || v == Verdict.NONE) {
                Set<String> names = new LinkedHashSet<>();
                for (Verdict x : Verdict.values()) if (x != Verdict.NONE) names.add(x.name());
                throw new IllegalArgumentException(k + ": unknown verdict " + quote(s) + " (" + String.join(", ", names) + ")");
            }
            return v;
        }

        String reason(String k) {
            String s = raw(k);
            if (s == null) return null;
            String r = s.toUpperCase(Locale.ROOT);
            if (r.startsWith("SKB_DROP_REASON_")) r = r.substring("SKB_DROP_REASON_".length());
            if (!REASON.matcher(r).matches()) throw new IllegalArgumentException(k + ": must be a drop reason name like NO_SOCKET");
            return r;
        }

        Double micros(String k) {
            String s = raw(k);
            if (s == null) return null;
            double d;
            try {
                d = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                d = Double.NaN;
            }
            if (!(d >= 0 && d <= 3.6e9) || !s.matches("[0-9.eE+]+"))
                throw new IllegalArgumentException(k + ": must be a number of microseconds within 0..3600000000");
            return d;
        }

        PacketQuery.TimeBound time(String k) {
            String s = raw(k);
            if (s == null) return null;
            if (s.matches("\\d{1,19}")) {
                try {
                    return new PacketQuery.TimeBound(Long.parseLong(s), PacketQuery.TimeBound.Anchor.ABSOLUTE);
                } catch (NumberFormatException ignored) {
                    // falls through to the error below
                }
            }
            Matcher m = DURATION.matcher(s);
            if (!m.matches()) {
                throw new IllegalArgumentException(k + ": must be an event time in ns, +DURATION after the first event "
                        + "or -DURATION before the newest (units ns, us, ms, s, m, h), e.g. -30s");
            }
            double n = Double.parseDouble(m.group(2));
            double unit = switch (m.group(3)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            double ns = n * unit;
            if (ns > 1e18) throw new IllegalArgumentException(k + ": duration too long");
            return new PacketQuery.TimeBound(Math.round(ns),
                    m.group(1).equals("+") ? PacketQuery.TimeBound.Anchor.FROM_FIRST : PacketQuery.TimeBound.Anchor.FROM_LAST);
        }

        JourneyEnd end(String k) {
            String s = raw(k);
            if (s == null) return null;
            JourneyEnd e = JourneyEnd.byId(s);
            if (e == null) throw new IllegalArgumentException(k + ": must be one of completed, dropped, expired, evicted, in_flight");
            return e;
        }

        Long skb(String k) {
            String s = raw(k);
            if (s == null) return null;
            try {
                if (s.startsWith("0x") || s.startsWith("0X")) {
                    if (!s.substring(2).matches("[0-9a-fA-F]{1,16}")) throw new NumberFormatException();
                    return Long.parseUnsignedLong(s.substring(2), 16);
                }
                if (!s.matches("\\d{1,20}")) throw new NumberFormatException();
                return Long.parseUnsignedLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(k + ": must be an skb address, 0x followed by up to 16 hex digits");
            }
        }

        long cursor(String k) {
            String s = raw(k);
            if (s == null) return Long.MAX_VALUE;
            String text;
            try {
                text = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.US_ASCII);
            } catch (IllegalArgumentException e) {
                text = "";
            }
            if (text.startsWith(CURSOR_PREFIX) && text.substring(CURSOR_PREFIX.length()).matches("\\d{1,19}")) {
                try {
                    long before = Long.parseLong(text.substring(CURSOR_PREFIX.length()));
                    if (before > 0) return before;
                } catch (NumberFormatException ignored) {
                    // falls through
                }
            }
            throw new IllegalArgumentException(k + ": not a cursor from this API (use next_cursor of the previous page)");
        }
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
    }

    private static String nodeIds() {
        StringBuilder sb = new StringBuilder();
        for (PipelineNode n : PipelineNode.values()) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(n.id());
        }
        return sb.toString();
    }
}

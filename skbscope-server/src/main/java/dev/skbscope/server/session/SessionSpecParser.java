package dev.skbscope.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.http.Echo;
import dev.skbscope.server.http.RequestFields;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a session request body into a {@link SessionSpec}, or an {@link ApiException} (400) whose
 * message names the offending field and the rule. Strict: unknown fields are refused (with the
 * closest known name), numbers are checked on their exact value, addresses are read as numbers
 * only (no name is ever resolved). Stateless and thread-safe.
 */
public final class SessionSpecParser {
    public static final Set<String> MODES = Set.of("full", "nft", "multifunction");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** Fields of a session request; {@code session_id} is the seed's name for {@code id}. */
    public static final List<String> FIELDS = List.of("id", "session_id", "mode", "max_functions", "max_tracked_skbs",
            "packet_history", "filter", "source", "record", "idle_timeout_ms", "socket_timeout_ms");
    static final List<String> FILTER_FIELDS = List.of("protocol", "proto", "src", "dst", "host", "sport", "dport",
            "port", "ifindex", "netns");
    static final List<String> LIVE_FIELDS = List.of("kind");
    static final List<String> REPLAY_FIELDS = List.of("kind", "path", "speed");
    static final List<String> SYNTHETIC_FIELDS = List.of("kind", "rate", "seed", "drop_share");
    /** Seeds are exact in every JSON client (JavaScript numbers are exact up to 2^53 - 1). */
    public static final long MAX_SEED = (1L << 53) - 1;
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final RecordingPaths recordings;

    /** @param recordingDirs directories replay paths may resolve into; the first is where relative paths are looked up first */
    public SessionSpecParser(List<Path> recordingDirs) {
        this.recordings = new RecordingPaths(recordingDirs);
    }

    /** Validates a session id given by a client. */
    public static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches() || id.contains(".."))
            throw ApiException.badRequest("id: must be 1-64 characters of letters, digits, '_', '-', '.' (got " + Echo.of(id) + ")");
        return id;
    }

    /**
     * @param body      the request JSON (null or empty object: all defaults)
     * @param defaultId the id to use when the body names none
     */
    public SessionSpec parse(JsonNode body, String defaultId) {
        if (RequestFields.absent(body)) body = NODES.objectNode();
        if (!body.isObject()) throw ApiException.badRequest("body: must be a JSON object");
        RequestFields.onlyKnown(body, "", FIELDS, "a session");
        String id = defaultId;
        JsonNode idNode = body.has("id") ? body.get("id") : body.get("session_id");
        if (body.has("id") && body.has("session_id") && !body.get("id").equals(body.get("session_id")))
            throw ApiException.badRequest("session_id: differs from id; give one of them");
        if (!RequestFields.absent(idNode)) {
            if (!idNode.isTextual()) throw ApiException.badRequest("id: must be a string");
            id = checkId(idNode.asText());
        }
        String mode = "full";
        JsonNode m = body.get("mode");
        if (!RequestFields.absent(m)) {
            if (!m.isTextual() || !MODES.contains(m.asText().toLowerCase(Locale.ROOT)))
                throw ApiException.badRequest("mode: must be one of full, nft, multifunction (got " + RequestFields.shown(m) + ")");
            mode = m.asText().toLowerCase(Locale.ROOT);
        }
        int maxFunctions = (int) intField(body, "max_functions", SessionConfig.DEFAULT_MAX_FUNCTIONS, 1, 1000);
        int maxTracked = (int) intField(body, "max_tracked_skbs", SessionConfig.DEFAULT_MAX_TRACKED_SKBS, 1, 10_000_000);
        int packetHistory = (int) intField(body, "packet_history", SessionConfig.DEFAULT_PACKET_HISTORY, 0, 1_000_000);
        ObjectNode filterJson = NODES.objectNode();
        PacketFilter filter = PacketFilter.ANY;
        JsonNode f = body.get("filter");
        if (!RequestFields.absent(f)) {
            if (!f.isObject()) throw ApiException.badRequest("filter: must be an object like {\"protocol\":\"tcp\",\"dport\":443}");
            filterJson = ((ObjectNode) f).deepCopy();
            filter = parseFilter(filterJson);
        }
        JsonNode s = body.get("source");
        ObjectNode sourceJson;
        if (RequestFields.absent(s)) {
            sourceJson = NODES.objectNode().put("kind", "live");
        } else if (s.isTextual()) {
            sourceJson = NODES.objectNode().put("kind", s.asText());
        } else if (s.isObject()) {
            sourceJson = ((ObjectNode) s).deepCopy();
        } else {
            throw ApiException.badRequest("source: must be an object like {\"kind\":\"synthetic\"}");
        }
        SourceSpec source = parseSource(sourceJson);
        boolean record = true;
        JsonNode r = body.get("record");
        if (!RequestFields.absent(r)) {
            if (!r.isBoolean()) throw ApiException.badRequest("record: must be true or false");
            record = r.asBoolean();
        }
        int idle = (int) intField(body, "idle_timeout_ms", (int) SessionConfig.DEFAULT_IDLE_TIMEOUT_MS,
                (int) SessionConfig.MIN_TIMEOUT_MS, (int) SessionConfig.MAX_TIMEOUT_MS);
        int socket = (int) intField(body, "socket_timeout_ms", (int) SessionConfig.DEFAULT_SOCKET_TIMEOUT_MS,
                (int) SessionConfig.MIN_TIMEOUT_MS, (int) SessionConfig.MAX_TIMEOUT_MS);
        return new SessionSpec(id, mode, maxFunctions, maxTracked, filter, filterJson, source, sourceJson, record, packetHistory, idle, socket);
    }

    private static long intField(JsonNode obj, String name, long dflt, long min, long max) {
        JsonNode n = obj.get(name);
        return RequestFields.absent(n) ? dflt : RequestFields.integer(n, name, min, max);
    }

    static PacketFilter parseFilter(ObjectNode f) {
        RequestFields.onlyKnown(f, "filter.", FILTER_FIELDS, "a filter");
        if (f.has("protocol") && f.has("proto")) throw ApiException.badRequest("filter.proto: give protocol or proto, not both");
        String proto = null;
        String protoField = f.has("protocol") ? "filter.protocol" : "filter.proto";
        JsonNode p = f.has("protocol") ? f.get("protocol") : f.get("proto");
        if (!RequestFields.absent(p)) {
            if (p.isIntegralNumber()) proto = RequestFields.integer(p, protoField, 0, 255) + "";
            else if (p.isTextual()) proto = p.asText();
            else throw ApiException.badRequest(protoField + ": must be tcp, udp, icmp, icmpv6, sctp or a number 0..255");
            try {
                PacketFilter.protoNumber(proto);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(protoField + ": must be tcp, udp, icmp, icmpv6, sctp or a number 0..255 (got "
                        + RequestFields.shown(p) + ")");
            }
        }
        Integer sport = port(f, "sport"), dport = port(f, "dport"), port = port(f, "port");
        Integer ifindex = null;
        JsonNode i = f.get("ifindex");
        if (!RequestFields.absent(i)) ifindex = (int) RequestFields.integer(i, "filter.ifindex", 1, Integer.MAX_VALUE);
        Long netns = null;
        JsonNode n = f.get("netns");
        // a namespace inode number is a u64; kept as its 64 bits
        if (!RequestFields.absent(n)) netns = RequestFields.integer(n, "filter.netns", BigInteger.ZERO, U64_MAX).longValue();
        try {
            return new PacketFilter(proto, cidr(f, "src"), cidr(f, "dst"), cidr(f, "host"), sport, dport, port, ifindex, netns);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("filter: " + e.getMessage());
        }
    }

    private static Integer port(JsonNode f, String name) {
        JsonNode n = f.get(name);
        return RequestFields.absent(n) ? null : (int) RequestFields.integer(n, "filter." + name, 0, 65535);
    }

    private static Cidr cidr(JsonNode f, String name) {
        JsonNode n = f.get(name);
        if (RequestFields.absent(n)) return null;
        if (!n.isTextual()) throw ApiException.badRequest("filter." + name + ": must be an address or CIDR string like \"10.0.0.0/8\" (got " + RequestFields.shown(n) + ")");
        try {
            return Cidr.parse(n.asText());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("filter." + name + ": " + e.getMessage() + " (numeric IPv4/IPv6 addresses and prefixes only; names are never looked up)");
        }
    }

    private SourceSpec parseSource(ObjectNode s) {
        JsonNode k = s.get("kind");
        if (!RequestFields.absent(k) && !k.isTextual()) throw ApiException.badRequest("source.kind: must be live, replay or synthetic");
        String kind = RequestFields.absent(k) ? "live" : k.asText();
        switch (kind) {
            case "live" -> {
                RequestFields.onlyKnown(s, "source.", LIVE_FIELDS, "a live source");
                s.put("kind", "live");
                return new SourceSpec.Live();
            }
            case "replay" -> {
                RequestFields.onlyKnown(s, "source.", REPLAY_FIELDS, "a replay source");
                JsonNode p = s.get("path");
                if (RequestFields.absent(p) || !p.isTextual() || p.asText().isBlank())
                    throw ApiException.badRequest("source.path: a recording path is required for replay");
                double speed = numField(s, "speed", 1.0, 0, 10_000);
                Path resolved;
                try {
                    resolved = recordings.resolve(p.asText());
                } catch (RecordingPaths.Refused e) {
                    throw ApiException.badRequest("source.path: " + e.getMessage() + " (got " + Echo.of(p.asText()) + ")");
                }
                s.put("speed", speed);
                return new SourceSpec.Replay(p.asText(), resolved, speed);
            }
            case "synthetic" -> {
                RequestFields.onlyKnown(s, "source.", SYNTHETIC_FIELDS, "a synthetic source");
                double rate = numField(s, "rate", 1000, 0.001, 10_000_000);
                JsonNode seedNode = s.get("seed");
                long seed = RequestFields.absent(seedNode) ? 1 : RequestFields.integer(seedNode, "source.seed", 0, MAX_SEED);
                double drop = numField(s, "drop_share", 0.05, 0, 1);
                s.put("rate", rate).put("seed", seed).put("drop_share", drop);
                return new SourceSpec.Synthetic(rate, seed, drop);
            }
            default -> throw ApiException.badRequest("source.kind: must be live, replay or synthetic (got " + Echo.of(kind) + ")");
        }
    }

    private static double numField(JsonNode obj, String name, double dflt, double min, double max) {
        JsonNode n = obj.get(name);
        return RequestFields.absent(n) ? dflt : RequestFields.number(n, "source." + name, min, max);
    }
}

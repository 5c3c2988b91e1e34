package dev.skbscope.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.server.ApiException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a session request body into a {@link SessionSpec}, or an {@link ApiException} (400) whose
 * message names the offending field. Stateless and thread-safe.
 */
public final class SessionSpecParser {
    public static final Set<String> MODES = Set.of("full", "nft", "multifunction");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Set<String> FILTER_KEYS = Set.of("protocol", "proto", "src", "dst", "host", "sport", "dport",
            "port", "ifindex", "netns");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final List<Path> recordingDirs;

    /** @param recordingDirs directories replay paths may resolve into; the first is where relative paths are looked up first */
    public SessionSpecParser(List<Path> recordingDirs) {
        this.recordingDirs = List.copyOf(recordingDirs);
    }

    /** Validates a session id given by a client. */
    public static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches() || id.contains(".."))
            throw ApiException.badRequest("id: must be 1-64 characters of letters, digits, '_', '-', '.' (got " + quote(id) + ")");
        return id;
    }

    /**
     * @param body      the request JSON (null or empty object: all defaults)
     * @param defaultId the id to use when the body names none
     */
    public SessionSpec parse(JsonNode body, String defaultId) {
        if (body == null || body.isNull() || body.isMissingNode()) body = NODES.objectNode();
        if (!body.isObject()) throw ApiException.badRequest("body: must be a JSON object");
        String id = defaultId;
        JsonNode idNode = body.has("id") ? body.get("id") : body.get("session_id");
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isTextual()) throw ApiException.badRequest("id: must be a string");
            id = checkId(idNode.asText());
        }
        String mode = "full";
        JsonNode m = body.get("mode");
        if (m != null && !m.isNull()) {
            if (!m.isTextual() || !MODES.contains(m.asText().toLowerCase(Locale.ROOT)))
                throw ApiException.badRequest("mode: must be one of full, nft, multifunction (got " + m + ")");
            mode = m.asText().toLowerCase(Locale.ROOT);
        }
        int maxFunctions = intField(body, "max_functions", SessionConfig.DEFAULT_MAX_FUNCTIONS, 1, 1000);
        int maxTracked = intField(body, "max_tracked_skbs", SessionConfig.DEFAULT_MAX_TRACKED_SKBS, 1, 10_000_000);
        int packetHistory = intField(body, "packet_history", SessionConfig.DEFAULT_PACKET_HISTORY, 0, 1_000_000);
        ObjectNode filterJson = NODES.objectNode();
        PacketFilter filter = PacketFilter.ANY;
        JsonNode f = body.get("filter");
        if (f != null && !f.isNull()) {
            if (!f.isObject()) throw ApiException.badRequest("filter: must be an object");
            filterJson = ((ObjectNode) f).deepCopy();
            filter = parseFilter(filterJson);
        }
        JsonNode s = body.get("source");
        ObjectNode sourceJson;
        if (s == null || s.isNull()) {
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
        if (r != null && !r.isNull()) {
            if (!r.isBoolean()) throw ApiException.badRequest("record: must be true or false");
            record = r.asBoolean();
        }
        return new SessionSpec(id, mode, maxFunctions, maxTracked, filter, filterJson, source, sourceJson, record, packetHistory);
    }

    private static int intField(JsonNode body, String name, int dflt, int min, int max) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return dflt;
        if (!n.canConvertToInt() || !(n.isIntegralNumber() || (n.isNumber() && n.asDouble() == Math.rint(n.asDouble()))))
            throw ApiException.badRequest(name + ": must be an integer within " + min + ".." + max + " (got " + n + ")");
        int v = n.asInt();
        if (v < min || v > max) throw ApiException.badRequest(name + ": must be within " + min + ".." + max + " (got " + v + ")");
        return v;
    }

    private static double numField(JsonNode obj, String prefix, String name, double dflt, double min, double max) {
        JsonNode n = obj.get(name);
        if (n == null || n.isNull()) return dflt;
        if (!n.isNumber()) throw ApiException.badRequest(prefix + name + ": must be a number (got " + n + ")");
        double v = n.asDouble();
        if (!(v >= min && v <= max)) throw ApiException.badRequest(prefix + name + ": must be within " + min + ".." + max + " (got " + n + ")");
        return v;
    }

    static PacketFilter parseFilter(ObjectNode f) {
        for (Iterator<String> it = f.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!FILTER_KEYS.contains(k))
                throw ApiException.badRequest("filter." + k + ": unknown filter field (known: protocol, src, dst, host, sport, dport, port, ifindex, netns)");
        }
        String proto = null;
        JsonNode p = f.has("protocol") ? f.get("protocol") : f.get("proto");
        if (p != null && !p.isNull()) {
            proto = p.asText();
            try {
                PacketFilter.protoNumber(proto);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("filter.protocol: " + e.getMessage());
            }
        }
        Integer sport = port(f, "sport"), dport = port(f, "dport"), port = port(f, "port");
        Integer ifindex = null;
        JsonNode i = f.get("ifindex");
        if (i != null && !i.isNull()) {
            if (!i.canConvertToInt() || !i.isIntegralNumber() || i.asInt() <= 0)
                throw ApiException.badRequest("filter.ifindex: must be a positive integer (got " + i + ")");
            ifindex = i.asInt();
        }
        Long netns = null;
        JsonNode n = f.get("netns");
        if (n != null && !n.isNull()) {
            if (!n.isIntegralNumber() || n.asLong() < 0)
                throw ApiException.badRequest("filter.netns: must be a namespace inode number (got " + n + ")");
            netns = n.asLong();
        }
        try {
            return new PacketFilter(proto, cidr(f, "src"), cidr(f, "dst"), cidr(f, "host"), sport, dport, port, ifindex, netns);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("filter: " + e.getMessage());
        }
    }

    private static Integer port(JsonNode f, String name) {
        JsonNode n = f.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || n.asInt() < 0 || n.asInt() > 65535)
            throw ApiException.badRequest("filter." + name + ": must be a port number 0..65535 (got " + n + ")");
        return n.asInt();
    }

    private static Cidr cidr(JsonNode f, String name) {
        JsonNode n = f.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw ApiException.badRequest("filter." + name + ": must be an address or CIDR string (got " + n + ")");
        try {
            return Cidr.parse(n.asText());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("filter." + name + ": " + e.getMessage());
        }
    }

    private SourceSpec parseSource(ObjectNode s) {
        JsonNode k = s.get("kind");
        String kind = k == null || k.isNull() ? "live" : k.asText();
        switch (kind) {
            case "live" -> {
                s.put("kind", "live");
                return new SourceSpec.Live();
            }
            case "replay" -> {
                JsonNode p = s.get("path");
                if (p == null || !p.isTextual() || p.asText().isBlank())
                    throw ApiException.badRequest("source.path: a recording path is required for replay");
                double speed = numField(s, "source.", "speed", 1.0, 0, 10_000);
                Path resolved = resolveRecording(p.asText());
                s.put("speed", speed);
                return new SourceSpec.Replay(p.asText(), resolved, speed);
            }
            case "synthetic" -> {
                double rate = numField(s, "source.", "rate", 1000, 0.001, 10_000_000);
                JsonNode seedNode = s.get("seed");
                long seed = 1;
                if (seedNode != null && !seedNode.isNull()) {
                    if (!seedNode.isIntegralNumber()) throw ApiException.badRequest("source.seed: must be an integer (got " + seedNode + ")");
                    seed = seedNode.asLong();
                }
                double drop = numField(s, "source.", "drop_share", 0.05, 0, 1);
                s.put("rate", rate).put("seed", seed).put("drop_share", drop);
                return new SourceSpec.Synthetic(rate, seed, drop);
            }
            default -> throw ApiException.badRequest("source.kind: must be live, replay or synthetic (got " + quote(kind) + ")");
        }
    }

    /** Resolves a replay path inside the allowed directories; never follows a path out of them. */
    Path resolveRecording(String given) {
        Path p;
        try {
            p = Path.of(given);
        } catch (InvalidPathException e) {
            throw ApiException.badRequest("source.path: not a valid path: " + quote(given));
        }
        for (Path part : p) {
            if (part.toString().equals(".."))
                throw ApiException.badRequest("source.path: must not contain '..' (recordings are read only from the data dir's recordings/ or --allow-dir directories)");
        }
        List<Path> candidates = new ArrayList<>();
        if (p.isAbsolute()) candidates.add(p);
        else for (Path d : recordingDirs) candidates.add(d.resolve(p));
        for (Path c : candidates) {
            if (!Files.isRegularFile(c)) continue;
            Path real;
            try {
                real = c.toRealPath();
            } catch (IOException e) {
                continue;
            }
            for (Path d : recordingDirs) {
                try {
                    if (Files.isDirectory(d) && real.startsWith(d.toRealPath())) return real;
                } catch (IOException ignored) {
                    // an allowed dir that vanished allows nothing
                }
            }
            if (p.isAbsolute()) break;
        }
        if (p.isAbsolute())
            throw ApiException.badRequest("source.path: " + given + " is not a file inside the allowed recording directories " + recordingDirs);
        throw ApiException.badRequest("source.path: no recording " + quote(given) + " in " + recordingDirs);
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}

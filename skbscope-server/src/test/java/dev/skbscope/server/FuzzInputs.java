package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Seeded generator of hostile inputs for {@link RequestFuzzTest}: valid request bodies and Socket.IO
 * frames mutated the ways careless clients and attackers send them (wrong types, boundary and
 * overflowing numbers, name-like addresses, unknown and misspelt fields, duplicate keys, truncation,
 * trailing bytes, stray and invalid UTF-8 bytes, deep nesting, huge values). The same seed gives the
 * same inputs. Used from one test thread.
 */
final class FuzzInputs {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Never named in a path and never deleted: the session whose stats must be unaffected. */
    static final String VICTIM = "fuzz_victim";

    static final String[] NUMBERS = {"0", "-1", "1", "65535", "65536", "-65536", "2147483647", "2147483648",
            "4294967419", "-4294967216", "9007199254740993", "18446744073709551621", "-9223372036854775809", "1e23",
            "1e400", "-1e400", "1e-400", "0.5", "-0.0", "1.0", "1E+2", "86400.0001", "1000000000000000.1",
            "123456789012345678901234567890123456789"};
    static final String[] STRINGS = {"", "a", "../../etc/passwd", "/etc/passwd", "\u0000", "%00", "cafe", "abc", "dead.beef",
            "127.1", "1.2.3", "::/-0", "256.1.1.1", "999.0.0.0", "0x7f.0.0.1", "010.0.0.1", "localhost", "10.0.0.0/8",
            "10.0.0.1/8", "::1", "fe80::1%eth0", "é", "\uD83D\uDE00", "<script>alert(1)</script>", "${jndi:ldap://x/a}",
            "1m30s", "-5s", "99999999999999999999d", "NaN", "Infinity", "true", "null", "session_1", "fz1", VICTIM,
            "tcp", "udp", "icmpv6", "live", "replay", "synthetic", "nft", "multifunction", "drop_rate", "node_p99_us",
            "nic_rx", ">=", "!=", "critical", "prometheus", "reset", "tiny.jsonl", "../data/recordings/tiny.jsonl"};
    static final String[] FIELD_NAMES = {"id", "session_id", "mode", "max_functions", "max_tracked_skbs", "filter",
            "source", "record", "protocol", "proto", "src", "dst", "host", "sport", "dport", "port", "ifindex", "netns",
            "kind", "path", "speed", "rate", "seed", "drop_share", "name", "title", "expression", "comparison",
            "threshold", "for", "keep_firing_for", "severity", "node", "hook", "reason", "enabled", "rules", "session",
            "active", "history", "max_tracked_skb", "__proto__", "constructor", ""};

    final Random rnd;

    FuzzInputs(long seed) {
        rnd = new Random(seed);
    }

    <T> T pick(T[] a) { return a[rnd.nextInt(a.length)]; }

    <T> T pick(List<T> a) { return a.get(rnd.nextInt(a.size())); }

    String longString(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) b.append((char) ('a' + rnd.nextInt(26)));
        return b.toString();
    }

    /** A JSON value of any kind, sometimes large or deep. */
    JsonNode value(int depth) {
        switch (rnd.nextInt(depth > 2 ? 6 : 9)) {
            case 0: return NODES.numberNode(new BigDecimal(pick(NUMBERS)));
            case 1: return NODES.textNode(pick(STRINGS));
            case 2: return NODES.textNode(rnd.nextInt(4) == 0 ? longString(5000 + rnd.nextInt(60_000)) : longString(1 + rnd.nextInt(80)));
            case 3: return rnd.nextBoolean() ? NODES.booleanNode(rnd.nextBoolean()) : NODES.nullNode();
            case 4: return NODES.numberNode(rnd.nextInt(3) == 0 ? BigInteger.valueOf(rnd.nextLong()) : BigInteger.valueOf(rnd.nextInt(70_000) - 2));
            case 5: return NODES.numberNode(rnd.nextGaussian() * Math.pow(10, rnd.nextInt(30) - 10));
            case 6: {
                ArrayNode a = NODES.arrayNode();
                for (int i = rnd.nextInt(4); i > 0; i--) a.add(value(depth + 1));
                return a;
            }
            case 7: {
                ObjectNode o = NODES.objectNode();
                for (int i = rnd.nextInt(4); i > 0; i--) o.set(pick(FIELD_NAMES), value(depth + 1));
                return o;
            }
            default: return NODES.textNode(pick(STRINGS) + pick(STRINGS));
        }
    }

    /** A misspelling of a name: a letter dropped, doubled, swapped or replaced, or a case change. */
    String typo(String name) {
        if (name.length() < 2) return name + "x";
        int i = rnd.nextInt(name.length() - 1);
        return switch (rnd.nextInt(5)) {
            case 0 -> name.substring(0, i) + name.substring(i + 1);
            case 1 -> name.substring(0, i) + name.charAt(i) + name.substring(i);
            case 2 -> name.substring(0, i) + name.charAt(i + 1) + name.charAt(i) + name.substring(i + 2);
            case 3 -> name.substring(0, i) + (char) ('a' + rnd.nextInt(26)) + name.substring(i + 1);
            default -> name.toUpperCase(java.util.Locale.ROOT);
        };
    }

    /** {@code seed} with one to three structural changes (values, fields, types), possibly none. */
    JsonNode mutateTree(JsonNode seed) {
        JsonNode root = seed.deepCopy();
        int n = rnd.nextInt(4);
        for (int k = 0; k < n; k++) {
            List<JsonNode> containers = new ArrayList<>();
            collect(root, containers);
            JsonNode c = pick(containers);
            if (c instanceof ObjectNode o) {
                List<String> names = new ArrayList<>();
                o.fieldNames().forEachRemaining(names::add);
                String f = names.isEmpty() ? pick(FIELD_NAMES) : pick(names);
                switch (rnd.nextInt(5)) {
                    case 0 -> o.set(f, value(0));
                    case 1 -> o.remove(f);
                    case 2 -> o.set(typo(f), o.has(f) ? o.get(f) : value(0));
                    case 3 -> o.set(rnd.nextBoolean() ? pick(FIELD_NAMES) : longString(1 + rnd.nextInt(30)), value(0));
                    default -> { if (o.has(f)) o.set(f, retype(o.get(f))); }
                }
            } else if (c instanceof ArrayNode a) {
                if (a.isEmpty() || rnd.nextBoolean()) a.add(value(0));
                else a.set(rnd.nextInt(a.size()), value(0));
            }
        }
        if (rnd.nextInt(20) == 0) return value(0);
        return root;
    }

    private JsonNode retype(JsonNode v) {
        if (v.isNumber()) return rnd.nextBoolean() ? NODES.textNode(v.asText()) : NODES.numberNode(new BigDecimal(pick(NUMBERS)));
        if (v.isTextual()) return rnd.nextBoolean() ? NODES.arrayNode().add(v) : NODES.numberNode(rnd.nextInt());
        if (v.isObject()) return NODES.arrayNode().add(v);
        return NODES.objectNode().set("value", v);
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isContainerNode()) out.add(n);
        for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) collect(it.next(), out);
    }

    /** The JSON text of {@code tree}, then sometimes damaged byte by byte. */
    byte[] bytes(JsonNode tree) {
        byte[] b;
        try {
            b = ServerJson.MAPPER.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rnd.nextInt(3) == 0 ? damage(b) : b;
    }

    /** One byte-level change: truncation, stray or invalid bytes, trailing data, duplicate keys, nesting, noise. */
    byte[] damage(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (rnd.nextInt(11)) {
            case 0 -> out.write(b, 0, b.length == 0 ? 0 : rnd.nextInt(b.length));
            case 1, 2 -> {
                int at = b.length == 0 ? 0 : rnd.nextInt(b.length);
                out.write(b, 0, at);
                out.write(rnd.nextInt(256));
                out.write(b, at, b.length - at);
            }
            case 3 -> {
                byte[] c = b.clone();
                if (c.length > 0) c[rnd.nextInt(c.length)] = (byte) rnd.nextInt(256);
                out.writeBytes(c);
            }
            case 4 -> {
                out.writeBytes(b);
                out.writeBytes(pick(new String[] {" garbage", "{}", "]", "\u0000", ",", "\n\n{\"mode\":\"nft\"}", "}", "\r\n", " 1", "\"x\""})
                        .getBytes(StandardCharsets.UTF_8));
            }
            case 5 -> {
                String s = new String(b, StandardCharsets.UTF_8);
                int brace = s.indexOf('{');
                if (brace >= 0 && s.length() > brace + 1 && s.charAt(brace + 1) == '"') {
                    int colon = s.indexOf(':', brace);
                    int comma = s.indexOf(',', colon);
                    if (colon > 0 && comma > colon) s = s.substring(0, comma + 1) + s.substring(brace + 1, comma + 1) + s.substring(comma + 1);
                }
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            }
            case 6 -> {
                int depth = pick(new Integer[] {31, 32, 33, 100, 5000, 200_000});
                out.writeBytes("[".repeat(depth).getBytes(StandardCharsets.US_ASCII));
                if (rnd.nextBoolean()) out.writeBytes("]".repeat(depth).getBytes(StandardCharsets.US_ASCII));
            }
            case 7 -> {
                byte[] r = new byte[rnd.nextInt(200)];
                rnd.nextBytes(r);
                out.writeBytes(r);
            }
            case 8 -> {
                out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
                out.writeBytes(b);
            }
            case 9 -> {
                out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFE});
                out.writeBytes(b);
            }
            default -> out.writeBytes(new String(b, StandardCharsets.UTF_8).replace("\"", "'").getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** A path segment: ids and names that exist, do not, or are hostile (never {@link #VICTIM}). */
    String segment() {
        String s = pick(new String[] {"session_1", "session_2", "fz1", "fz2", "nope", "high_drop_rate", "critical_drop_rate",
                "fz_rule", "prometheus", "reset", "realtime", "..", "%2e%2e", "a%00b", "%ff", "%c0%af", "x".repeat(70),
                "a.b", "a-b", "A", "0", "-1", "%20", "%2F", "~root", "session_1%3Bx"});
        if (rnd.nextInt(8) == 0) s = enc(pick(STRINGS));
        return s.equals(VICTIM) ? "nope" : s;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A query string of parameters the routes read, with hostile values. */
    String query(String... names) {
        StringBuilder q = new StringBuilder();
        for (String n : names) {
            if (rnd.nextInt(3) == 0) continue;
            q.append(q.isEmpty() ? "?" : "&").append(n).append('=');
            q.append(enc(rnd.nextBoolean() ? pick(STRINGS) : rnd.nextBoolean() ? pick(NUMBERS) : pick(new String[] {
                    "-15m", "-1h", "now", "2025-01-31T12:00:00Z", "1s", "0s", "30s", "5m", "1", "100", "10001", "firing",
                    "pending", "packets_per_second,drops_per_second", "x,y,z", "true", "false", "-99999999999h"})));
        }
        return q.toString();
    }

    // Socket.IO

    static final String[] FRAMES = {"40", "40{\"token\":\"x\"}", "40{}", "41", "42[\"join_session\",{\"session_id\":\"fuzz_victim\"}]",
            "42[\"join_session\",{\"session_id\":\"session_1\"}]", "42[\"join_session\",\"fz1\"]", "42[\"join_session\"]",
            "42[\"leave_session\",{\"session_id\":\"fuzz_victim\"}]", "42[\"leave_session\",{\"session_id\":\"nope\"}]",
            "42[\"join_alerts\"]", "42[\"leave_alerts\"]", "421[\"join_session\",{\"session_id\":\"x\"}]", "43[]", "431[]",
            "44{\"message\":\"x\"}", "451-[\"join_session\",{\"_placeholder\":true,\"num\":0}]", "461-[]", "40/admin,",
            "42/admin,[\"join_session\",{}]", "42[\"unknown_event\",1,2,3]", "42[]", "42{}", "42\"x\"", "2", "3", "2probe",
            "3probe", "5", "6", "1", "4", "0", "7", "b40", "bAQID", "4{\"x\":1}"};

    /** One Socket.IO / engine.io text packet: a valid one, mutated, or hostile outright. */
    String frame() {
        String f = pick(FRAMES);
        switch (rnd.nextInt(12)) {
            case 0, 1, 2: return f;
            case 3: return f.isEmpty() ? f : f.substring(0, rnd.nextInt(f.length()));
            case 4: {
                int at = rnd.nextInt(f.length() + 1);
                return f.substring(0, at) + (char) rnd.nextInt(0x3000) + f.substring(at);
            }
            case 5: {
                JsonNode payload = mutateTree(NODES.arrayNode().add(pick(new String[] {"join_session", "leave_session", "join_alerts", "x"}))
                        .add(NODES.objectNode().put("session_id", pick(STRINGS))));
                String prefix = pick(new String[] {"42", "421", "4299999999999999999999", "43", "42/admin,", "45-1-", "452-", "4"});
                return prefix + new String(bytes(payload), StandardCharsets.UTF_8);
            }
            case 6: return "42[\"join_session\",{\"session_id\":\"" + longString(1000 + rnd.nextInt(100_000)) + "\"}]";
            case 7: {
                int depth = pick(new Integer[] {100, 5000, 50_000, 400_000});
                return "42[\"join_session\"," + "[".repeat(depth) + "]".repeat(depth) + "]";
            }
            case 8: {
                int depth = pick(new Integer[] {100, 5000, 50_000, 400_000});
                return "42[\"join_session\"," + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "]";
            }
            case 9: {
                StringBuilder b = new StringBuilder();
                for (int i = rnd.nextInt(60); i > 0; i--) b.append((char) rnd.nextInt(0x80));
                return b.toString();
            }
            case 10: return (char) ('0' + rnd.nextInt(10)) + pick(STRINGS);
            default: return f + f;
        }
    }

    /** A long-polling POST body: one to four packets separated by the record separator, or noise. */
    byte[] pollingPayload() {
        if (rnd.nextInt(10) == 0) {
            byte[] r = new byte[rnd.nextInt(300)];
            rnd.nextBytes(r);
            return r;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 1 + rnd.nextInt(4); i > 0; i--) {
            if (!b.isEmpty()) b.append(rnd.nextInt(10) == 0 ? "\u001e\u001e" : "\u001e");
            b.append(frame());
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}

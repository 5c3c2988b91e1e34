package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.TraceEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.skbscope.sources.recording.Recordings.fields;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: for any line, the byte-level fast path of {@link PipelineDecoder} gives what the
 * Jackson path gives (the same result, the same fields, the same reason for a bad line). Lines
 * come from a seeded generator: pipeline-trace objects with every known key, values of every JSON
 * type (valid and invalid for the key), unknown keys, odd whitespace and number forms, then
 * mutations (a byte deleted, inserted, replaced or duplicated, the line cut short). Set
 * {@code -Dskbscope.fastpath.seed=N} to replay a run; a failure prints its seed and line.
 */
class FastPathPropertyTest {
    private static final int LINES = 30_000;
    private static final String[] KEYS = {"ts_ns", "probe", "skb", "hook", "verdict", "drop_reason", "ifindex", "len", "cpu",
            "pid", "netns", "proto", "src", "dst", "sport", "dport", "tcp_flags", "table", "chain", "rule_handle", "trace_id",
            "format", "weight", "unknown", "x"};
    private static final String[] WORDS = {"ip_rcv", "nft_trace", "consume_skb", "kfree_skb", "PREROUTING", "input", "Drop",
            "ACCEPT", "NONE", "accept", "SKB_DROP_REASON_NETFILTER_DROP", "NO_SOCKET", "tcp", "udp", "icmp", "icmpv6", "icmp6",
            "sctp", "TCP", "gre", "198.18.0.1", "255.255.255.255", "256.1.1.1", "1.2.3", "01.2.3.4", "2001:db8::1", "::1",
            "0x1", "0xffff888100000000", "0X1f", "0x", "0x10000000000000000", "0xg", "filter", "", " ", "caf\u00e9", "a\\\"b",
            "\\u0041", "a\\nb", "pipeline-trace"};
    private static final String[] NUMBERS = {"0", "1", "-1", "7", "65535", "65536", "2147483647", "2147483648", "4294967295",
            "4294967296", "-2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "999999999999999999",
            "1000000000000000000", "-0", "007", "1.5", "1e3", "1E3", "-", "0.0", "123456789012345678901"};
    private static final String MUTATION_BYTES = "{}[]\",:\\ \t-0123456789.eEaxnultrf\u00e9";

    @Test
    void fastAndJacksonPathsAgreeOnGeneratedAndMutatedLines() {
        long seed = Long.getLong("skbscope.fastpath.seed", 0x5eed_14L);
        SplittableRandom rnd = new SplittableRandom(seed);
        PipelineDecoder fast = new PipelineDecoder();
        PipelineDecoder slow = new PipelineDecoder();
        slow.fastPath = false;
        int events = 0, bad = 0;
        for (int i = 0; i < LINES; i++) {
            String line = line(rnd);
            if (rnd.nextInt(3) == 0) line = mutate(rnd, line);
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            TraceEvent a = new TraceEvent(), c = new TraceEvent();
            int ra = fast.decode(b, 0, b.length, i + 1, a);
            int rc = slow.decode(b, 0, b.length, i + 1, c);
            if (ra != rc || (ra == JsonLineDecoder.EVENT ? !fields(a).equals(fields(c)) : !fast.reason().equals(slow.reason()))) {
                String where = "seed " + seed + ", line " + i + ": " + line;
                assertThat(ra).as(where).isEqualTo(rc);
                if (ra == JsonLineDecoder.EVENT) assertThat(fields(a)).as(where).isEqualTo(fields(c));
                else assertThat(fast.reason()).as(where).isEqualTo(slow.reason());
            }
            if (ra == JsonLineDecoder.EVENT) events++;
            else bad++;
        }
        // the generator must exercise both outcomes in earnest, or the property says little
        assertThat(events).as("lines decoded as events").isGreaterThan(LINES / 20);
        assertThat(bad).as("lines rejected").isGreaterThan(LINES / 10);
    }

    /** A flat object: mostly the keys an event needs with plausible values, sometimes anything. */
    private static String line(SplittableRandom r) {
        List<String> fields = new ArrayList<>();
        if (r.nextInt(10) > 0) fields.add(kv(r, "ts_ns", r.nextInt(8) > 0 ? String.valueOf(r.nextLong(0, 1L << 62)) : value(r)));
        if (r.nextInt(10) > 0) fields.add(kv(r, "probe", r.nextInt(5) > 0 ? str(pick(r, "ip_rcv", "nft_trace", "consume_skb", "tcp_v4_rcv")) : value(r)));
        if (r.nextInt(5) > 0) fields.add(kv(r, "skb", r.nextInt(4) > 0 ? str("0x" + Long.toHexString(r.nextLong())) : value(r)));
        int extra = r.nextInt(6);
        for (int i = 0; i < extra; i++) fields.add(kv(r, KEYS[r.nextInt(KEYS.length)], value(r)));
        java.util.Collections.shuffle(fields, new java.util.Random(r.nextLong()));
        StringBuilder sb = new StringBuilder(ws(r)).append('{').append(ws(r));
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) sb.append(ws(r)).append(',').append(ws(r));
            sb.append(fields.get(i));
        }
        return sb.append(ws(r)).append('}').append(ws(r)).toString();
    }

    private static String kv(SplittableRandom r, String key, String value) {
        return str(key) + ws(r) + ':' + ws(r) + value;
    }

    private static String value(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0, 1, 2 -> str(WORDS[r.nextInt(WORDS.length)]);
            case 3, 4 -> NUMBERS[r.nextInt(NUMBERS.length)];
            case 5 -> String.valueOf(r.nextLong());
            case 6 -> pick(r, "null", "true", "false", "[]", "{}", "[1,2]", "{\"a\":1}", "nul", "tru");
            default -> String.valueOf(r.nextInt(0, 300));
        };
    }

    private static String mutate(SplittableRandom r, String s) {
        if (s.isEmpty()) return s;
        int at = r.nextInt(s.length());
        char c = MUTATION_BYTES.charAt(r.nextInt(MUTATION_BYTES.length()));
        return switch (r.nextInt(5)) {
            case 0 -> s.substring(0, at) + s.substring(at + 1);
            case 1 -> s.substring(0, at) + c + s.substring(at);
            case 2 -> s.substring(0, at) + c + s.substring(at + 1);
            case 3 -> s.substring(0, at) + s.charAt(at) + s.substring(at);
            default -> s.substring(0, at);
        };
    }

    private static String ws(SplittableRandom r) {
        return switch (r.nextInt(12)) {
            case 0 -> " ";
            case 1 -> "\t";
            case 2 -> " \r ";
            default -> "";
        };
    }

    private static String str(String s) { return '"' + s + '"'; }

    private static String pick(SplittableRandom r, String... options) { return options[r.nextInt(options.length)]; }
}

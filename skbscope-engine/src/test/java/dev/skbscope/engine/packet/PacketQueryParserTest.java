package dev.skbscope.engine.packet;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.event.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketQueryParserTest {

    private static PacketQueryParser.Request parse(String... kv) {
        Map<String, List<String>> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], List.of(kv[i + 1]));
        return PacketQueryParser.parse(m, Set.of("token"));
    }

    @Test
    void everyFilterParses() {
        PacketQueryParser.Request r = parse("src", "10.0.0.0/8", "dst", "2001:db8::1", "host", "192.168.1.1",
                "sport", "1", "dport", "65535", "port", "53", "proto", "udp", "netns", "4026531840", "ifindex", "2",
                "node", "nf_input", "path", "local", "verdict", "drop", "drop_reason", "skb_drop_reason_no_socket",
                "rule_handle", "7", "min_latency_us", "1.5", "max_latency_us", "100", "since", "-30s", "until", "+2.5ms",
                "end", "dropped", "skb", "0xffff888100000500", "limit", "10000", "token", "ignored");
        PacketQuery q = r.query();
        assertThat(q.src().prefixLength()).isEqualTo(8);
        assertThat(q.dst().ipVersion()).isEqualTo(6);
        assertThat(q.proto()).isEqualTo(17);
        assertThat(q.netns()).isEqualTo(4026531840L);
        assertThat(q.node()).isEqualTo(PipelineNode.NF_INPUT);
        assertThat(q.path()).isEqualTo(PipelineNode.Path.LOCAL);
        assertThat(q.verdict()).isEqualTo(Verdict.DROP);
        assertThat(q.dropReason()).isEqualTo("NO_SOCKET");
        assertThat(q.since()).isEqualTo(new PacketQuery.TimeBound(30_000_000_000L, PacketQuery.TimeBound.Anchor.FROM_LAST));
        assertThat(q.until()).isEqualTo(new PacketQuery.TimeBound(2_500_000L, PacketQuery.TimeBound.Anchor.FROM_FIRST));
        assertThat(q.end()).isEqualTo(JourneyEnd.DROPPED);
        assertThat(q.skb()).isEqualTo(0xffff888100000500L);
        assertThat(r.limit()).isEqualTo(10_000);
        assertThat(r.before()).isEqualTo(Long.MAX_VALUE);
        assertThat(parse().limit()).isEqualTo(PacketQueryParser.DEFAULT_LIMIT);
        assertThat(parse().query().isAny()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "sport|65536|sport: must be an integer within 0..65535",
            "sport|-1|sport: must be an integer",
            "dport|80x|dport: must be an integer",
            "ifindex|0|ifindex: must be an integer within 1..",
            "netns|4294967296|netns: must be an integer within 0..4294967295",
            "src|example.com|src: ",
            "host|10.0.0.0/33|host: ",
            "dst|cafe|dst: ",
            "proto|tcpx|proto: unknown protocol",
            "node|nic_rxx|node: unknown node",
            "path|sideways|path: must be one of inbound, local, forward, outbound",
            "verdict|MAYBE|verdict: unknown verdict",
            "drop_reason|no socket|drop_reason: must be a drop reason name",
            "rule_handle|abc|rule_handle: must be an integer",
            "min_latency_us|-1|min_latency_us: must be a number",
            "min_latency_us|NaN|min_latency_us: must be a number",
            "max_latency_us|1e400|max_latency_us: must be a number",
            "since|yesterday|since: must be an event time",
            "until|-5 parsecs|until: must be an event time",
            "end|gone|end: must be one of",
            "skb|0xZZ|skb: must be an skb address",
            "limit|0|limit: must be an integer within 1..10000",
            "limit|10001|limit: must be an integer within 1..10000",
            "cursor|bm9wZQ|cursor: not a cursor",
            "cursor|!!!|cursor: not a cursor",
            "colour|red|colour: unknown parameter",
    })
    void badValuesNameTheParameter(String key, String value, String message) {
        assertThatThrownBy(() -> parse(key, value)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }

    @Test
    void aParameterGivenTwiceIsRefused() {
        assertThatThrownBy(() -> PacketQueryParser.parse(Map.of("port", List.of("1", "2")), Set.of()))
                .hasMessage("port: given more than once");
        assertThatThrownBy(() -> parse("sport", "")).hasMessage("sport: empty value");
        assertThatThrownBy(() -> parse("min_latency_us", "5", "max_latency_us", "4"))
                .hasMessage("max_latency_us: must not be below min_latency_us");
    }

    @Test
    void cursorsRoundTrip() {
        String c = PacketQueryParser.cursor(12345);
        assertThat(c).doesNotContain("12345");
        assertThat(parse("cursor", c).before()).isEqualTo(12345);
    }

    @Test
    void packetIdsAreDecimalOrdinals() {
        assertThat(PacketQueryParser.packetId("42")).isEqualTo(42);
        assertThat(PacketQueryParser.packetId("0")).isEqualTo(-1);
        assertThat(PacketQueryParser.packetId("4x")).isEqualTo(-1);
        assertThat(PacketQueryParser.packetId("99999999999999999999")).isEqualTo(-1);
    }
}

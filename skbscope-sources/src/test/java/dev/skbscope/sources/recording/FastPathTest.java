package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.TraceEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static dev.skbscope.sources.recording.Recordings.fields;
import static dev.skbscope.sources.recording.Recordings.resource;
import static org.assertj.core.api.Assertions.assertThat;

/** The byte-level fast path must accept exactly what the Jackson path accepts, with the same fields. */
class FastPathTest {
    private static final String[] LINES = {
        "{\"ts_ns\": 1000000000, \"skb\": \"0xffff888100000000\", \"probe\": \"netif_receive_skb\", \"cpu\": 0, \"len\": 60}",
        "{\"ts_ns\":5,\"skb\":42,\"probe\":\"nf_hook_slow\",\"hook\":\"input\",\"verdict\":\"Drop\",\"drop_reason\":\"SKB_DROP_REASON_NETFILTER_DROP\"}",
        "{\"ts_ns\":5,\"skb\":\"0x1\",\"probe\":\"ip_rcv\",\"proto\":\"udp\",\"src\":\"198.18.0.1\",\"dst\":\"198.19.255.254\",\"sport\":1,\"dport\":65535}",
        "{\"ts_ns\":5,\"skb\":\"0x1\",\"probe\":\"ip_rcv\",\"src\":\"2001:db8::1\"}",
        "{\"ts_ns\":5,\"skb\":\"0x1\",\"probe\":\"ip_rcv\",\"x\":{\"nested\":true},\"y\":[1,2],\"z\":1.5,\"w\":\"a\\\"b\"}",
        "{\"ts_ns\":6,\"probe\":\"nft_trace\",\"trace_id\":9,\"table\":\"filter\",\"chain\":\"input\",\"rule_handle\":3,\"verdict\":\"ACCEPT\"}",
        "{\"ts_ns\":6,\"probe\":\"nft_trace\",\"table\":\"filter\"}",
        "{\"ts_ns\":7,\"skb\":null,\"probe\":\"ip_rcv\"}",
        "{\"ts_ns\":7,\"skb\":true,\"probe\":\"ip_rcv\"}",
        "{\"ts_ns\":7,\"skb\":\"0x1\",\"probe\":\"ip_rcv\",\"proto\":false}",
        "{\"ts_ns\":7,\"skb\":\"0x1\",\"probe\":\"ip_rcv\",\"proto\":47,\"netns\":-1,\"pid\":4294967295}",
        "{\"ts_ns\":7,\"skb\":\"0x1\",\"probe\":\"ip_rcv\",\"cpu\":4294967296}",
        "{\"ts_ns\":007,\"skb\":\"0x1\",\"probe\":\"ip_rcv\"}",
        "{\"ts_ns\":7,\"skb\":\"0x1\",\"probe\":\"ip_rcv\"} x",
        "{\"ts_ns\":7,\"skb\":\"0x1\",\"probe\":\"ip_rcv\",}",
        "{\"ts_ns\":7,\"skb\":\"0x1\",\"probe\":\"ip_rcv\"",
        "{\"ts_ns\":7,\"skb\":\"0x1\",\"probe\":\"\"}",
        "{\"ts_ns\":7,\"skb\":\"0x1\",\"probe\":\"ip_rcv\",\"hook\":\"NONE\"}",
        "{\"ts_ns\":7,\"skb\":\"0x1\",\"probe\":\"caf\u00e9\"}",
        "{}",
        "  {\"ts_ns\" : 8 , \"skb\" : \"0xABCDEF\" , \"probe\" : \"consume_skb\" }  ",
        "{\"ts_ns\":9,\"skb\":\"0x2\",\"probe\":\"net_dev_queue\",\"weight\":32}",
        "{\"ts_ns\":9,\"skb\":\"0x2\",\"probe\":\"net_dev_queue\",\"weight\":0}",
    };

    @Test
    void bothPathsAgreeLineByLine() {
        PipelineDecoder fast = new PipelineDecoder();
        PipelineDecoder slow = new PipelineDecoder();
        slow.fastPath = false;
        int events = 0;
        for (String line : LINES) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            TraceEvent a = new TraceEvent(), c = new TraceEvent();
            int ra = fast.decode(b, 0, b.length, 1, a);
            int rc = slow.decode(b, 0, b.length, 1, c);
            assertThat(ra).as(line).isEqualTo(rc);
            if (ra == JsonLineDecoder.EVENT) {
                events++;
                assertThat(fields(a)).as(line).isEqualTo(fields(c));
            } else {
                assertThat(fast.reason()).as(line).isEqualTo(slow.reason());
            }
        }
        assertThat(events).isEqualTo(10);
    }

    @Test
    void bothPathsAgreeOnTheSpecSample() throws IOException {
        List<String> lines = Files.readAllLines(resource("sample-full.jsonl"));
        PipelineDecoder fast = new PipelineDecoder();
        PipelineDecoder slow = new PipelineDecoder();
        slow.fastPath = false;
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) continue;
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            TraceEvent a = new TraceEvent(), c = new TraceEvent();
            assertThat(fast.decode(b, 0, b.length, 1, a)).isEqualTo(slow.decode(b, 0, b.length, 1, c));
            assertThat(fields(a)).isEqualTo(fields(c));
        }
    }
}

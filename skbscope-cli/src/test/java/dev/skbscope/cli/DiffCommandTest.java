package dev.skbscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code skbscope diff} on synthetic recordings: B differs from A only by a known drop share and a
 * slower node (and its random seed, so every other number differs by chance).
 */
class DiffCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path dir;
    static Path a, a2, b;

    @BeforeAll
    static void recordings() {
        a = synth("a.jsonl.gz", "1", "0.05");
        a2 = synth("a2.jsonl.gz", "2", "0.05");                        // the same traffic model, another seed
        b = synth("b.jsonl.gz", "3", "0.12", "--slow", "conntrack=1.6");
    }

    static Path synth(String name, String seed, String dropShare, String... more) {
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("synth", "--rate", "4000", "--seconds", "5", "--seed", seed,
                "--drop-share", dropShare, "--out", out.toString()));
        args.addAll(List.of(more));
        assertThat(ReplayCommandTest.run(args.toArray(String[]::new)).code()).isZero();
        return out;
    }

    @Test
    void exactlyTheDroppingNodesAndTheSlowerNodeAreSignificant() throws Exception {
        ReplayCommandTest.Result r = ReplayCommandTest.run("diff", a.toString(), b.toString(), "--json");
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        JsonNode c = JSON.readTree(r.out());
        // the synthetic model drops at netfilter INPUT and FORWARD (NETFILTER_DROP) and at UDP (NO_SOCKET)
        assertThat(significant(c)).containsExactlyInAnyOrder("nf_input", "nf_forward", "l4_rx", "conntrack");
        for (JsonNode n : c.path("nodes")) {
            String id = n.path("id").asText();
            if (id.equals("conntrack")) {
                assertThat(n.path("p50_us").path("significant").asBoolean()).isTrue();
                assertThat(n.path("p50_us").path("change").asDouble()).isBetween(0.45, 0.75);
                assertThat(n.path("drop_rate").path("significant").asBoolean()).isFalse();
            } else if (significant(c).contains(id)) {
                assertThat(n.path("drop_rate").path("significant").asBoolean()).as(id).isTrue();
                assertThat(n.path("drop_rate").path("b").asDouble()).as(id).isGreaterThan(n.path("drop_rate").path("a").asDouble());
                // (their latency may change too: a dropped packet leaves netfilter sooner than an accepted one)
            } else {
                assertThat(n.path("summary").size()).as(id).isZero();
            }
        }
        // most changed first: the slower node (+60 %) before the drop rates
        assertThat(c.path("nodes").get(0).path("score").asDouble()).isGreaterThanOrEqualTo(c.path("nodes").get(1).path("score").asDouble());
        JsonNode reasons = c.path("drop_reasons");
        assertThat(reasons.findValuesAsText("name")).contains("NETFILTER_DROP", "NO_SOCKET");
        for (JsonNode reason : reasons) assertThat(reason.path("significant").asBoolean()).isTrue();
    }

    @Test
    void theSameTrafficWithAnotherSeedShowsNoSignificantChange() throws Exception {
        ReplayCommandTest.Result r = ReplayCommandTest.run("diff", a.toString(), a2.toString(), "--json");
        assertThat(r.code()).as(r.out()).isZero();
        JsonNode c = JSON.readTree(r.out());
        assertThat(significant(c)).isEmpty();
        assertThat(c.path("nodes").size()).isGreaterThanOrEqualTo(19);
    }

    @Test
    void identicalInputsShowNothing() throws Exception {
        ReplayCommandTest.Result r = ReplayCommandTest.run("diff", a.toString(), a.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("0 of 19 nodes changed beyond noise").doesNotContain(" *");
        JsonNode c = JSON.readTree(ReplayCommandTest.run("diff", a.toString(), a.toString(), "--json").out());
        for (JsonNode n : c.path("nodes")) {
            assertThat(n.path("significant").asBoolean()).isFalse();
            assertThat(n.path("summary").size()).isZero();
        }
    }

    @Test
    void textReportNamesTheChangesFirst() {
        ReplayCommandTest.Result r = ReplayCommandTest.run("diff", a.toString(), b.toString());
        assertThat(r.code()).isEqualTo(1);
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).startsWith("A  a.jsonl.gz");
        assertThat(lines[1]).startsWith("B  b.jsonl.gz");
        assertThat(r.out()).contains("4 of 19 nodes changed beyond noise")
                .containsPattern("Conntrack +p50 [0-9.]+ µs → [0-9.]+ µs \\(\\+[5-7][0-9]%\\)")
                .containsPattern("Netfilter INPUT +drop rate")
                .contains("NO_SOCKET");
    }

    @Test
    void unreadableInputIsExitCode2WithOneLine() {
        ReplayCommandTest.Result r = ReplayCommandTest.run("diff", a.toString(), dir.resolve("missing.jsonl").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("skbscope diff: ").contains("missing.jsonl").doesNotContain("\n");
        ReplayCommandTest.Result s = ReplayCommandTest.run("diff", a.toString(), "server:x", "--server", "127.0.0.1:1");
        assertThat(s.code()).isEqualTo(2);
        assertThat(s.err()).contains("cannot connect to 127.0.0.1:1");
    }

    /**
     * Before and after a firewall rule on a host with no nftables ruleset before: the INPUT hook is
     * seen (by the nftables trace, whose events carry no packet) only after the rule, and the packets
     * that used to reach the socket are freed with NETFILTER_DROP. Shaped like this kernel's live
     * recordings (loopback UDP, eBPF probes and nft_trace lines).
     */
    @Test
    void aHookSeenOnlyAfterARuleIsNamedWithTheRule() throws Exception {
        Path before = dir.resolve("before.jsonl"), after = dir.resolve("after.jsonl");
        java.nio.file.Files.writeString(before, firewallRecording(false));
        java.nio.file.Files.writeString(after, firewallRecording(true));
        ReplayCommandTest.Result r = ReplayCommandTest.run("diff", before.toString(), after.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).containsPattern("Netfilter INPUT +seen only in B: 400 events \\(DROP 400\\)")
                .containsPattern("appeared +skt_fw input handle 2 +0 → 400 hits \\(DROP 400\\) \\*");
        JsonNode c = JSON.readTree(ReplayCommandTest.run("diff", before.toString(), after.toString(), "--json").out());
        assertThat(significant(c)).contains("nf_input");
        // and the same capture against itself says nothing
        assertThat(significant(JSON.readTree(ReplayCommandTest.run("diff", after.toString(), after.toString(), "--json").out()))).isEmpty();
    }

    private static String firewallRecording(boolean rule) {
        StringBuilder b = new StringBuilder("{\"format\":\"pipeline-trace\",\"version\":1,\"mode\":\"full\",\"session_id\":\"live\","
                + "\"source\":\"live\",\"created_at\":\"2026-11-30T17:25:45Z\",\"filter\":{\"port\":\"5650\"}}\n");
        String flow = "\"proto\":\"udp\",\"src\":\"127.0.0.1\",\"dst\":\"127.0.0.1\",\"sport\":39019,\"dport\":5650";
        for (int i = 0; i < 400; i++) {
            long t = 1_000_000_000L + i * 2_000_000L;
            String skb = "\"skb\":\"0x" + Long.toHexString(0x9a1911007abf0000L + i) + "\"";
            for (String[] e : new String[][] {{"net_dev_queue", "0"}, {"net_dev_start_xmit", "1500"}, {"net_dev_xmit", "3000"},
                    {"netif_receive_skb", "6000"}})
                b.append("{\"ts_ns\":").append(t + Long.parseLong(e[1])).append(",").append(skb).append(",\"probe\":\"").append(e[0])
                        .append("\",\"ifindex\":1,\"len\":92,\"cpu\":0,\"netns\":4026531833,").append(flow).append("}\n");
            if (rule) {
                b.append("{\"ts_ns\":").append(t + 9000).append(",\"probe\":\"nft_trace\",\"hook\":\"INPUT\",\"verdict\":\"DROP\",")
                        .append("\"ifindex\":1,\"len\":92,\"netns\":4026531833,").append(flow)
                        .append(",\"table\":\"skt_fw\",\"chain\":\"input\",\"rule_handle\":2,\"trace_id\":").append(7_000_000L + i).append("}\n");
                b.append("{\"ts_ns\":").append(t + 11000).append(",").append(skb)
                        .append(",\"probe\":\"kfree_skb\",\"drop_reason\":\"NETFILTER_DROP\",\"len\":92,\"cpu\":0,").append(flow).append("}\n");
            } else {
                b.append("{\"ts_ns\":").append(t + 12000).append(",").append(skb)
                        .append(",\"probe\":\"sk_data_ready\",\"len\":0,\"cpu\":0,").append(flow).append("}\n");
            }
        }
        return b.toString();
    }

    static List<String> significant(JsonNode c) {
        List<String> ids = new ArrayList<>();
        for (JsonNode n : c.path("nodes")) if (n.path("significant").asBoolean()) ids.add(n.path("id").asText());
        return ids;
    }
}

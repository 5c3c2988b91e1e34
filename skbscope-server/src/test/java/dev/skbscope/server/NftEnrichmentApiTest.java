package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.engine.RuleTextLookup;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over REST: nft rule text in {@code stats.rules}, and a full live session whose kernel source
 * can't see nf_input getting that node's verdicts from the nft backend's traces.
 */
class NftEnrichmentApiTest {
    @TempDir static Path dir;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        LiveBackends live = LiveBackends.of(List.of(new KernelLike(), new NftLike()));
        t = new TestServer(ServerConfig.defaults(dir.resolve("data")).withPort(0).withIntervals(200, 300), live);
    }

    @AfterAll
    static void stop() { t.close(); }

    private static String create(String body) throws Exception { return t.createSession(body); }

    @Test
    void nftSessionRulesCarryTheirText() throws Exception {
        String id = create("{\"mode\":\"nft\"}");
        JsonNode stats = t.await("/api/sessions/" + id + "/stats",
                j -> j.path("stats").path("rules").size() == 2).path("stats");
        JsonNode drop = null, policy = null;
        for (JsonNode r : stats.path("rules")) if (r.has("handle")) drop = r; else policy = r;
        assertThat(drop.path("text").asText()).isEqualTo("udp dport 7002 drop");
        assertThat(policy.has("text")).isFalse();
        assertThat(stats.path("total_packets").asLong()).as("nft mode: traces are the packets").isPositive();
        t.post("/api/sessions/" + id + "/stop", "");
    }

    @Test
    void capabilitiesShowFullModeNetfilterNodesObservableThroughTheTrace() throws Exception {
        JsonNode nodes = t.get("/api/capabilities").json().path("modes").path("full").path("nodes");
        assertThat(nodes.path("nf_input").path("observable").asBoolean()).isTrue();
        assertThat(nodes.path("nf_input").path("note").asText()).contains("nftables trace");
        assertThat(nodes.path("socket").path("observable").asBoolean()).isFalse();
    }

    @Test
    void fullSessionGetsNetfilterVerdictsFromTracesWithoutExtraPackets() throws Exception {
        String id = create("{\"mode\":\"full\"}");
        JsonNode stats = t.await("/api/sessions/" + id + "/stats",
                j -> j.path("stats").path("nodes").path("nf_input").path("drops").asLong() > 0
                        && j.path("stats").path("total_packets").asLong() > 0).path("stats");
        JsonNode input = stats.path("nodes").path("nf_input");
        assertThat(input.path("observable").asBoolean()).isTrue();
        assertThat(input.path("verdicts").path("DROP").asLong()).isPositive();
        assertThat(input.path("drop_reasons").path("NETFILTER_DROP").asLong()).isEqualTo(input.path("drops").asLong());
        assertThat(stats.path("nodes").path("socket").path("observable").asBoolean()).isFalse();
        assertThat(stats.path("hooks").path("INPUT").path("verdicts").path("DROP").asLong()).isPositive();
        assertThat(stats.path("rules").toString()).contains("udp dport 7002 drop");
        assertThat(stats.path("source").path("detail").asText()).contains("nftables trace");
        // only the kernel's skbs are packets (one event each); every trace event lands on nf_input
        assertThat(stats.path("total_packets").asLong())
                .isEqualTo(stats.path("total_events").asLong() - input.path("count").asLong());
        for (JsonNode e : stats.path("edges")) assertThat(e.path("to").asText()).isNotEqualTo("nf_input");
        t.post("/api/sessions/" + id + "/stop", "");
    }

    /** A full-mode kernel source that can't see nf_input or socket: one skb per poll. */
    static final class KernelLike implements LiveBackend {
        @Override public Set<String> modes() { return Set.of("full"); }
        @Override public Map<String, Object> capabilities() {
            return Map.of("available", true, "nodes", Map.of("nf_input", Map.of("observable", false, "reason", "fentry refused"),
                    "socket", Map.of("observable", false, "reason", "fentry refused")));
        }
        @Override public void shutdown() { }
        @Override public EventSource open(LiveRequest request) {
            int probe = SymbolTable.PROBES.intern("netif_receive_skb");
            return new Fake(Map.of("nf_input", "fentry refused", "socket", "fentry refused"), null, (e, i) -> {
                e.skb = 0x1000 + i; e.hasSkb = true; e.probe = probe;
            });
        }
    }

    /** An nft backend: each poll one DROP at INPUT by rule 2 and one ACCEPT by the policy. */
    static final class NftLike implements LiveBackend {
        @Override public Set<String> modes() { return Set.of("nft"); }
        @Override public Map<String, Object> capabilities() { return Map.of("available", true); }
        @Override public void shutdown() { }
        @Override public EventSource open(LiveRequest request) {
            int probe = SymbolTable.PROBES.intern("nft_trace");
            int table = SymbolTable.NFT_NAMES.intern("usertest"), chain = SymbolTable.NFT_NAMES.intern("input");
            return new Fake(Map.of("socket", "nft mode"),
                    (tb, ch, h) -> h == 2 && tb.equals("usertest") ? "udp dport 7002 drop" : null, (e, i) -> {
                e.traceId = 0x77000 + i / 2; e.hasSkb = false; e.probe = probe; e.hook = Hook.INPUT;
                e.table = table; e.chain = chain;
                e.ruleHandle = i % 2 == 0 ? 2 : -1;
                e.verdict = i % 2 == 0 ? Verdict.DROP : Verdict.ACCEPT;
            });
        }
    }

    interface Fill { void fill(TraceEvent e, long i); }

    static final class Fake implements EventSource {
        private final SourceCounters counters = new SourceCounters("live");
        private final Map<String, String> unobserved;
        private final RuleTextLookup text;
        private final Fill fill;
        private volatile boolean closed;
        private long i, ts = 1_000_000;

        Fake(Map<String, String> unobserved, RuleTextLookup text, Fill fill) {
            this.unobserved = unobserved;
            this.text = text;
            this.fill = fill;
            counters.detail("fake");
        }

        @Override public int poll(EventBatch batch) {
            if (closed) return -1;
            try { Thread.sleep(10); } catch (InterruptedException e) { return -1; }
            int n = 0;
            for (int k = 0; k < 2 && batch.size() < batch.capacity(); k++, n++) {
                TraceEvent e = batch.next();
                e.tsNs = ts += 1_000;
                fill.fill(e, i++);
            }
            return n;
        }

        @Override public SourceCounters counters() { return counters; }
        @Override public Map<String, String> unobservedNodes() { return unobserved; }
        @Override public RuleTextLookup ruleTextLookup() { return text; }
        @Override public void close() { closed = true; }
    }
}

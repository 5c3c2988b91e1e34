package dev.skbscope.sources.recording;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static dev.skbscope.sources.recording.Recordings.*;
import static org.assertj.core.api.Assertions.assertThat;

class RetisAndPwruReplayTest {
    ListAppender<ILoggingEvent> log;

    @BeforeEach void capture() { log = captureLog(); }
    @AfterEach void release() { Recordings.release(log); }

    @Test
    void readsRetisEventsOfOldAndNewLayouts() throws IOException {
        List<TraceEvent> ev;
        try (ReplaySource src = ReplaySource.open(resource("retis-sample.json"), RecordingFormat.AUTO, 0)) {
            assertThat(src.format()).isEqualTo(RecordingFormat.RETIS);
            assertThat(src.header()).containsEntry("retis_version", "v1.7.0");
            ev = readAll(src);
            assertThat(src.counters().badLines.get()).isEqualTo(2);
        }
        assertThat(ev).extracting(TraceEvent::probeName).containsExactly(
                "netif_receive_skb", "ip_rcv", "nft_trace", "tcp_v4_rcv", "consume_skb",
                "netif_receive_skb", "udp_rcv", "kfree_skb",
                "netif_receive_skb", "nft_trace", "kfree_skb",
                "tcp_v4_rcv");

        // packet 1: one identity across its events, 5-tuple from the raw Ethernet/IPv4/TCP bytes
        TraceEvent rx = ev.getFirst();
        assertThat(ev.subList(0, 5)).allSatisfy(e -> assertThat(e.skb).isEqualTo(rx.skb));
        assertThat(rx.skb).isEqualTo(RetisDecoder.trackingId(Long.parseUnsignedLong("18446619372617628672"), 30419169061793L));
        assertThat(rx.tsNs).isEqualTo(30419169061793L);
        assertThat(rx.cpu).isEqualTo(1);
        assertThat(rx.pid).isZero();
        assertThat(rx.ifindex).isEqualTo(2);
        assertThat(rx.netns).isEqualTo(4026531840L);
        assertThat(rx.len).isEqualTo(54);
        assertThat(rx.ipVersion).isEqualTo(4);
        assertThat(rx.srcLo).isEqualTo(0xC612000AL);
        assertThat(rx.dstLo).isEqualTo(0xC6120001L);
        assertThat(rx.proto).isEqualTo(6);
        assertThat(rx.sport).isEqualTo(40000);
        assertThat(rx.dport).isEqualTo(443);
        assertThat(rx.tcpFlags).isEqualTo(0x18);
        TraceEvent nft = ev.get(2);
        assertThat(nft.verdict).isEqualTo(Verdict.ACCEPT);
        assertThat(nft.hook).isEqualTo(Hook.INPUT);
        assertThat(SymbolTable.NFT_NAMES.name(nft.table)).isEqualTo("filter");
        assertThat(SymbolTable.NFT_NAMES.name(nft.chain)).isEqualTo("input");
        assertThat(nft.ruleHandle).isEqualTo(7);

        // packet 2: UDP to a closed port, dropped with the reason from skb-drop
        assertThat(ev.get(6).proto).isEqualTo(17);
        assertThat(ev.get(6).dport).isEqualTo(161);
        assertThat(SymbolTable.DROP_REASONS.name(ev.get(7).dropReason)).isEqualTo("NO_SOCKET");
        assertThat(ev.get(7).skb).isNotEqualTo(rx.skb);

        // packet 3: IPv6, dropped by an nft rule
        TraceEvent v6 = ev.get(8);
        assertThat(v6.ipVersion).isEqualTo(6);
        assertThat(v6.srcHi).isEqualTo(0x20010db800000000L);
        assertThat(v6.srcLo).isEqualTo(1);
        assertThat(v6.dport).isEqualTo(22);
        assertThat(ev.get(9).verdict).isEqualTo(Verdict.DROP);
        assertThat(SymbolTable.DROP_REASONS.name(ev.get(10).dropReason)).isEqualTo("NETFILTER_DROP");

        // pre-1.5 layout: parsed headers in the skb section
        TraceEvent old = ev.get(11);
        assertThat(old.srcLo).isEqualTo((35L << 24) | (186 << 16) | (224 << 8) | 18);
        assertThat(old.sport).isEqualTo(443);
        assertThat(old.dport).isEqualTo(39308);
        assertThat(old.proto).isEqualTo(6);
        assertThat(old.ifindex).isEqualTo(3);
        assertThat(old.tcpFlags).isEqualTo(16);

        assertThat(messages(log)).anySatisfy(m -> assertThat(m).contains("retis-sample.json:15:").contains("missing skb-tracking"))
                .anySatisfy(m -> assertThat(m).contains("retis-sample.json:16:").contains("invalid JSON"));
    }

    @Test
    void readsPwruJsonOutput() throws IOException {
        List<TraceEvent> ev;
        try (ReplaySource src = ReplaySource.open(resource("pwru-sample.json"), RecordingFormat.AUTO, 0)) {
            assertThat(src.format()).isEqualTo(RecordingFormat.PWRU);
            ev = readAll(src);
            assertThat(src.counters().badLines.get()).isEqualTo(2);
        }
        // the teardown functions after kfree_skb_reason are skipped, not counted as packets or errors
        assertThat(ev).extracting(TraceEvent::probeName).containsExactly(
                "ip_local_out", "nf_hook_slow", "kfree_skb",
                "ipv6_rcv", "udpv6_rcv", "kfree_skb",
                "xdp", "consume_skb", "kfree_skb");
        TraceEvent first = ev.getFirst();
        assertThat(first.skb).isEqualTo(0xffff8881097a2200L);
        assertThat(first.tsNs).isEqualTo(5283731873120L);
        assertThat(first.cpu).isEqualTo(1);
        assertThat(first.pid).isEqualTo(4242);
        assertThat(first.len).isEqualTo(60);
        assertThat(first.netns).isEqualTo(4026531840L);
        assertThat(first.proto).isEqualTo(6);
        assertThat(first.srcLo).isEqualTo(0xC6120001L);
        assertThat(first.dport).isEqualTo(80);
        assertThat(SymbolTable.DROP_REASONS.name(ev.get(2).dropReason)).isEqualTo("NETFILTER_DROP");
        TraceEvent v6 = ev.get(3);
        assertThat(v6.ipVersion).isEqualTo(6);
        assertThat(v6.dstLo).isEqualTo(2);
        assertThat(v6.ifindex).isEqualTo(7);
        assertThat(v6.pid).isZero();
        assertThat(SymbolTable.DROP_REASONS.name(ev.get(5).dropReason)).isEqualTo("NO_SOCKET");
        assertThat(ev.get(8).dropReason).as("numeric reason: unknown").isEqualTo(TraceEvent.UNKNOWN);
        assertThat(messages(log)).anySatisfy(m -> assertThat(m).contains("pwru-sample.json:12:").contains("cpu must be an integer"))
                .anySatisfy(m -> assertThat(m).contains("pwru-sample.json:13:").contains("missing skb"));
    }

    @Test
    void pwruWithoutTimeIsSpacedByLineAndSaysSo() throws IOException {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("pwru", ".json");
        try {
            java.nio.file.Files.writeString(f, """
                    {"skb":"0xffff1","cpu":0,"func":"ip_rcv"}
                    {"skb":"0xffff1","cpu":0,"func":"tcp_v4_rcv"}
                    """);
            List<TraceEvent> ev = replay(f, RecordingFormat.AUTO);
            assertThat(ev).extracting(e -> e.tsNs).containsExactly(1_000L, 2_000L);
            assertThat(messages(log)).anySatisfy(m -> assertThat(m).contains("--timestamp current"));
        } finally {
            java.nio.file.Files.delete(f);
        }
    }
}

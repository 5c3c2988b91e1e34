package dev.skbscope.sources.recording;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static dev.skbscope.sources.recording.Recordings.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PipelineReplayTest {
    @TempDir Path dir;
    ListAppender<ILoggingEvent> log;

    @BeforeEach void capture() { log = captureLog(); }
    @AfterEach void release() { Recordings.release(log); }

    @Test
    void readsTheSpecSampleAndCountsItsTwoBadLines() throws IOException {
        Path sample = resource("sample-full.jsonl");
        try (ReplaySource src = ReplaySource.open(sample, RecordingFormat.AUTO, 0)) {
            List<TraceEvent> events = readAll(src);
            assertThat(src.format()).isEqualTo(RecordingFormat.PIPELINE);
            assertThat(events).hasSize(955);
            assertThat(src.counters().badLines.get()).isEqualTo(2);
            assertThat(src.counters().eventsRead.get()).isEqualTo(955);
            assertThat(src.header()).containsEntry("generator", "gen_trace.py").containsEntry("seed", 7);
            assertThat(src.mode("x")).isEqualTo("full");
            TraceEvent first = events.getFirst();
            assertThat(first.tsNs).isEqualTo(1_000_000_000L);
            assertThat(first.skb).isEqualTo(0xffff888100000000L);
            assertThat(first.probeName()).isEqualTo("netif_receive_skb");
            assertThat(first.len).isEqualTo(60);
            assertThat(first.cpu).isZero();
            assertThat(events.stream().filter(e -> e.verdict == Verdict.DROP).count()).isEqualTo(15);
        }
        assertThat(messages(log)).anySatisfy(m -> assertThat(m).contains("sample-full.jsonl:595:").contains("invalid JSON"))
                .anySatisfy(m -> assertThat(m).contains("sample-full.jsonl:667:").contains("missing ts_ns"));
    }

    @Test
    void readsGzipLikePlain() throws IOException {
        Path gz = dir.resolve("sample.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(resource("sample-full.jsonl"), out);
        }
        List<TraceEvent> plain = replay(resource("sample-full.jsonl"), RecordingFormat.AUTO);
        List<TraceEvent> zipped = replay(gz, RecordingFormat.AUTO);
        assertThat(zipped).hasSize(955);
        for (int i = 0; i < plain.size(); i++) assertThat(fields(zipped.get(i))).isEqualTo(fields(plain.get(i)));
    }

    @Test
    void mapsEveryKnownKey() throws IOException {
        Path f = write("""
                {"ts_ns": 5, "skb": 18446612686364999680, "probe": "nf_hook_slow", "hook": "input", "verdict": "DROP", \
                "drop_reason": "SKB_DROP_REASON_NETFILTER_DROP", "ifindex": 3, "len": 1500, "cpu": 2, "pid": 77, \
                "netns": 4026531840, "proto": "udp", "src": "198.18.0.9", "dst": "2001:db8::7", "sport": "53", "dport": 5353, \
                "table": "filter", "chain": "input", "rule_handle": 12, "tcp_flags": 24, "unknown_key": {"nested": [1, 2]}}
                {"ts_ns": 6, "probe": "nft_trace", "trace_id": 4242, "table": "filter", "chain": "input", "verdict": "JUMP", "src": "::ffff:198.18.0.1"}
                """);
        List<TraceEvent> ev = replay(f, RecordingFormat.PIPELINE);
        assertThat(ev).hasSize(2);
        TraceEvent e = ev.getFirst();
        assertThat(e.skb).isEqualTo(0xffff888100000000L);
        assertThat(e.hook).isEqualTo(Hook.INPUT);
        assertThat(e.verdict).isEqualTo(Verdict.DROP);
        assertThat(SymbolTable.DROP_REASONS.name(e.dropReason)).isEqualTo("NETFILTER_DROP");
        assertThat(e.ifindex).isEqualTo(3);
        assertThat(e.len).isEqualTo(1500);
        assertThat(e.cpu).isEqualTo(2);
        assertThat(e.pid).isEqualTo(77);
        assertThat(e.netns).isEqualTo(4026531840L);
        assertThat(e.proto).isEqualTo(17);
        assertThat(e.ipVersion).isEqualTo(6);   // the last address decides; mixed families are a recording error
        assertThat(e.srcLo).isEqualTo(0xC6120009L);
        assertThat(e.dstHi).isEqualTo(0x20010db800000000L);
        assertThat(e.dstLo).isEqualTo(7);
        assertThat(e.sport).isEqualTo(53);
        assertThat(e.dport).isEqualTo(5353);
        assertThat(SymbolTable.NFT_NAMES.name(e.table)).isEqualTo("filter");
        assertThat(SymbolTable.NFT_NAMES.name(e.chain)).isEqualTo("input");
        assertThat(e.ruleHandle).isEqualTo(12);
        assertThat(e.tcpFlags).isEqualTo(24);
        TraceEvent nft = ev.get(1);
        assertThat(nft.hasSkb).isFalse();
        assertThat(nft.traceId).isEqualTo(4242);
        assertThat(nft.verdict).isEqualTo(Verdict.JUMP);
        assertThat(nft.srcHi).isZero();
        assertThat(nft.srcLo).isEqualTo(0x0000ffffC6120001L);
    }

    @Test
    void countsEveryBadLineWithItsNumberAndGoesOn() throws IOException {
        Path f = write("""
                # comment
                {"ts_ns": 1, "skb": "0x10", "probe": "ip_rcv"}
                {"ts_ns": 2, "skb": "0x10", "probe": "ip_rcv"
                {"skb": "0x10", "probe": "ip_rcv"}
                {"ts_ns": 3, "skb": "0x10"}
                {"ts_ns": 4, "probe": "ip_rcv"}
                {"ts_ns": 5, "skb": "0x10", "probe": "nf_hook_slow", "hook": "SIDEWAYS"}
                {"ts_ns": 6, "skb": "0x10", "probe": "nf_hook_slow", "verdict": "MAYBE"}
                {"ts_ns": "7", "skb": "0x10", "probe": "ip_rcv"}
                {"ts_ns": 8, "skb": true, "probe": "ip_rcv"}
                {"ts_ns": 9, "skb": "0x10", "probe": 42}
                {"ts_ns": 10, "skb": "0x10", "probe": "ip_rcv", "cpu": "one"}
                {"ts_ns": 11, "skb": "0xnothex", "probe": "ip_rcv"}
                {"ts_ns": 12, "skb": "0x10", "probe": "ip_rcv", "src": "300.1.2.3"}
                {"ts_ns": 13, "probe": "nft_trace"}
                [1, 2, 3]
                {"ts_ns": 14, "skb": "0x10", "probe": "ip_rcv"} trailing

                {"ts_ns": 0, "skb": "0x10", "probe": "tcp_v4_rcv"}
                {"ts_ns": 20, "skb": "0x99", "probe": "consume_skb"}
                """);
        try (ReplaySource src = ReplaySource.open(f, RecordingFormat.AUTO, 0)) {
            List<TraceEvent> ev = readAll(src);
            // out-of-order timestamps and an end event of a never-seen skb are events, not errors
            assertThat(ev).extracting(e -> e.tsNs).containsExactly(1L, 0L, 20L);
            assertThat(src.counters().badLines.get()).isEqualTo(15);
        }
        List<String> m = messages(log);
        String name = f.toString();
        assertThat(m).contains(
                name + ":3: bad line, skipped: invalid JSON: Unexpected end-of-input: expected close marker for Object",
                name + ":4: bad line, skipped: missing ts_ns",
                name + ":5: bad line, skipped: missing probe",
                name + ":6: bad line, skipped: missing skb",
                name + ":7: bad line, skipped: unknown hook \"SIDEWAYS\"",
                name + ":8: bad line, skipped: unknown verdict \"MAYBE\"",
                name + ":9: bad line, skipped: ts_ns must be an integer",
                name + ":10: bad line, skipped: skb must be a hex string or an integer",
                name + ":11: bad line, skipped: probe must be a string",
                name + ":12: bad line, skipped: cpu must be an integer",
                name + ":13: bad line, skipped: skb is not a hex number",
                name + ":14: bad line, skipped: src is not an IP address: \"300.1.2.3\"",
                name + ":15: bad line, skipped: missing skb",
                name + ":16: bad line, skipped: not a JSON object");
        assertThat(m).anySatisfy(s -> assertThat(s).startsWith(name + ":17: bad line, skipped:"));
    }

    @Test
    void rateLimitsTheBadLineLogAndSummarises() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) sb.append("not json\n");
        sb.append("{\"ts_ns\": 1, \"skb\": 1, \"probe\": \"ip_rcv\"}\n");
        Path f = write(sb.toString());
        try (ReplaySource src = ReplaySource.open(f, RecordingFormat.PIPELINE, 0)) {
            assertThat(readAll(src)).hasSize(1);
            assertThat(src.counters().badLines.get()).isEqualTo(50);
        }
        List<String> m = messages(log);
        assertThat(m.stream().filter(s -> s.contains("bad line, skipped"))).hasSize(BadLineLog.LIMIT);
        assertThat(m).anySatisfy(s -> assertThat(s).contains("50 bad lines in total (30 not logged)"));
    }

    @Test
    void detectsFormatsFromTheFirstLines() throws IOException {
        assertThat(RecordingFormats.detect(resource("sample-full.jsonl")).format()).isEqualTo(RecordingFormat.PIPELINE);
        assertThat(RecordingFormats.detect(resource("retis-sample.json")).format()).isEqualTo(RecordingFormat.RETIS);
        assertThat(RecordingFormats.detect(resource("retis-sample.json")).header()).containsEntry("retis_version", "v1.7.0");
        assertThat(RecordingFormats.detect(resource("pwru-sample.json")).format()).isEqualTo(RecordingFormat.PWRU);
        Path noHeader = write("# hi\n\n{\"ts_ns\": 1, \"skb\": 1, \"probe\": \"ip_rcv\"}\n");
        assertThat(RecordingFormats.detect(noHeader).format()).isEqualTo(RecordingFormat.PIPELINE);
    }

    @Test
    void forcedFormatOverridesDetection() throws IOException {
        // a pipeline file read as pwru: every content line (header included) lacks func
        try (ReplaySource src = ReplaySource.open(resource("sample-full.jsonl"), RecordingFormat.PWRU, 0)) {
            assertThat(readAll(src)).isEmpty();
            assertThat(src.format()).isEqualTo(RecordingFormat.PWRU);
            assertThat(src.counters().badLines.get()).isEqualTo(958);
        }
    }

    @Test
    void missingOrUnreadableFilesFailWithOneClearLine() throws IOException {
        assertThatThrownBy(() -> ReplaySource.open(dir.resolve("nope.jsonl"), RecordingFormat.AUTO, 0))
                .isInstanceOf(IOException.class).hasMessage("recording not found: " + dir.resolve("nope.jsonl"));
        assertThatThrownBy(() -> ReplaySource.open(dir, RecordingFormat.AUTO, 0))
                .isInstanceOf(IOException.class).hasMessageContaining("is a directory");
        Path binary = dir.resolve("blob.bin");
        byte[] junk = new byte[300_000];
        new java.util.Random(1).nextBytes(junk);
        Files.write(binary, junk);
        assertThatThrownBy(() -> ReplaySource.open(binary, RecordingFormat.AUTO, 0))
                .isInstanceOf(IOException.class).hasMessageContaining("not a recording");
        Path text = write("hello\nworld\n");
        assertThatThrownBy(() -> ReplaySource.open(text, RecordingFormat.AUTO, 0))
                .hasMessage(text + ": not a recording (no pipeline-trace, Retis or pwru JSON line among its first lines)");
    }

    @Test
    void pacedReplayFollowsRecordedTimeAndNeverBlocksLong() throws IOException {
        Path f = write("""
                {"ts_ns": 1000000000, "skb": 1, "probe": "ip_rcv"}
                {"ts_ns": 1500000000, "skb": 1, "probe": "ip_local_deliver"}
                {"ts_ns": 2000000000, "skb": 1, "probe": "consume_skb"}
                """);
        // gaps of 500 ms, five times the longest a poll blocks: even a loaded machine that stretches
        // each ~100 ms wait gets several polls per gap (with 150 ms gaps one stretched wait covered a
        // whole gap, and a run at load 8 saw only the 3 polls that returned events)
        try (ReplaySource src = ReplaySource.open(f, RecordingFormat.AUTO, 1.0)) {
            EventBatch batch = new EventBatch(16);
            long start = System.nanoTime();
            int total = 0, polls = 0;
            long longestPoll = 0;
            while (true) {
                batch.reset();
                long t0 = System.nanoTime();
                int n = src.poll(batch);
                longestPoll = Math.max(longestPoll, System.nanoTime() - t0);
                if (n < 0) break;
                total += n;
                polls++;
            }
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(total).isEqualTo(3);
            assertThat(elapsedMs).isBetween(980L, 3000L);
            assertThat(longestPoll / 1_000_000).as("one poll blocks ~100 ms at most (slack for a loaded machine)").isLessThan(600);
            assertThat(polls).isGreaterThan(3);
        }
    }

    @Test
    void closeFromAnotherThreadEndsThePoll() throws Exception {
        Path f = write("{\"ts_ns\": 0, \"skb\": 1, \"probe\": \"ip_rcv\"}\n{\"ts_ns\": 100000000000, \"skb\": 1, \"probe\": \"consume_skb\"}\n");
        ReplaySource src = ReplaySource.open(f, RecordingFormat.AUTO, 1.0);
        EventBatch batch = new EventBatch(4);
        assertThat(src.poll(batch)).isEqualTo(1);
        src.close();
        batch.reset();
        assertThat(src.poll(batch)).isEqualTo(-1);
    }

    @Test
    void survivesAVeryLongLine() throws IOException {
        Path f = dir.resolve("long.jsonl");
        try (OutputStream out = Files.newOutputStream(f)) {
            out.write("{\"ts_ns\": 1, \"skb\": 1, \"probe\": \"ip_rcv\"}\n{\"ts_ns\": 2, \"skb\": 1, \"probe\": \"".getBytes());
            byte[] filler = new byte[1 << 20];
            java.util.Arrays.fill(filler, (byte) 'a');
            for (int i = 0; i < 17; i++) out.write(filler);
            out.write("\"}\n{\"ts_ns\": 3, \"skb\": 1, \"probe\": \"consume_skb\"}\n".getBytes());
        }
        try (ReplaySource src = ReplaySource.open(f, RecordingFormat.AUTO, 0)) {
            assertThat(readAll(src)).extracting(e -> e.tsNs).containsExactly(1L, 3L);
            assertThat(src.counters().badLines.get()).isEqualTo(1);
        }
        assertThat(messages(log)).anySatisfy(m -> assertThat(m).contains(":2: bad line, skipped: line longer than 16 MiB"));
    }

    private Path write(String content) throws IOException {
        Path f = Files.createTempFile(dir, "rec", ".jsonl");
        Files.writeString(f, content);
        return f;
    }
}

package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.sources.synthetic.SyntheticConfig;
import dev.skbscope.sources.synthetic.SyntheticSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.skbscope.sources.recording.Recordings.fields;
import static dev.skbscope.sources.recording.Recordings.readAll;
import static org.assertj.core.api.Assertions.assertThat;

class RecordingWriterTest {
    @TempDir Path dir;

    @Test
    void roundTripsHandMadeEventsWithEveryField() throws IOException {
        List<TraceEvent> events = new ArrayList<>();
        TraceEvent a = new TraceEvent();
        a.tsNs = 123_456_789L; a.skb = 0xffff888100000a00L; a.hasSkb = true;
        a.probe = SymbolTable.PROBES.intern("nf_hook_slow"); a.hook = Hook.FORWARD; a.verdict = Verdict.DROP;
        a.dropReason = SymbolTable.DROP_REASONS.intern("NETFILTER_DROP");
        a.ifindex = 4; a.len = 1400; a.cpu = 3; a.pid = 99; a.netns = 4026532000L; a.proto = 6;
        a.ipVersion = 6; a.srcHi = 0x20010db800000000L; a.srcLo = 0x10; a.dstHi = 0xfe80000000000000L; a.dstLo = 0x1ff;
        a.sport = 1234; a.dport = 443; a.tcpFlags = 2;
        a.table = SymbolTable.NFT_NAMES.intern("filter"); a.chain = SymbolTable.NFT_NAMES.intern("forward");
        a.ruleHandle = 17; a.traceId = 555; a.weight = 16;
        events.add(a);
        TraceEvent b = new TraceEvent();
        b.tsNs = 5; b.probe = SymbolTable.PROBES.intern("nft_trace"); b.traceId = 77; b.verdict = Verdict.GOTO;
        b.proto = 47;   // GRE: no name, written as a number
        events.add(b);
        TraceEvent c = new TraceEvent();
        c.tsNs = 6; c.skb = 0; c.hasSkb = true; c.probe = SymbolTable.PROBES.intern("consume_skb");
        c.ipVersion = 4; c.srcLo = 0xC6120001L; c.dstLo = 0xC613FFFEL;
        events.add(c);

        Path f = dir.resolve("hand.jsonl");
        try (RecordingWriter w = new RecordingWriter(f, Map.of("mode", "nft", "note", "hand made"))) {
            for (TraceEvent e : events) w.write(e);
        }
        assertThat(Files.readAllLines(f).getFirst()).startsWith("{\"format\":\"pipeline-trace\",\"version\":1");
        assertThat(Files.readString(f)).doesNotContain("-1").contains("\"dst\":\"fe80::1ff\"").contains("\"skb\":\"0x0\"");
        try (ReplaySource src = ReplaySource.open(f, RecordingFormat.AUTO, 0)) {
            List<TraceEvent> back = readAll(src);
            assertThat(back).hasSize(3);
            for (int i = 0; i < 3; i++) assertThat(fields(back.get(i))).isEqualTo(fields(events.get(i)));
            assertThat(src.header()).containsEntry("mode", "nft").containsEntry("note", "hand made");
            assertThat(src.counters().badLines.get()).isZero();
        }
    }

    @Test
    void roundTripsSyntheticTrafficThroughGzip() throws IOException {
        List<TraceEvent> written = new ArrayList<>();
        Path f = dir.resolve("synth.jsonl.gz");
        try (SyntheticSource synth = new SyntheticSource(new SyntheticConfig(50_000, 3, 0.1, 0.05, false));
             RecordingWriter w = new RecordingWriter(f, Map.of())) {
            EventBatch batch = new EventBatch(256);
            int n;
            while ((n = synth.poll(batch)) >= 0) {
                for (int i = 0; i < n; i++) {
                    w.write(batch.get(i));
                    written.add(new TraceEvent().copyFrom(batch.get(i)));
                }
                batch.reset();
            }
        }
        try (InputStream in = Files.newInputStream(f)) {
            assertThat(in.read()).isEqualTo(0x1f);   // really gzip
        }
        List<TraceEvent> back = Recordings.replay(f, RecordingFormat.AUTO);
        assertThat(written).hasSizeGreaterThan(20_000);
        assertThat(back).hasSameSizeAs(written);
        for (int i = 0; i < back.size(); i++) assertThat(fields(back.get(i))).isEqualTo(fields(written.get(i)));
    }

    @Test
    void formatsAndParsesAddressesCanonically() {
        long[] out = new long[2];
        for (String text : new String[] {"::", "::1", "2001:db8::", "2001:db8:0:1:1:1:1:1", "fe80::1:0:0:1", "1:0:0:2::3"}) {
            char[] c = text.toCharArray();
            assertThat(IpText.parse(c, 0, c.length, out)).as(text).isEqualTo(6);
            StringBuilder sb = new StringBuilder();
            dev.skbscope.engine.event.IpAddresses.format(6, out[0], out[1], sb);
            assertThat(sb.toString()).isEqualTo(text);
        }
        for (String bad : new String[] {"1.2.3", "1.2.3.4.5", "256.0.0.1", ":::", "1::2::3", "g::1", "1:2:3:4:5:6:7:8:9", ""}) {
            char[] c = bad.toCharArray();
            assertThat(IpText.parse(c, 0, c.length, out)).as(bad).isZero();
        }
    }

    @Test
    void aCheckpointLeavesACompletePrefixWhileTheRecordingGoesOn() throws IOException {
        SyntheticSource synth = new SyntheticSource(new SyntheticConfig(50_000, 7, 0.05, 0, false));
        EventBatch batch = new EventBatch(500);
        Path f = dir.resolve("live.jsonl.gz");
        List<String> before = new ArrayList<>();
        try (RecordingWriter w = new RecordingWriter(f, Map.of("mode", "full"))) {
            assertThat(w.completeBytes()).as("the header alone is a complete file").isPositive();
            batch.reset();
            synth.poll(batch);
            for (int i = 0; i < batch.size(); i++) { w.write(batch.get(i)); before.add(fields(batch.get(i))); }
            w.checkpoint();
            long complete = w.completeBytes();
            batch.reset();
            synth.poll(batch);
            for (int i = 0; i < batch.size(); i++) w.write(batch.get(i));   // still being written, past the mark

            // what a download of the running session gets: the file up to the mark, a valid gzip file
            Path prefix = dir.resolve("prefix.jsonl.gz");
            try (InputStream in = Files.newInputStream(f)) { Files.write(prefix, in.readNBytes((int) complete)); }
            try (ReplaySource src = ReplaySource.open(prefix, RecordingFormat.AUTO, 0)) {
                assertThat(readAll(src).stream().map(Recordings::fields).toList()).isEqualTo(before);
                assertThat(src.counters().badLines.get()).isZero();
            }
        }
        // the finished file: several gzip members, read as one stream
        try (ReplaySource src = ReplaySource.open(f, RecordingFormat.AUTO, 0)) {
            assertThat(readAll(src)).hasSize(before.size() + batch.size());
            assertThat(src.counters().badLines.get()).isZero();
        }
    }
}

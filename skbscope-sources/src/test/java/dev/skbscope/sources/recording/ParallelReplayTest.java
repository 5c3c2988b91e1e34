package dev.skbscope.sources.recording;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.sources.synthetic.SyntheticConfig;
import dev.skbscope.sources.synthetic.SyntheticSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The parallel reader gives exactly what ReplaySource gives: events, order, bad lines and their log lines, counters. */
class ParallelReplayTest {
    @TempDir Path dir;

    private record Read(List<String> events, long badLines, long eventsRead, List<String> log, String counters) { }

    private static String canonical(TraceEvent e) {
        return e.tsNs + " " + e.skb + " " + e.hasSkb + " " + e.probe + " " + e.hook + " " + e.verdict + " " + e.dropReason + " "
                + e.ifindex + " " + e.len + " " + e.cpu + " " + e.pid + " " + e.netns + " " + e.proto + " " + e.ipVersion + " "
                + e.srcHi + " " + e.srcLo + " " + e.dstHi + " " + e.dstLo + " " + e.sport + " " + e.dport + " " + e.tcpFlags + " "
                + e.table + " " + e.chain + " " + e.ruleHandle + " " + e.traceId + " " + e.weight;
    }

    private static Read sequential(Path p) throws IOException {
        ListAppender<ILoggingEvent> log = Recordings.captureLog();
        try (ReplaySource src = ReplaySource.open(p, RecordingFormat.PIPELINE, 0)) {
            List<String> ev = Recordings.readAll(src).stream().map(ParallelReplayTest::canonical).toList();
            return new Read(ev, src.counters().badLines.get(), src.counters().eventsRead.get(), Recordings.messages(log),
                    String.valueOf(src.recordedCounters()));
        } finally {
            Recordings.release(log);
        }
    }

    private static Read parallel(Path p, int decoders, int block) throws Exception {
        ListAppender<ILoggingEvent> log = Recordings.captureLog();
        SourceCounters c = new SourceCounters("replay");
        try (ParallelReplay in = new ParallelReplay(p, c, decoders, block)) {
            List<String> ev = new ArrayList<>();
            EventBatch b;
            while ((b = in.take()) != null) {
                for (int i = 0; i < b.size(); i++) ev.add(canonical(b.get(i)));
                in.release(b);
            }
            return new Read(ev, c.badLines.get(), c.eventsRead.get(), Recordings.messages(log),
                    String.valueOf(ReplaySource.parseCounters(in.counters())));
        } finally {
            Recordings.release(log);
        }
    }

    @Test
    void theSpecSampleReadsTheSameInBlocksCutAnywhere() throws Exception {
        Path sample = Recordings.resource("sample-full.jsonl");
        Read want = sequential(sample);
        assertThat(want.badLines()).isEqualTo(2);
        for (int block : new int[]{97, 256, 4096, ParallelReplay.BLOCK}) {
            for (int decoders : new int[]{1, 3}) {
                Read got = parallel(sample, decoders, block);
                assertThat(got).as("block " + block + ", " + decoders + " decoders").isEqualTo(want);
            }
        }
    }

    @Test
    void aWrittenRecordingWithCommentsBadLinesAndGzipReadsTheSame() throws Exception {
        for (String name : new String[]{"synth.jsonl", "synth.jsonl.gz"}) {
            Path p = dir.resolve(name);
            try (RecordingWriter w = new RecordingWriter(p, Map.of("mode", "full"));
                 SyntheticSource src = new SyntheticSource(new SyntheticConfig(20_000, 3, 0.1, 0, false))) {
                EventBatch b = new EventBatch(512);
                for (int round = 0; round < 40; round++) {
                    b.reset();
                    src.poll(b);
                    for (int i = 0; i < b.size(); i++) w.write(b.get(i));
                    w.counters(Map.of("lost_events", round, "sample_one_in", 1));
                    w.checkpoint();
                }
            }
            if (name.endsWith(".jsonl")) {
                // bad lines and blank lines in the middle
                List<String> lines = new ArrayList<>(Files.readAllLines(p));
                lines.add(500, "{\"ts_ns\": \"soon\", \"probe\": \"ip_rcv\", \"skb\": 1}");
                lines.add(9000, "");
                lines.add(12000, "not json");
                Files.write(p, lines, StandardCharsets.UTF_8);
            }
            Read want = sequential(p);
            assertThat(want.events()).hasSizeGreaterThan(15_000);
            assertThat(want.counters()).contains("lost_events=39");
            for (int block : new int[]{1000, 65_536}) {
                assertThat(parallel(p, 2, block)).as(name + " block " + block).isEqualTo(want);
            }
        }
    }

    @Test
    void aRecordingCutByACrashReadsTheSameWithTheSameWarning() throws Exception {
        for (String name : new String[]{"cut.jsonl", "cut.jsonl.gz"}) {
            Path p = dir.resolve(name);
            try (RecordingWriter w = new RecordingWriter(p, Map.of("mode", "full"));
                 SyntheticSource src = new SyntheticSource(new SyntheticConfig(20_000, 3, 0.1, 0, false))) {
                EventBatch b = new EventBatch(2048);
                for (int round = 0; round < 3; round++) {
                    b.reset();
                    src.poll(b);
                    for (int i = 0; i < b.size(); i++) w.write(b.get(i));
                    w.checkpoint();
                }
            }
            byte[] whole = Files.readAllBytes(p);
            Files.write(p, java.util.Arrays.copyOf(whole, whole.length - 40));   // mid-line, and mid-member for gzip
            String wantWarning;
            try (ReplaySource src = ReplaySource.open(p, RecordingFormat.PIPELINE, 0)) {
                Recordings.readAll(src);
                wantWarning = src.tailWarning();
            }
            assertThat(wantWarning).as(name).isNotNull().contains("bytes");
            Read want = sequential(p);
            assertThat(want.events()).as(name).hasSizeGreaterThan(1000);
            assertThat(want.badLines()).as(name + ": the cut line is lost, not bad").isZero();
            for (int block : new int[]{1000, 65_536}) {
                SourceCounters c = new SourceCounters("replay");
                try (ParallelReplay in = new ParallelReplay(p, c, 2, block)) {
                    EventBatch b;
                    while ((b = in.take()) != null) in.release(b);
                    assertThat(in.tailWarning()).as(name + " block " + block).isEqualTo(wantWarning);
                }
                assertThat(parallel(p, 2, block)).as(name + " block " + block).isEqualTo(want);
            }
        }
    }
}

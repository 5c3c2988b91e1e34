package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static dev.skbscope.sources.recording.Recordings.readAll;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recordings whose end was cut by a crash, damaged, or followed by garbage: every complete member
 * and every complete line is read, the damage is reported with its bytes and the cut line, and
 * {@link RecordingRepair} makes the file valid gzip again without losing a whole line.
 */
class DamagedRecordingTest {
    @TempDir Path dir;
    Path file;
    /** File offsets where members end (after each checkpoint), and the events written before each. */
    final List<Long> memberEnds = new ArrayList<>();
    final List<Integer> eventsAt = new ArrayList<>();
    static final int MEMBERS = 8, PER_MEMBER = 400;

    @BeforeEach
    void write() throws IOException {
        file = dir.resolve("recording.jsonl.gz");
        int probe = SymbolTable.PROBES.intern("ip_rcv");
        int n = 0;
        try (RecordingWriter w = new RecordingWriter(file, Map.of("mode", "full"))) {
            memberEnds.add(w.completeBytes());
            eventsAt.add(0);
            for (int m = 0; m < MEMBERS; m++) {
                for (int i = 0; i < PER_MEMBER; i++) {
                    TraceEvent e = new TraceEvent();
                    e.tsNs = 1_000_000L + n * 1000L;
                    e.skb = 0x1000 + n;
                    e.hasSkb = true;
                    e.probe = probe;
                    e.len = 100 + (n % 1400);
                    w.write(e);
                    n++;
                }
                w.counters(Map.of("lost_events", m));   // as a session does at each checkpoint: a comment, no event
                w.checkpoint();
                memberEnds.add(w.completeBytes());
                eventsAt.add(n);
            }
        }
    }

    private int replayCount(Path f) throws IOException {
        try (ReplaySource src = ReplaySource.open(f, RecordingFormat.AUTO, 0)) {
            int n = readAll(src).size();
            assertThat(src.counters().badLines.get()).as("no bad lines: a cut line is not bad").isZero();
            return n;
        }
    }

    @Test
    void aCleanFileHasNoDamageAndEveryMemberIsRead() throws IOException {
        try (ReplaySource src = ReplaySource.open(file, RecordingFormat.AUTO, 0)) {
            assertThat(readAll(src)).hasSize(MEMBERS * PER_MEMBER);
            assertThat(src.damage()).isNull();
            assertThat(src.tailWarning()).isNull();
        }
        assertThat(RecordingRepair.inspect(file, 0).clean()).isTrue();
    }

    @Test
    void aFileCutAnywhereInItsLastMemberGivesEveryCompleteLine() throws IOException {
        byte[] all = Files.readAllBytes(file);
        long lastStart = memberEnds.get(MEMBERS - 1), lastEnd = memberEnds.get(MEMBERS);
        int before = eventsAt.get(MEMBERS - 1);
        Random rnd = new Random(11);
        for (int k = 0; k < 40; k++) {
            int cut = (int) (lastStart + 1 + rnd.nextInt((int) (lastEnd - lastStart - 1)));
            Path f = dir.resolve("cut-" + cut + ".jsonl.gz");
            Files.write(f, java.util.Arrays.copyOf(all, cut));
            int expected = before + completeLinesOfPrefix(all, (int) lastStart, cut);
            try (ReplaySource src = ReplaySource.open(f, RecordingFormat.AUTO, 0)) {
                assertThat(readAll(src)).as("cut at %d", cut).hasSize(expected);
                assertThat(src.damage().problem()).isEqualTo(GzipMembers.Problem.TRUNCATED);
                assertThat(src.damage().offset()).isEqualTo(lastStart);
                assertThat(src.damage().bytes()).isEqualTo(cut - lastStart);
                assertThat(src.tailWarning()).contains("damaged tail", "from byte " + lastStart);
            }
        }
    }

    @Test
    void aCutInsideAHeaderOrTrailerLosesNothingComplete() throws IOException {
        byte[] all = Files.readAllBytes(file);
        long lastStart = memberEnds.get(MEMBERS - 1), lastEnd = memberEnds.get(MEMBERS);
        for (long cut : new long[] {lastStart + 3, lastEnd - 3, lastEnd - 8}) {
            Path f = dir.resolve("edge-" + cut + ".jsonl.gz");
            Files.write(f, java.util.Arrays.copyOf(all, (int) cut));
            int n = replayCount(f);
            assertThat(n).isBetween(eventsAt.get(MEMBERS - 1), eventsAt.get(MEMBERS));
            RecordingRepair.Report r = RecordingRepair.repair(f, 0);
            assertThat(r.clean()).isFalse();
            assertValidGzip(f);
            assertThat(replayCount(f)).isEqualTo(n);
        }
    }

    @Test
    void garbageAfterTheLastMemberIsAWarningNotSilence() throws IOException {
        Files.write(file, "this is not gzip\n".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);
        try (ReplaySource src = ReplaySource.open(file, RecordingFormat.AUTO, 0)) {
            assertThat(readAll(src)).hasSize(MEMBERS * PER_MEMBER);
            assertThat(src.damage().problem()).isEqualTo(GzipMembers.Problem.TRAILING_GARBAGE);
            assertThat(src.damage().bytes()).isEqualTo(17);
            assertThat(src.tailWarning()).contains("17 bytes after the gzip data", "not gzip");
        }
        // GZIPInputStream reads the same file without a word: the reason for GzipMembers
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            in.readAllBytes();
        }
    }

    @Test
    void aCorruptMemberEndsTheReadAtItsStart() throws IOException {
        byte[] all = Files.readAllBytes(file);
        long lastStart = memberEnds.get(MEMBERS - 1), lastEnd = memberEnds.get(MEMBERS);
        all[(int) (lastEnd - 6)] ^= 0x55;   // the trailer's size
        Files.write(file, all);
        try (ReplaySource src = ReplaySource.open(file, RecordingFormat.AUTO, 0)) {
            readAll(src);
            assertThat(src.damage().problem()).isEqualTo(GzipMembers.Problem.CORRUPT);
            assertThat(src.damage().offset()).isEqualTo(lastStart);
        }
    }

    @Test
    void repairTruncatesToTheLastCompleteMemberAndSavesTheCutMembersWholeLines() throws IOException {
        byte[] all = Files.readAllBytes(file);
        long lastStart = memberEnds.get(MEMBERS - 1), lastEnd = memberEnds.get(MEMBERS);
        int cut = (int) (lastStart + (lastEnd - lastStart) * 2 / 3);
        Files.write(file, java.util.Arrays.copyOf(all, cut));
        int readable = replayCount(file);
        assertThat(readable).isGreaterThan(eventsAt.get(MEMBERS - 1));
        // repair from the last checkpoint's offset, as the server does after a crash
        RecordingRepair.Report r = RecordingRepair.repair(file, memberEnds.get(MEMBERS - 2));
        assertThat(r.damage().problem()).isEqualTo(GzipMembers.Problem.TRUNCATED);
        assertThat(r.salvagedLines()).isEqualTo(readable - eventsAt.get(MEMBERS - 1));
        assertThat(r.linesAfter()).isEqualTo(readable - eventsAt.get(MEMBERS - 2));
        assertThat(r.cutLineBytes()).isPositive();
        assertValidGzip(file);
        assertThat(replayCount(file)).isEqualTo(readable);
        // a second repair finds nothing to do
        assertThat(RecordingRepair.repair(file, 0).clean()).isTrue();
        assertThat(Files.size(file)).isEqualTo(r.length());
    }

    @Test
    void membersWithNameCommentExtraAndHeaderCrcAreRead() throws IOException {
        byte[] body = "{\"ts_ns\":1,\"probe\":\"ip_rcv\",\"skb\":\"0x1\"}\n".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(plain)) {
            gz.write(body);
        }
        byte[] p = plain.toByteArray();
        // rewrite the 10-byte header with FEXTRA|FNAME|FCOMMENT|FHCRC and their fields
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(new byte[] {0x1f, (byte) 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3});
        h.write(new byte[] {3, 0, 'a', 'b', 'c'});
        h.write("name.jsonl\0".getBytes(StandardCharsets.ISO_8859_1));
        h.write("a comment\0".getBytes(StandardCharsets.ISO_8859_1));
        h.write(new byte[] {0, 0});   // header CRC (not checked by readers that allow it)
        h.write(p, 10, p.length - 10);
        byte[] member = h.toByteArray();
        Path f = dir.resolve("fancy.jsonl.gz");
        try (var out = Files.newOutputStream(f)) {
            out.write(member);
            out.write(member);
        }
        try (GzipMembers in = new GzipMembers(Files.newInputStream(f))) {
            assertThat(in.readAllBytes()).hasSize(2 * body.length);
            assertThat(in.damage()).isNull();
            assertThat(in.members()).isEqualTo(2);
        }
    }

    /** Complete lines (ending in '\n') the last member's data holds when the file is cut at {@code cut}. */
    private int completeLinesOfPrefix(byte[] all, int memberStart, int cut) throws IOException {
        try (GzipMembers in = new GzipMembers(new java.io.ByteArrayInputStream(all, memberStart, cut - memberStart), memberStart)) {
            byte[] data = in.readAllBytes();
            int lines = 0;
            for (byte b : data) if (b == '\n') lines++;
            return lines;
        }
    }

    /** Readable to its end by the JDK's reader (as gzip -t and browsers would) and by ours with no damage. */
    private static void assertValidGzip(Path f) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
            in.readAllBytes();
        }
        try (GzipMembers in = new GzipMembers(Files.newInputStream(f))) {
            in.readAllBytes();
            assertThat(in.damage()).isNull();
        }
    }
}

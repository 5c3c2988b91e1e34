package dev.skbscope.sources.recording;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Looks at, and repairs, the end of a gzip recording that a crash cut: the complete members stay as
 * they are, the cut member's complete lines are saved, its cut line is dropped. Stateless; one call
 * works on one file and must not race a writer of that file.
 */
public final class RecordingRepair {
    private RecordingRepair() { }

    /**
     * What was found at the end of a recording.
     *
     * @param damage         the damage, or null when the file ended cleanly
     * @param linesAfter     complete lines read after {@code from} (events, and the header if {@code from} is 0;
     *                       not comment lines, such as the session's {@code # skbscope-counters})
     * @param salvagedLines  complete lines of a cut member, kept by {@link #repair}
     * @param cutLineBytes   bytes of the cut last line (dropped), or -1
     * @param length         the file's length after the call
     */
    public record Report(GzipMembers.Damage damage, long linesAfter, long salvagedLines, long cutLineBytes, long length) {
        public boolean clean() { return damage == null; }

        /** One line for logs and warnings, or null when clean. */
        public String describe() { return damage == null ? null : RecordingRepair.describe(damage, cutLineBytes); }
    }

    /** The warning of a replay that ended at {@code damage} (or null) and dropped a cut last line of {@code cutLineBytes} (or -1); null when it ended cleanly. */
    static String tailWarning(GzipMembers.Damage damage, long cutLineBytes) {
        if (damage != null) return describe(damage, cutLineBytes);
        if (cutLineBytes >= 0) return "the last line is cut (" + cutLineBytes + " bytes, no newline, not valid JSON): dropped";
        return null;
    }

    /** A damaged tail in words: what, where, how many bytes, and the cut line dropped. */
    static String describe(GzipMembers.Damage d, long cutLineBytes) {
        String what = switch (d.problem()) {
            case TRUNCATED -> "the last " + d.bytes() + " bytes (from byte " + d.offset() + ") are a gzip member cut short "
                    + "(the writer stopped mid-write, e.g. a crash); its complete lines were read";
            case CORRUPT -> "the last " + d.bytes() + " bytes (from byte " + d.offset() + ") are a damaged gzip member ("
                    + d.detail() + "); the lines it yielded before the damage were read";
            case TRAILING_GARBAGE -> d.bytes() + " bytes after the gzip data (from byte " + d.offset() + ") are not gzip and were ignored";
        };
        return "damaged tail: " + what + (cutLineBytes >= 0 ? "; 1 cut line (" + cutLineBytes + " bytes) dropped" : "");
    }

    /**
     * Reads the file from {@code from} (a member boundary: 0, or an offset the writer reported as
     * complete) to its end and reports what it found; changes nothing.
     */
    public static Report inspect(Path file, long from) throws IOException {
        return scan(file, from, null);
    }

    /**
     * Makes a cut recording a valid gzip file again: truncates it to its last complete member, then
     * appends the cut member's complete lines as a new member (so nothing on disk that was whole is
     * lost) and syncs. A clean file is left untouched. Reads from {@code from}, a member boundary.
     */
    public static Report repair(Path file, long from) throws IOException {
        ByteArrayOutputStream salvage = new ByteArrayOutputStream();
        Report r = scan(file, from, salvage);
        if (r.clean()) return r;
        long salvaged = r.salvagedLines();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(r.damage().offset());
            ch.position(r.damage().offset());
            if (salvage.size() > 0) {
                OutputStream out = Channels.newOutputStream(ch);
                GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16) {
                    { def.setLevel(Deflater.BEST_SPEED); }
                };
                salvage.writeTo(gz);
                gz.finish();
                gz.flush();
            }
            ch.force(true);
            return new Report(r.damage(), r.linesAfter(), salvaged, r.cutLineBytes(), ch.size());
        }
    }

    /** Reads members from {@code from}; with {@code salvage}, collects the complete lines of a cut member. */
    private static Report scan(Path file, long from, ByteArrayOutputStream salvage) throws IOException {
        long lines = 0, salvaged = 0, cut = -1;
        try (InputStream raw = Files.newInputStream(file)) {
            raw.skipNBytes(from);
            GzipMembers gz = new GzipMembers(new java.io.BufferedInputStream(raw, 1 << 16), from);
            // lines of the member being read, held until it completes (then they are safe) or turns out cut
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            long pendingLines = 0;
            int membersSeen = 0;
            byte[] buf = new byte[1 << 16];
            int lineStart = 0;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean lineFirst = true, comment = false;
            int n;
            while ((n = gz.read(buf, 0, buf.length)) > 0) {
                // one read never spans two members; a new member means the lines pending so far were
                // all in complete members (the writer ends members only at line ends)
                if (gz.members() != membersSeen) {
                    membersSeen = gz.members();
                    pending.reset();
                    pendingLines = 0;
                }
                lineStart = 0;
                for (int i = 0; i < n; i++) {
                    if (lineFirst) {   // a comment line (the session's counters) is no event
                        comment = buf[i] == '#';
                        lineFirst = false;
                    }
                    if (buf[i] != '\n') continue;
                    line.write(buf, lineStart, i + 1 - lineStart);
                    lineStart = i + 1;
                    lineFirst = true;
                    if (!comment) lines++;
                    if (salvage != null) {
                        line.writeTo(pending);
                        if (!comment) pendingLines++;
                    }
                    line.reset();
                }
                line.write(buf, lineStart, n - lineStart);
            }
            GzipMembers.Damage d = gz.damage();
            if (line.size() > 0) cut = line.size();
            // only a member cut short is saved: a corrupt one's data cannot be trusted, and garbage has none
            if (d != null && salvage != null && d.problem() == GzipMembers.Problem.TRUNCATED && gz.members() == membersSeen) {
                pending.writeTo(salvage);
                salvaged = pendingLines;
            }
            long length = Files.size(file);
            return new Report(d, lines, salvaged, d == null ? -1 : cut, length);
        }
    }
}

package dev.skbscope.sources.recording;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses a gzip file member by member (RFC 1952), as {@link java.util.zip.GZIPInputStream}
 * does, but knows where each complete member ends and never fails on a damaged tail: at the first
 * damage the stream simply ends, and {@link #damage()} says what it was and where. Single reader.
 *
 * <p>Written by hand because no gzip reader here tells member boundaries apart or tolerates damage:
 * {@code GZIPInputStream} throws on a truncated member (a recording cut by {@code kill -9}: nothing
 * was readable, although all but the last second was intact) and silently ignores bytes after the
 * last member. Recordings are written as a series of members closed every second, so the complete
 * members of a crashed session's file are all readable, and decoded data of the cut member up to the
 * cut is good data too (a deflate stream decodes in order).
 */
public final class GzipMembers extends InputStream {
    /** What was wrong with the end of the file. */
    public enum Problem {
        /** The file ends inside a member: its writer stopped mid-write (a crash). */
        TRUNCATED,
        /** A member's data or check values are wrong. */
        CORRUPT,
        /** After the last member come bytes that are not gzip. */
        TRAILING_GARBAGE
    }

    /**
     * @param problem what was wrong
     * @param offset  file offset where the damaged part starts: the end of the last complete member
     * @param bytes   bytes from there to the end of the file
     * @param detail  a short explanation
     */
    public record Damage(Problem problem, long offset, long bytes, String detail) { }

    private static final int ID1 = 0x1f, ID2 = 0x8b, CM_DEFLATE = 8;
    private static final int FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;

    private final InputStream raw;
    private final byte[] in = new byte[1 << 16];
    private int inPos, inLen;
    /** File offset of {@code in[0]}. */
    private long base;
    private boolean rawEof;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private long memberOut;
    private boolean inMember;
    private boolean end;
    private Damage damage;
    private long completeEnd;
    private long memberStart;
    private int members;

    /** Reads gzip from the start of a file. */
    public GzipMembers(InputStream raw) { this(raw, 0); }

    /** @param offset the file offset {@code raw} starts at, which must be a member boundary (for the offsets reported) */
    public GzipMembers(InputStream raw, long offset) {
        this.raw = raw;
        this.base = offset;
        this.completeEnd = offset;
    }

    /** Why the stream ended early, once it has ended; null for a clean file (or before the end). */
    public Damage damage() { return damage; }

    /** File offset just after the last complete member read so far. */
    public long completeEnd() { return completeEnd; }

    /** Complete members read so far. */
    public int members() { return members; }

    /** Whether the data being read now comes from a member that is not (yet) known to be complete. */
    public boolean inMember() { return inMember; }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (!end) {
            if (!inMember && !startMember()) return -1;
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                fail(Problem.CORRUPT, memberStart, "bad deflate data (" + e.getMessage() + ")");
                return -1;
            }
            inPos = inLen - inflater.getRemaining();
            if (n > 0) {
                crc.update(b, off, n);
                memberOut += n;
                return n;
            }
            if (inflater.finished()) {
                finishMember();
            } else if (inflater.needsDictionary()) {
                fail(Problem.CORRUPT, memberStart, "deflate data asks for a preset dictionary");
            } else if (inflater.needsInput()) {
                if (!fill()) {
                    fail(Problem.TRUNCATED, memberStart, "the file ends inside a gzip member");
                } else {
                    inflater.setInput(in, inPos, inLen - inPos);
                }
            }
        }
        return -1;
    }

    /** At a member boundary: parses the next header; false at the end (clean or damaged). */
    private boolean startMember() throws IOException {
        if (!ensure(1)) {
            end = true;   // a clean end
            return false;
        }
        long start = base + inPos;
        if ((in[inPos] & 0xff) != ID1 || (ensure(2) && (in[inPos + 1] & 0xff) != ID2)) {
            fail(Problem.TRAILING_GARBAGE, start, "bytes after the last gzip member are not gzip");
            return false;
        }
        if (!ensure(10)) {
            fail(Problem.TRUNCATED, start, "the file ends inside a gzip header");
            return false;
        }
        if ((in[inPos + 2] & 0xff) != CM_DEFLATE || (in[inPos + 3] & 0xe0) != 0) {
            fail(Problem.CORRUPT, start, "a gzip header with an unknown method or flags");
            return false;
        }
        int flags = in[inPos + 3] & 0xff;
        int p = 10;
        if ((flags & FEXTRA) != 0) {
            if (!ensure(p + 2)) return truncatedHeader(start);
            int xlen = (in[inPos + p] & 0xff) | (in[inPos + p + 1] & 0xff) << 8;
            p += 2 + xlen;
        }
        for (int field : new int[] {FNAME, FCOMMENT}) {
            if ((flags & field) == 0) continue;
            while (true) {   // zero-terminated
                if (!ensure(p + 1)) return truncatedHeader(start);
                if (in[inPos + p++] == 0) break;
            }
        }
        if ((flags & FHCRC) != 0) p += 2;
        if (!ensure(p)) return truncatedHeader(start);
        inPos += p;
        memberStart = start;
        inflater.reset();
        inflater.setInput(in, inPos, inLen - inPos);
        crc.reset();
        memberOut = 0;
        inMember = true;
        return true;
    }

    private boolean truncatedHeader(long start) throws IOException {
        fail(Problem.TRUNCATED, start, "the file ends inside a gzip header");
        return false;
    }

    /** The deflate stream ended: checks the trailer. */
    private void finishMember() throws IOException {
        inPos = inLen - inflater.getRemaining();
        if (!ensure(8)) {
            fail(Problem.TRUNCATED, memberStart, "the file ends inside a gzip trailer");
            return;
        }
        long crcRead = le32(inPos), sizeRead = le32(inPos + 4);
        inPos += 8;
        if (crcRead != crc.getValue() || sizeRead != (memberOut & 0xffffffffL)) {
            fail(Problem.CORRUPT, memberStart, "a gzip member's CRC or length does not match its data");
            return;
        }
        inMember = false;
        members++;
        completeEnd = base + inPos;
    }

    private long le32(int i) {
        return (in[i] & 0xffL) | (in[i + 1] & 0xffL) << 8 | (in[i + 2] & 0xffL) << 16 | (in[i + 3] & 0xffL) << 24;
    }

    /** Ends the stream at damage starting at {@code offset}; counts the bytes from there to the end of the file. */
    private void fail(Problem problem, long offset, String detail) throws IOException {
        end = true;
        inMember = false;
        long total = base + inLen;
        if (!rawEof) {
            long skipped;
            while ((skipped = raw.skip(1 << 20)) > 0) total += skipped;
            while (raw.read() >= 0) {
                total++;
                while ((skipped = raw.skip(1 << 20)) > 0) total += skipped;
            }
            rawEof = true;
        }
        damage = new Damage(problem, offset, total - offset, detail);
    }

    /** Makes at least {@code n} unread bytes available at {@code in[inPos]}; false at the end of the file. */
    private boolean ensure(int n) throws IOException {
        while (inLen - inPos < n) {
            if (!fill()) return false;
        }
        return true;
    }

    /** Reads more raw bytes, compacting the buffer; false at the end of the file. */
    private boolean fill() throws IOException {
        if (rawEof) return false;
        if (inPos > 0) {
            System.arraycopy(in, inPos, in, 0, inLen - inPos);
            base += inPos;
            inLen -= inPos;
            inPos = 0;
        }
        if (inLen == in.length) throw new IOException("gzip header field longer than " + in.length + " bytes");
        int n = raw.read(in, inLen, in.length - inLen);
        if (n < 0) {
            rawEof = true;
            return false;
        }
        inLen += n;
        return true;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        raw.close();
    }
}

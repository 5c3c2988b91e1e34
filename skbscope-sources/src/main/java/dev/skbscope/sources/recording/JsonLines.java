package dev.skbscope.sources.recording;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Splits a byte stream into lines in place, skipping blank lines and {@code #} comments. Not
 * thread-safe. Lines are handed out as slices of an internal buffer (valid until the next call) so
 * that the JSON parser reads bytes directly, without a String per line. The last
 * {@value #COUNTERS} comment (a session's source counters, see {@code RecordingWriter#counters}) is kept.
 */
final class JsonLines implements Closeable {
    /** A longer line is reported as too long and skipped rather than buffered without bound. */
    static final int MAX_LINE = 16 << 20;

    private final InputStream in;
    private byte[] buf = new byte[1 << 20];
    private int pos;        // start of unscanned data
    private int limit;      // end of valid data
    private boolean eof;
    private long lineNo;
    private int start, length;
    private boolean tooLong;
    static final String COUNTERS = "# skbscope-counters ";
    private static final byte[] COUNTERS_BYTES = COUNTERS.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private String counters;
    private boolean unterminated;

    JsonLines(InputStream in) { this.in = in; }

    /**
     * Advances to the next line holding content.
     *
     * @return false at the end of the stream
     */
    boolean next() throws IOException {
        while (true) {
            if (!readLine()) return false;
            if (tooLong) return true;
            int s = start, e = start + length;
            while (s < e && isSpace(buf[s])) s++;
            while (e > s && isSpace(buf[e - 1])) e--;
            if (s == e) continue;
            if (buf[s] == '#') {
                String c = countersOf(buf, s, e);
                if (c != null) counters = c;
                continue;
            }
            start = s;
            length = e - s;
            return true;
        }
    }

    private boolean readLine() throws IOException {
        tooLong = false;
        unterminated = false;
        int scan = pos;
        boolean discarding = false;
        while (true) {
            int i = indexOfNewline(buf, scan, limit);
            if (i >= 0) {
                lineNo++;
                if (discarding) { tooLong = true; start = i; length = 0; }
                else { start = pos; length = i - pos; }
                pos = i + 1;
                return true;
            }
            if (eof) {
                if (pos == limit && !discarding) return false;
                lineNo++;
                if (discarding) { tooLong = true; start = limit; length = 0; }
                else { start = pos; length = limit - pos; }
                pos = limit;
                unterminated = true;
                return true;
            }
            if (!discarding && limit - pos >= MAX_LINE) {
                discarding = true;   // keep reading to the newline, dropping what we have
                pos = limit;
            }
            scan = fill();
        }
    }

    /** Reads more bytes; returns the index from which newly read data should be scanned. */
    private int fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        if (limit == buf.length) buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_LINE + (1 << 20)));
        int scanFrom = limit;
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) eof = true;
        else limit += n;
        return scanFrom;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Index of the first '\n' in [from, to), or -1; eight bytes per step (SWAR zero-byte test). */
    static int indexOfNewline(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long v = (long) LONGS.get(b, i) ^ 0x0a0a0a0a0a0a0a0aL;
            long t = (v - 0x0101010101010101L) & ~v & 0x8080808080808080L;
            if (t != 0) return i + (Long.numberOfTrailingZeros(t) >>> 3);
        }
        for (; i < to; i++) if (b[i] == '\n') return i;
        return -1;
    }

    static boolean isSpace(byte b) { return b == ' ' || b == '\t' || b == '\r' || b == '\n'; }

    /** The JSON of a counters comment line {@code buf[s, e)}, or null when it is another comment. */
    static String countersOf(byte[] buf, int s, int e) {
        if (e - s <= COUNTERS_BYTES.length || !Arrays.equals(buf, s, s + COUNTERS_BYTES.length, COUNTERS_BYTES, 0, COUNTERS_BYTES.length)) return null;
        return new String(buf, s + COUNTERS_BYTES.length, e - s - COUNTERS_BYTES.length, java.nio.charset.StandardCharsets.UTF_8);
    }

    byte[] buf() { return buf; }
    int start() { return start; }
    int length() { return length; }
    /** 1-based number of the current line in the file. */
    long lineNo() { return lineNo; }
    /** True when the current line is the last of the stream and has no newline (it may have been cut). */
    boolean unterminated() { return unterminated; }
    /** True when the current line exceeded {@link #MAX_LINE} and its content was dropped. */
    boolean tooLong() { return tooLong; }
    /** The JSON of the last counters comment read so far, or null. */
    String counters() { return counters; }

    @Override public void close() throws IOException { in.close(); }
}

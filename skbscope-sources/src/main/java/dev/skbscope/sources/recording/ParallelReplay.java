package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.zip.ZipException;

/**
 * Reads a pipeline-trace recording as fast as the machine allows: a reader thread cuts the file
 * into blocks of whole lines, {@code decoders} threads decode blocks at once, and the caller takes
 * the events back in file order ({@link #take}). One consumer thread; the threads it starts end
 * at the end of the file or on {@link #close}. For indexing a recording, where decoding the JSON
 * is most of the time; a live replay session keeps {@link ReplaySource} (paced, one thread).
 *
 * <p>It gives exactly the events, bad-line counts and log lines (with their line numbers) of
 * {@link ReplaySource}: the header is looked for on the file's first content line only, and the
 * bad lines of a block are logged when the consumer reaches it. Only the pipeline format: the
 * pwru decoder numbers events without a time in line order, which needs one thread.
 */
public final class ParallelReplay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplaySource.class);
    static final int BLOCK = 4 << 20;
    private static final int BATCH = 4096;

    /** Whole lines of the file: {@code buf[0, len)} ends at a newline (or the end of the file). */
    private static final class Block {
        byte[] buf;
        int len;
        int seq;
        /** A line longer than {@link JsonLines#MAX_LINE}, dropped: counted as one bad line. */
        boolean tooLong;
        /** The file's first content line (where a header may be) is in this block. */
        boolean first;
        /** The block ends the file with a line that has no newline (the writer may have stopped mid-line). */
        boolean unterminated;
    }

    /** A decoded block: its events, its lines and its bad lines (line numbers within the block). */
    private static final class Chunk {
        int seq;
        /** Goes back to the reader when the consumer is done with the chunk: blocks in flight bound memory. */
        Block block;
        final List<EventBatch> batches = new ArrayList<>();
        long lines;
        final List<long[]> badAt = new ArrayList<>();
        final List<String> badWhy = new ArrayList<>();
        String counters;
        /** Bytes of the file's cut last line (no newline, not valid JSON; lost, not bad), or -1. */
        long cutLineBytes = -1;
        Throwable failure;
        boolean end;
    }

    private final Path path;
    private final SourceCounters counters;
    private final BadLineLog badLines;
    private final BlockingQueue<Block> free, work;
    private final BlockingQueue<Chunk> done = new LinkedBlockingQueue<>();
    private final BlockingQueue<EventBatch> batches = new LinkedBlockingQueue<>();
    private final Map<Integer, Chunk> early = new HashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final int decoders;
    private final int blockBytes;
    private int next;
    private long linesBefore;
    private int ended;
    private Chunk current;
    private int currentBatch;
    private String lastCounters;
    private long cutLineBytes = -1;
    /** The gzip reader when the file is gzip (it knows whether the tail was damaged). */
    private final GzipMembers gzip;
    private volatile boolean closed;
    private final InputStream in;

    /**
     * Starts reading {@code path} (a pipeline-trace recording, gzip or not).
     *
     * @param counters where bad lines and events read are counted
     * @param decoders decoding threads (the machine's cores is right: the consumer mostly waits)
     */
    public ParallelReplay(Path path, SourceCounters counters, int decoders) throws IOException {
        this(path, counters, decoders, BLOCK);
    }

    /** With blocks of {@code blockBytes} (small ones in tests, to cut lines everywhere). */
    ParallelReplay(Path path, SourceCounters counters, int decoders, int blockBytes) throws IOException {
        this.path = path;
        this.blockBytes = blockBytes;
        this.counters = counters;
        this.decoders = Math.max(1, decoders);
        this.badLines = new BadLineLog(log, path.toString());
        int blocks = this.decoders * 2 + 2;
        free = new ArrayBlockingQueue<>(blocks);
        work = new ArrayBlockingQueue<>(blocks);
        for (int i = 0; i < blocks; i++) {
            Block b = new Block();
            b.buf = new byte[blockBytes];
            free.add(b);
        }
        InputStream in = RecordingFormats.open(path);
        this.in = in;
        this.gzip = in instanceof GzipMembers g ? g : null;
        threads.add(Thread.ofPlatform().name("replay-reader").daemon().start(() -> read(in)));
        for (int i = 0; i < this.decoders; i++) {
            threads.add(Thread.ofPlatform().name("replay-decoder-" + i).daemon().start(this::decode));
        }
    }

    /** Whether a recording in this format can be read this way. */
    public static boolean supports(RecordingFormat f) { return f == RecordingFormat.PIPELINE; }

    // ------------------------------------------------------------------ reader

    private void read(InputStream in) {
        int seq = 0;
        boolean firstPending = true;
        try (in) {
            byte[] carry = new byte[0];
            int carryLen = 0;
            boolean eof = false;
            while (!eof && !closed) {
                Block b = free.take();
                if (b.buf.length <= carryLen) b.buf = new byte[Math.max(blockBytes, carryLen * 2)];
                System.arraycopy(carry, 0, b.buf, 0, carryLen);
                int len = carryLen;
                b.tooLong = false;
                b.unterminated = false;
                // fill the block; keep what follows its last newline for the next one
                while (len < b.buf.length) {
                    int n = in.read(b.buf, len, b.buf.length - len);
                    if (n < 0) { eof = true; break; }
                    len += n;
                }
                int cut = len;
                if (!eof) {
                    cut = lastNewline(b.buf, len) + 1;
                    if (cut == 0) {   // no newline in a whole block: a line too long to keep
                        if (len >= JsonLines.MAX_LINE) {
                            b.tooLong = true;
                            carry = skipToNewline(in, b.buf, len);
                            carryLen = carry.length;
                            b.len = 0;
                            b.seq = seq++;
                            b.first = false;
                            firstPending = false;   // the long line was the first content line
                            work.put(b);
                            continue;
                        }
                        carry = Arrays.copyOf(b.buf, len);   // the next block grows to hold it, and reads on
                        carryLen = len;
                        free.put(b);
                        continue;
                    }
                }
                carryLen = len - cut;
                if (carry.length < carryLen) carry = new byte[Math.max(carryLen, blockBytes)];
                System.arraycopy(b.buf, cut, carry, 0, carryLen);
                b.len = cut;
                b.unterminated = eof && cut > 0 && b.buf[cut - 1] != '\n';
                b.seq = seq++;
                b.first = firstPending && hasContent(b.buf, cut);
                if (b.first) firstPending = false;
                work.put(b);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ZipException | EOFException e) {
            failed(seq, new IOException(path + ": damaged gzip data (" + e.getMessage() + ")"));
            return;
        } catch (IOException | RuntimeException e) {
            failed(seq, e);
            return;
        }
        for (int i = 0; i < decoders; i++) {
            Block end = new Block();
            end.seq = -1;
            work.offer(end);
        }
        Chunk last = new Chunk();
        last.seq = seq;
        last.end = true;
        done.add(last);
    }

    /** Reads past the rest of an over-long line; returns what follows its newline. */
    private static byte[] skipToNewline(InputStream in, byte[] buf, int len) throws IOException {
        while (true) {
            int n = in.read(buf, 0, buf.length);
            if (n < 0) return new byte[0];
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') return Arrays.copyOfRange(buf, i + 1, n);
            }
        }
    }

    private void failed(int seq, Throwable t) {
        Chunk c = new Chunk();
        c.seq = seq;
        c.failure = t;
        done.add(c);
        for (int i = 0; i < decoders; i++) {
            Block end = new Block();
            end.seq = -1;
            work.offer(end);
        }
    }

    /** Whether {@code b[0, len)} holds a line that is not blank or a comment. */
    private static boolean hasContent(byte[] b, int len) {
        boolean lineStart = true;
        for (int i = 0; i < len; i++) {
            byte c = b[i];
            if (c == '\n') { lineStart = true; continue; }
            if (!lineStart) continue;
            if (JsonLines.isSpace(c)) continue;
            if (c != '#') return true;
            lineStart = false;   // a comment: skip to its end
        }
        return false;
    }

    private static int lastNewline(byte[] b, int len) {
        for (int i = len - 1; i >= 0; i--) if (b[i] == '\n') return i;
        return -1;
    }

    // ------------------------------------------------------------------ decoders

    private void decode() {
        JsonLineDecoder decoder = RecordingFormats.decoder(RecordingFormat.PIPELINE);
        try {
            while (true) {
                Block b = work.take();
                if (b.seq < 0) return;
                Chunk c = new Chunk();
                c.seq = b.seq;
                c.block = b;
                try {
                    if (b.tooLong) {
                        c.lines = 1;
                        c.badAt.add(new long[]{1});
                        c.badWhy.add("line longer than " + (JsonLines.MAX_LINE >> 20) + " MiB");
                    } else {
                        decodeBlock(decoder, b, c);
                    }
                } catch (RuntimeException e) {
                    c.failure = new IOException("internal error while reading: " + e, e);
                }
                done.put(c);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void decodeBlock(JsonLineDecoder decoder, Block b, Chunk c) {
        decoder.expectFirstLine(b.first);
        byte[] buf = b.buf;
        EventBatch batch = batch();
        long line = 0;
        int pos = 0;
        while (pos < b.len) {
            int nl = JsonLines.indexOfNewline(buf, pos, b.len);
            int end = nl < 0 ? b.len : nl;
            line++;
            int s = pos, e = end;
            pos = nl < 0 ? b.len : nl + 1;
            while (s < e && JsonLines.isSpace(buf[s])) s++;
            while (e > s && JsonLines.isSpace(buf[e - 1])) e--;
            if (s == e) continue;
            if (buf[s] == '#') {
                String counters = JsonLines.countersOf(buf, s, e);
                if (counters != null) c.counters = counters;
                continue;
            }
            TraceEvent ev = batch.next();
            if (ev == null) {
                c.batches.add(batch);
                batch = batch();
                ev = batch.next();
            }
            int r = decoder.decode(buf, s, e - s, line, ev.clear());
            if (r == JsonLineDecoder.EVENT) continue;
            batch.undoNext();
            if (r == JsonLineDecoder.BAD && nl < 0 && b.unterminated) {
                c.cutLineBytes = e - s;   // the writer stopped mid-line (a crash): lost, not bad (as ReplaySource)
            } else if (r == JsonLineDecoder.BAD) {
                c.badAt.add(new long[]{line});
                c.badWhy.add(decoder.reason());
            }
        }
        if (batch.size() > 0) c.batches.add(batch);
        else batches.offer(batch);
        c.lines = line;
    }

    private EventBatch batch() {
        EventBatch b = batches.poll();
        if (b == null) return new EventBatch(BATCH);
        b.reset();
        return b;
    }

    // ------------------------------------------------------------------ consumer

    /**
     * The next batch of events in file order, or null at the end; give it back with
     * {@link #release}. Bad lines are counted and logged as their blocks come.
     *
     * @throws IOException a damaged gzip stream, a read error
     */
    public EventBatch take() throws IOException, InterruptedException {
        while (true) {
            if (current != null && currentBatch < current.batches.size()) {
                EventBatch b = current.batches.get(currentBatch++);
                counters.eventsRead.addAndGet(b.size());
                return b;
            }
            if (current != null && current.end) return null;
            if (current != null && current.block != null) free.put(current.block);
            current = nextChunk();
            currentBatch = 0;
            if (current.failure != null) {
                Throwable f = current.failure;
                throw f instanceof IOException io ? io : new IOException(f.toString(), f);
            }
            if (current.end) {
                badLines.finish();
                return null;
            }
            for (int i = 0; i < current.badAt.size(); i++) {
                counters.badLines.incrementAndGet();
                badLines.report(linesBefore + current.badAt.get(i)[0], current.badWhy.get(i));
            }
            if (current.counters != null) lastCounters = current.counters;
            if (current.cutLineBytes >= 0) cutLineBytes = current.cutLineBytes;
            linesBefore += current.lines;
        }
    }

    private Chunk nextChunk() throws InterruptedException {
        Chunk c = early.remove(next);
        while (c == null) {
            Chunk d = done.take();
            if (d.seq == next) c = d;
            else early.put(d.seq, d);
        }
        next++;
        return c;
    }

    /** Gives back a batch {@link #take} returned. */
    public void release(EventBatch b) {
        b.reset();
        batches.offer(b);
    }

    /** The JSON of the last source-counters comment read so far, or null. */
    public String counters() { return lastCounters; }

    /**
     * A one-line warning about a damaged or cut end of the file, as {@link ReplaySource#tailWarning}
     * (once {@link #take} has returned null), or null when it ended cleanly.
     */
    public String tailWarning() {
        return RecordingRepair.tailWarning(gzip == null ? null : gzip.damage(), cutLineBytes);
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) t.interrupt();
        try {
            in.close();
        } catch (IOException ignored) {
            // stopping anyway
        }
    }
}

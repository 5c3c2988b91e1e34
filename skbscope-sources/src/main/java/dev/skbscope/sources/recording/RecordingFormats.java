package dev.skbscope.sources.recording;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Opens recordings (gzip by content, not by name) and tells their format from the first lines.
 * Stateless and thread-safe.
 */
public final class RecordingFormats {
    /** Content lines looked at before giving up on recognising a file. */
    static final int DETECT_LINES = 64;
    /** Bytes looked at before giving up (a binary file may have no newline at all). */
    static final int DETECT_BYTES = 1 << 20;

    private RecordingFormats() { }

    /**
     * What the first lines of a recording say.
     *
     * @param format the detected format ({@link RecordingFormat#PIPELINE} for an empty file)
     * @param header the header (pipeline-trace) or startup (Retis) keys, empty if none
     */
    public record Detected(RecordingFormat format, Map<String, Object> header) { }

    /**
     * Opens the file for reading, decompressing gzip (as a {@link GzipMembers}, which tells a
     * damaged tail). Errors are one clear line.
     */
    static InputStream open(Path path) throws IOException {
        if (Files.isDirectory(path)) throw new IOException(path + ": is a directory, not a recording");
        InputStream in;
        try {
            in = Files.newInputStream(path);
        } catch (NoSuchFileException x) {
            throw new IOException("recording not found: " + path);
        } catch (AccessDeniedException x) {
            throw new IOException(path + ": permission denied");
        }
        BufferedInputStream peek = new BufferedInputStream(in, 2);
        peek.mark(2);
        int b0 = peek.read(), b1 = peek.read();
        peek.reset();
        // member by member, ending at a damaged tail instead of failing (see GzipMembers)
        if (b0 == 0x1f && b1 == 0x8b) return new GzipMembers(peek);
        return peek;
    }

    /** Detects the format from the first non-comment lines. */
    public static Detected detect(Path path) throws IOException {
        try (JsonLines lines = new JsonLines(new LimitedStream(open(path), DETECT_BYTES))) {
            int seen = 0;
            while (seen < DETECT_LINES && lines.next()) {
                if (lines.tooLong()) continue;
                seen++;
                Map<String, Object> m = JsonLineDecoder.readMap(lines.buf(), lines.start(), lines.length());
                if (m == null) continue;
                RecordingFormat f = classify(m);
                if (f == null) continue;
                Map<String, Object> header = Map.of();
                if (f == RecordingFormat.PIPELINE && m.containsKey("format")) header = m;
                if (f == RecordingFormat.RETIS && m.get("startup") instanceof Map<?, ?> s) {
                    @SuppressWarnings("unchecked") Map<String, Object> startup = (Map<String, Object>) s;
                    header = startup;
                }
                return new Detected(f, header);
            }
            if (seen == 0) return new Detected(RecordingFormat.PIPELINE, Map.of());
        } catch (java.util.zip.ZipException | java.io.EOFException x) {
            throw new IOException(path + ": damaged gzip data (" + x.getMessage() + ")");
        }
        throw new IOException(path + ": not a recording (no pipeline-trace, Retis or pwru JSON line among its first lines)");
    }

    /** The format one JSON object looks like, or null. */
    static RecordingFormat classify(Map<String, Object> m) {
        if (m.containsKey("format") || (m.containsKey("ts_ns") && m.containsKey("probe"))) return RecordingFormat.PIPELINE;
        if (m.containsKey("startup") || m.containsKey("skb-tracking")
                || (m.get("common") instanceof Map && m.get("kernel") instanceof Map)) return RecordingFormat.RETIS;
        if (m.containsKey("func") && (m.containsKey("skb") || m.containsKey("skb_shared_info"))) return RecordingFormat.PWRU;
        return null;
    }

    static JsonLineDecoder decoder(RecordingFormat f) {
        return switch (f) {
            case PIPELINE, AUTO -> new PipelineDecoder();
            case RETIS -> new RetisDecoder();
            case PWRU -> new PwruDecoder();
        };
    }

    /** Stops after a byte budget, so detection never reads a huge binary file whole. */
    private static final class LimitedStream extends java.io.FilterInputStream {
        private long left;

        LimitedStream(InputStream in, long limit) {
            super(in);
            left = limit;
        }

        @Override public int read() throws IOException {
            if (left <= 0) return -1;
            int b = super.read();
            if (b >= 0) left--;
            return b;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }
}

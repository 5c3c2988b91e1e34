package dev.skbscope.server.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Confines recording paths given by clients to the allowed directories (the data dir's
 * {@code recordings/} and each {@code --allow-dir}). Immutable and thread-safe.
 *
 * <p>The rules, each refused with a message that names the rule but never a directory of this
 * machine: no control characters (NUL included); at most {@value #MAX_PATH} bytes, and
 * {@value #MAX_NAME} per name; no {@code ..}; a relative path is looked up in each directory in
 * order; an absolute one must lie inside one of them. The file found is followed through its
 * symlinks, and its real path must still be inside an allowed directory (a link pointing out is
 * refused as if the file did not exist) and be a regular file (not a FIFO that would block the
 * reader, not a device). A file that is missing and one that is outside get the same answer, so
 * the server cannot be used to probe which files exist.
 */
public final class RecordingPaths {
    static final int MAX_PATH = 4096;
    static final int MAX_NAME = 255;
    /** Where relative paths are looked up and where every resolved file must lie, in order. */
    private final List<Path> dirs;

    /** A path refused, with the rule it broke (safe to show to the client). */
    public static final class Refused extends Exception {
        Refused(String rule) {
            super(rule, null, false, false);
        }
    }

    public RecordingPaths(List<Path> dirs) {
        this.dirs = dirs.stream().map(d -> d.toAbsolutePath().normalize()).toList();
    }

    /**
     * The real path of the recording the client means.
     *
     * @throws Refused when it breaks a rule or is not a regular file inside an allowed directory
     */
    public Path resolve(String given) throws Refused {
        if (given == null || given.isBlank()) throw new Refused("a recording path is required");
        for (int i = 0; i < given.length(); i++) {
            char c = given.charAt(i);
            if (c < 0x20 || c == 0x7f) throw new Refused("must not contain control characters (NUL, newlines, ...)");
        }
        if (given.getBytes(StandardCharsets.UTF_8).length > MAX_PATH)
            throw new Refused("longer than " + MAX_PATH + " bytes");
        Path p;
        try {
            p = Path.of(given);
        } catch (InvalidPathException e) {
            throw new Refused("not a valid path");
        }
        for (Path part : p) {
            String name = part.toString();
            if (name.equals("..")) throw new Refused("must not contain '..': recordings are read only from the recordings directory and --allow-dir directories");
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME)
                throw new Refused("a file or directory name is longer than " + MAX_NAME + " bytes");
        }
        List<Path> candidates = new ArrayList<>();
        if (p.isAbsolute()) candidates.add(p.normalize());
        else for (Path d : dirs) candidates.add(d.resolve(p).normalize());
        for (Path c : candidates) {
            Path real;
            try {
                real = c.toRealPath();
            } catch (IOException | SecurityException e) {
                continue;
            }
            if (inside(real) && Files.isRegularFile(real)) return real;
        }
        throw new Refused(p.isAbsolute()
                ? "no recording at that path inside the recordings directory or an --allow-dir directory"
                : "no recording of that name in the recordings directory or an --allow-dir directory");
    }

    private boolean inside(Path real) {
        for (Path d : dirs) {
            try {
                if (real.startsWith(d.toRealPath())) return true;
            } catch (IOException | SecurityException ignored) {
                // an allowed directory that vanished allows nothing
            }
        }
        return false;
    }
}

package dev.skbscope.server.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.server.ServerJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Sessions on disk: {@code <data>/sessions/<id>/session.json} (settings and state),
 * {@code stats.json} (last snapshot) and {@code recording.jsonl.gz}. Files are replaced atomically
 * (write a temporary file, then rename), so a crash leaves the previous version. Thread-safe:
 * each write goes to its own temporary file.
 */
public final class SessionStore {
    private static final Logger log = LoggerFactory.getLogger(SessionStore.class);
    public static final String INFO = "session.json";
    public static final String STATS = "stats.json";
    public static final String RECORDING = "recording.jsonl.gz";
    /** When the last checkpoint of a running session was taken and how much of its recording it covers. */
    public static final String CHECKPOINT = "checkpoint.json";

    private final Path root;

    public SessionStore(Path dataDir) throws IOException {
        this.root = dataDir.resolve("sessions");
        Files.createDirectories(root);
    }

    public Path dir(String id) { return root.resolve(id); }
    public Path recording(String id) { return dir(id).resolve(RECORDING); }
    public Path statsFile(String id) { return dir(id).resolve(STATS); }

    public void ensureDir(String id) throws IOException { Files.createDirectories(dir(id)); }

    public void saveInfo(String id, byte[] json) throws IOException { writeAtomically(dir(id).resolve(INFO), json); }

    public void saveStats(String id, byte[] json) throws IOException { writeAtomically(statsFile(id), json); }

    public void saveCheckpoint(String id, byte[] json) throws IOException { writeAtomically(dir(id).resolve(CHECKPOINT), json); }

    /** Removes a session's checkpoint (its run ended cleanly, or a new run starts). */
    public void deleteCheckpoint(String id) {
        try {
            Files.deleteIfExists(dir(id).resolve(CHECKPOINT));
        } catch (IOException e) {
            log.warn("[Store] {}: cannot delete {}: {}", id, CHECKPOINT, e.getMessage());
        }
    }

    /** Renames an existing recording so that a restarted session does not overwrite it. */
    public void keepOldRecording(String id) throws IOException {
        Path rec = recording(id);
        String stamp = Instant.now().toString().replace(':', '-');
        Files.move(rec, dir(id).resolve("recording-" + stamp + ".jsonl.gz"));
    }

    /** Deletes a session's directory and everything in it. */
    public void purge(String id) throws IOException {
        Path d = dir(id);
        if (!Files.exists(d)) return;
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** A session as found on disk: its info, last stats and last checkpoint (null if none was saved). */
    public record Stored(String id, ObjectNode info, JsonNode stats, JsonNode checkpoint) { }

    /** Every readable session directory; unreadable ones are logged and skipped. */
    public List<Stored> loadAll() {
        List<Stored> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path d : ds) {
                Path info = d.resolve(INFO);
                if (!Files.isRegularFile(info)) continue;
                try {
                    JsonNode n = ServerJson.MAPPER.readTree(info.toFile());
                    if (!(n instanceof ObjectNode o)) throw new IOException("not a JSON object");
                    JsonNode stats = null;
                    Path sf = d.resolve(STATS);
                    if (Files.isRegularFile(sf)) {
                        try {
                            stats = ServerJson.MAPPER.readTree(sf.toFile());
                        } catch (IOException e) {
                            log.warn("[Store] {}: unreadable stats.json ({}), showing none", d.getFileName(), e.getMessage());
                        }
                    }
                    JsonNode checkpoint = null;
                    Path cf = d.resolve(CHECKPOINT);
                    if (Files.isRegularFile(cf)) {
                        try {
                            checkpoint = ServerJson.MAPPER.readTree(cf.toFile());
                        } catch (IOException e) {
                            log.warn("[Store] {}: unreadable checkpoint.json ({})", d.getFileName(), e.getMessage());
                        }
                    }
                    out.add(new Stored(d.getFileName().toString(), o, stats, checkpoint));
                } catch (IOException e) {
                    log.warn("[Store] Skipping {}: {}", info, e.getMessage());
                }
            }
        } catch (IOException e) {
            log.warn("[Store] Cannot list {}: {}", root, e.getMessage());
        }
        return out;
    }

    private static void writeAtomically(Path target, byte[] data) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + "." + Thread.currentThread().threadId() + ".tmp");
        Files.write(tmp, data);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}

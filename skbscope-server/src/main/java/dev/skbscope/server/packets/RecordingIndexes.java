package dev.skbscope.server.packets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.packet.PacketQueryParser;
import dev.skbscope.engine.packet.PacketView;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;
import dev.skbscope.sources.recording.RecordingFormat;
import dev.skbscope.sources.recording.RecordingPackets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The packet indexes of session recordings, built on the first query and kept for later ones (the
 * {@value #KEPT} most recently used: an index of a million-event recording is ~30 MB). Thread-safe:
 * concurrent first queries of one recording wait for one build. An index is keyed by the file's
 * path, size and modification time, so a recording that changed is indexed again.
 */
public final class RecordingIndexes implements RecordingQueries {
    private static final Logger log = LoggerFactory.getLogger(RecordingIndexes.class);
    static final int KEPT = 2;

    private record Key(Path path, long size, long modifiedMillis) { }

    private final Map<Key, CompletableFuture<RecordingPackets>> cache = new LinkedHashMap<>(4, 0.75f, true);

    /** The index of {@code recording}, building it if needed (on the caller's thread). */
    public RecordingPackets get(Path recording) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(recording, BasicFileAttributes.class);
        } catch (IOException e) {
            throw ApiException.notFound("no recording to query");
        }
        Key key = new Key(recording, a.size(), a.lastModifiedTime().toMillis());
        CompletableFuture<RecordingPackets> f, mine = null;
        synchronized (cache) {
            f = cache.get(key);
            if (f == null) {
                f = mine = new CompletableFuture<>();
                cache.put(key, f);
                cache.keySet().removeIf(k -> k.path().equals(recording) && !k.equals(key));
                while (cache.size() > KEPT) cache.remove(cache.keySet().iterator().next());
            }
        }
        if (mine != null) {
            try {
                RecordingPackets p = RecordingPackets.index(recording, RecordingFormat.AUTO, null, RecordingPackets.DEFAULT_KEEP);
                log.info("[Packets] Indexed {}: {} packets in {} ms", recording, p.totalPackets(), p.loadNanos() / 1_000_000);
                mine.complete(p);
            } catch (IOException | RuntimeException e) {
                synchronized (cache) { cache.remove(key); }
                mine.completeExceptionally(e);
            }
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException(e.getCause());
        }
    }

    @Override
    public ObjectNode packets(Path recording, Map<String, List<String>> params, boolean detail) throws IOException {
        PacketQueryParser.Request req = PacketQueryParser.parse(params, Set.of());
        return ServerJson.MAPPER.valueToTree(get(recording).packets(req.query(), req.before(), req.limit(), detail));
    }

    @Override
    public ObjectNode packet(Path recording, long id) throws IOException {
        PacketView p = get(recording).packet(id);
        return p == null ? null : ServerJson.MAPPER.valueToTree(p);
    }

    /** Forgets the index of {@code recording} (the session was purged or restarted). */
    public void forget(Path recording) {
        synchronized (cache) {
            cache.keySet().removeIf(k -> k.path().equals(recording));
        }
    }
}

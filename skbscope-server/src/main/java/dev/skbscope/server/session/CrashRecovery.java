package dev.skbscope.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.server.ServerJson;
import dev.skbscope.sources.recording.RecordingRepair;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * After a crash, checks and repairs a session's recording against its last checkpoint. Stateless;
 * runs off the request threads (a recording without a checkpoint is read whole).
 *
 * <p>The checkpoint names a gzip member boundary of the recording and the events before it, so only
 * what was written after it is read: the repair ({@link RecordingRepair}) truncates a member cut by
 * the crash and keeps its whole lines, and the events counted tell whether the recording holds
 * more than the checkpoint's stats, in which case the stats can be rebuilt from it.
 */
final class CrashRecovery {
    private CrashRecovery() { }

    static final String REASON = "server stopped unexpectedly";

    /**
     * @param recording  the session's recording (must exist)
     * @param checkpoint {@code checkpoint.json}, or null
     * @param stats      the stats shown for the session ({@code stats.json}), or null
     * @return {@code recording_check}: state, events, repair, events after the checkpoint, note
     */
    static ObjectNode check(String sessionId, Path recording, JsonNode checkpoint, JsonNode stats) throws IOException {
        long size = Files.size(recording);
        long from = 0, before = 0;
        if (checkpoint != null) {
            long b = checkpoint.path("recording_bytes").asLong(-1);
            if (b > 0 && b <= size) {
                from = b;
                before = checkpoint.path("recording_events").asLong(0);
            }
        }
        RecordingRepair.Report r = RecordingRepair.repair(recording, from);
        // every line is an event, but the header that opens the file
        long events = before + r.linesAfter() - (from == 0 && r.linesAfter() > 0 ? 1 : 0);
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        out.put("state", r.clean() ? "complete" : "repaired");
        out.put("events", events);
        if (!r.clean()) {
            out.put("repair", r.describe() + "; the file was cut back to its last complete gzip member"
                    + (r.salvagedLines() > 0 ? " and the cut member's " + r.salvagedLines() + " complete lines kept" : ""));
        }
        long statsEvents = stats == null ? -1 : stats.path("total_events").asLong(-1);
        if (statsEvents >= 0) {
            long more = events - statsEvents;
            out.put("events_after_checkpoint", Math.max(0, more));
            if (more > 0)
                out.put("note", "the recording holds " + more + " more events than the last checkpoint's stats; "
                        + "POST /api/sessions/" + sessionId + "/rebuild rebuilds the final stats from it");
        }
        return out;
    }
}

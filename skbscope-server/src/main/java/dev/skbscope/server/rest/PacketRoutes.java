package dev.skbscope.server.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.SessionStatsTracker;
import dev.skbscope.engine.packet.PacketQueryParser;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;
import dev.skbscope.server.packets.RecordingQueries;
import dev.skbscope.server.session.Session;
import dev.skbscope.server.session.SessionRegistry;
import dev.skbscope.server.store.SessionStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The packets behind a session's numbers: {@code GET /api/sessions/{id}/packets} (filters, limit,
 * cursor; newest first) and {@code GET /api/sessions/{id}/packets/{packet_id}} (a whole journey).
 * With {@code detail=true} the list carries whole journeys (hops, verdicts), so a client can show
 * a packet that has left the history since. Packets come from the session's live history (the last N finished and the exemplars) or, with
 * {@code from=recording} or for a session that has no tracker in this process, from its
 * recording's index. Handlers run on Jetty threads; the tracker and the index are thread-safe.
 */
public final class PacketRoutes {
    /** Query parameters handled here or by the access guard, not filters. */
    private static final Set<String> NOT_FILTERS = Set.of("token", "from", "detail");

    private final SessionRegistry registry;
    private final SessionStore store;
    private final RecordingQueries recordings;

    public PacketRoutes(SessionRegistry registry, SessionStore store, RecordingQueries recordings) {
        this.registry = registry;
        this.store = store;
        this.recordings = recordings;
    }

    public void register(RoutesConfig r) {
        r.get("/api/sessions/{id}/packets", this::list);
        r.get("/api/sessions/{id}/packets/{packet_id}", this::one);
    }

    private enum From { LIVE, RECORDING }

    private void list(Context ctx) throws IOException {
        Session s = registry.require(ctx.pathParam("id"));
        Map<String, List<String>> params = ctx.queryParamMap();
        PacketQueryParser.Request req;
        try {
            req = PacketQueryParser.parse(params, NOT_FILTERS);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        From from = from(ctx, s);
        boolean detail = flag(ctx, "detail");
        ObjectNode page;
        if (from == From.LIVE) {
            page = ServerJson.MAPPER.valueToTree(s.tracker().packets(req.query(), req.before(), req.limit(), detail));
        } else {
            Map<String, List<String>> filters = new java.util.LinkedHashMap<>(params);
            filters.keySet().removeAll(NOT_FILTERS);
            Path rec = recordingOf(s);
            try {
                page = recordings.packets(rec, filters, detail);
            } catch (IOException e) {
                throw cannotRead(s, e);
            }
        }
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        out.put("session_id", s.id());
        out.put("from", from.name().toLowerCase());
        out.setAll(page);
        ctx.json(out);
    }

    private void one(Context ctx) throws IOException {
        Session s = registry.require(ctx.pathParam("id"));
        String raw = ctx.pathParam("packet_id");
        for (String k : ctx.queryParamMap().keySet()) {
            if (!k.equals("token") && !k.equals("from")) throw ApiException.badRequest(k + ": unknown parameter (only from)");
        }
        long id = PacketQueryParser.packetId(raw);
        From from = from(ctx, s);
        Object p = id < 0 ? null : from == From.LIVE ? s.tracker().packet(id) : recordingPacket(s, id);
        if (p == null) {
            throw ApiException.notFound("packet_id: no packet " + quote(raw) + " in session " + s.id()
                    + (from == From.LIVE ? " (it keeps the last " + s.tracker().config().packetHistory()
                    + " finished packets and its exemplars; from=recording searches its recording)" : ""));
        }
        ctx.json(p);
    }

    /** Where to answer from: the {@code from} parameter, else live when the session's tracker keeps packets. */
    private From from(Context ctx, Session s) {
        String f = ctx.queryParam("from");
        if (ctx.queryParams("from").size() > 1) throw ApiException.badRequest("from: given more than once");
        SessionStatsTracker t = s.tracker();
        boolean live = t != null && t.keepsPackets();
        if (f == null) return live ? From.LIVE : From.RECORDING;
        return switch (f) {
            case "live" -> {
                if (!live) throw ApiException.conflict("from: session " + s.id() + " has no live packets in this server "
                        + (t == null ? "(it ran before a restart)" : "(packet_history is 0)") + "; use from=recording");
                yield From.LIVE;
            }
            case "recording" -> From.RECORDING;
            default -> throw ApiException.badRequest("from: must be live or recording");
        };
    }

    /** Packet {@code id} of the session's recording, or null. */
    private ObjectNode recordingPacket(Session s, long id) {
        try {
            return recordings.packet(recordingOf(s), id);
        } catch (IOException e) {
            throw cannotRead(s, e);
        }
    }

    /** A recording that cannot be read is the server's error, said plainly. */
    private static ApiException cannotRead(Session s, IOException e) {
        return new ApiException(500, "the recording of session " + s.id() + " cannot be read: " + e.getMessage());
    }

    /** An optional true/false parameter (absent: false). */
    private static boolean flag(Context ctx, String name) {
        List<String> v = ctx.queryParams(name);
        if (v.isEmpty()) return false;
        if (v.size() > 1) throw ApiException.badRequest(name + ": given more than once");
        return switch (v.get(0)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badRequest(name + ": must be true or false");
        };
    }

    private Path recordingOf(Session s) {
        if (s.running()) {
            SessionStatsTracker t = s.tracker();
            throw ApiException.conflict("from: session " + s.id() + " is running and its recording is still being written; "
                    + (t != null && t.keepsPackets() ? "query its live packets (from=live), or stop it first"
                    : "it keeps no live packets (packet_history 0): stop it to query its recording"));
        }
        Path rec = store.recording(s.id());
        if (!Files.isRegularFile(rec)) throw ApiException.notFound("session " + s.id() + " has no recording to query");
        return rec;
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
    }
}

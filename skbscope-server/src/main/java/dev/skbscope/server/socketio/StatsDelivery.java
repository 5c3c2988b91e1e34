package dev.skbscope.server.socketio;

import dev.skbscope.server.stats.PublishedStats;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which clients get which session's published stats, and when. Confined to one thread (the
 * Socket.IO loop), so it needs no locks. A client joins a session's room and gets the latest
 * published value at once; at each tick every room gets its session's value for that tick; a
 * session whose value is not there at the tick (its thread was late) has its room served when it
 * publishes ({@link #published}); a run's last value (or stored stats) goes out once. Nothing
 * here takes a snapshot: it only reads what the sessions published.
 *
 * @param <C> a client
 */
final class StatsDelivery<C> {
    /** Sends one value to clients; the delivery never calls it with an empty collection. */
    interface Sender<C> {
        void send(Collection<C> clients, PublishedStats stats);
    }

    private static final long NONE = Long.MIN_VALUE;

    /** One session's room. */
    private static final class Room<C> {
        final Set<C> members = new LinkedHashSet<>();
        /** The value last sent to the room, or null. */
        PublishedStats sent;
        /** The tick the room still waits for (its session was late), or NONE. */
        long awaiting = NONE;
    }

    private final Function<String, PublishedStats> latest;
    private final Sender<C> sender;
    private final Runnable onLate;
    private final Map<String, Room<C>> rooms = new HashMap<>();
    private final Map<C, Set<String>> joined = new HashMap<>();

    /**
     * @param latest a session's latest published stats, or null (unknown session, none yet)
     * @param onLate run for each room update sent after its tick (metrics)
     */
    StatsDelivery(Function<String, PublishedStats> latest, Sender<C> sender, Runnable onLate) {
        this.latest = latest;
        this.sender = sender;
        this.onLate = onLate;
    }

    /** Adds the client to the session's room and sends it the latest value at once. */
    void join(C client, String sessionId) {
        Room<C> room = rooms.get(sessionId);
        boolean fresh = room == null;
        if (fresh) rooms.put(sessionId, room = new Room<>());
        room.members.add(client);
        joined.computeIfAbsent(client, k -> new LinkedHashSet<>()).add(sessionId);
        PublishedStats p = latest.apply(sessionId);
        if (p == null) return;
        if (fresh) room.sent = p;   // its only member has it: the next tick sends only something newer
        sender.send(List.of(client), p);
    }

    /** Removes the client from one room. */
    void leave(C client, String sessionId) {
        Set<String> mine = joined.get(client);
        if (mine == null || !mine.remove(sessionId)) return;
        if (mine.isEmpty()) joined.remove(client);
        removeFromRoom(client, sessionId);
    }

    /** Removes the client from every room (it disconnected). */
    void leaveAll(C client) {
        Set<String> mine = joined.remove(client);
        if (mine != null) for (String id : mine) removeFromRoom(client, id);
    }

    private void removeFromRoom(C client, String sessionId) {
        Room<C> room = rooms.get(sessionId);
        if (room == null) return;
        room.members.remove(client);
        if (room.members.isEmpty()) rooms.remove(sessionId);
    }

    /** The clients in a session's room (empty if none); a live view, for this thread only. */
    Set<C> members(String sessionId) {
        Room<C> room = rooms.get(sessionId);
        return room == null ? Set.of() : room.members;
    }

    /** Clients in at least one room. */
    int subscribedClients() { return joined.size(); }

    /** Rooms the client is in (tests). */
    Set<String> roomsOf(C client) { return joined.getOrDefault(client, Set.of()); }

    /**
     * Tick {@code k}: each room gets its session's value for this tick (or a later one), or the
     * run's last value if not sent yet; a room whose session has not published for this tick
     * waits for {@link #published}.
     */
    void tick(long k) {
        for (var e : rooms.entrySet()) {
            Room<C> room = e.getValue();
            PublishedStats p = latest.apply(e.getKey());
            if (p != null && p != room.sent && (p.tick() >= k || p.last() || (room.awaiting != NONE && p.tick() >= room.awaiting))) {
                if (p.tick() < k && !p.last()) onLate.run();   // an earlier tick's value that came after its tick
                send(room, p);
            }
            room.awaiting = p == null || p.last() || (room.sent != null && room.sent.tick() >= k) ? NONE : k;
        }
    }

    /** A session published: a room that waits for it gets the value now (late for its tick). */
    void published(String sessionId) {
        Room<C> room = rooms.get(sessionId);
        if (room == null || room.awaiting == NONE) return;
        PublishedStats p = latest.apply(sessionId);
        if (p == null || p == room.sent || (p.tick() < room.awaiting && !p.last())) return;
        room.awaiting = NONE;
        onLate.run();
        send(room, p);
    }

    private void send(Room<C> room, PublishedStats p) {
        room.sent = p;
        sender.send(room.members, p);
    }
}

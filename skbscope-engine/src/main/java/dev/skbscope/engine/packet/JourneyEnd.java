package dev.skbscope.engine.packet;

/** How a journey ended; immutable. The ids are API (JSON {@code end}, the {@code end} filter). */
public enum JourneyEnd {
    /** Not ended yet (a recording's packets still tracked at its end). */
    IN_FLIGHT("in_flight"),
    /** consume_skb, or it left through nic/nic_tx and came back in as a new journey (veth, loopback). */
    COMPLETED("completed"),
    /** A DROP verdict or kfree_skb: the drop node and reason say where and why. */
    DROPPED("dropped"),
    /** Known only by an nft trace id (no end event) and quiet for 1 s of event time. */
    EXPIRED("expired"),
    /** Pushed out of tracking because more than max_tracked_skbs packets were in flight. */
    EVICTED("evicted");

    private static final JourneyEnd[] VALUES = values();
    private final String id;

    JourneyEnd(String id) { this.id = id; }

    public String id() { return id; }

    public static JourneyEnd of(int ordinal) { return VALUES[ordinal]; }

    /** The end with this id, or null. */
    public static JourneyEnd byId(String id) {
        for (JourneyEnd e : VALUES) if (e.id.equals(id)) return e;
        return null;
    }
}

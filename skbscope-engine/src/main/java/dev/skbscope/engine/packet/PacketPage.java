package dev.skbscope.engine.packet;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.skbscope.engine.PipelineNode;

import java.util.ArrayList;
import java.util.List;

/**
 * One page of a packet query, newest first; immutable.
 *
 * @param packets    the packets of this page (list views: no hops or verdicts)
 * @param count      packets on this page
 * @param matched    packets in the store that match the query, over all pages
 * @param kept       packets the store holds (the last N finished and the pinned exemplars)
 * @param nextCursor pass as {@code cursor} for the next (older) page; null on the last page
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PacketPage(
        @JsonProperty("packets") List<PacketView> packets,
        @JsonProperty("count") int count,
        @JsonProperty("matched") long matched,
        @JsonProperty("kept") long kept,
        @JsonProperty("next_cursor") String nextCursor) {

    /**
     * The page of a query result; views are built here, outside any lock.
     *
     * @param detail whole journeys (hops, verdicts) instead of list views
     */
    public static PacketPage of(PacketQuery.Result r, PacketView.RuleNames rules, PipelineNode latencyNode, boolean detail) {
        List<PacketView> views = new ArrayList<>(r.count());
        for (int i = 0; i < r.count(); i++) views.add(PacketView.of(r.journeys(), i, rules, detail, latencyNode));
        return new PacketPage(List.copyOf(views), r.count(), r.matched(), r.kept(),
                r.nextBefore() > 0 ? PacketQueryParser.cursor(r.nextBefore()) : null);
    }
}

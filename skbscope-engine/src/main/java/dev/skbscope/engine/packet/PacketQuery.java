package dev.skbscope.engine.packet;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.filter.Cidr;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * A question about packets: every field is optional (null = any) and all given fields must hold.
 * Immutable and thread-safe. The same query runs over a session's live history and over a
 * recording's index ({@link PacketHistory#query}); {@link PacketQueryParser} builds it from REST
 * query parameters or command-line options. Unlike a session's capture filter, a field the packet
 * does not carry (no addresses known) does not match.
 *
 * @param src          source address in this prefix
 * @param dst          destination address in this prefix
 * @param host         either address in this prefix
 * @param sport        source port
 * @param dport        destination port
 * @param port         either port
 * @param proto        IP protocol number
 * @param netns        network namespace inode
 * @param ifindex      interface index (the first one the packet was seen on)
 * @param node         it entered this node
 * @param path         {@code inbound} (received: the inbound part and both branches), {@code local},
 *                     {@code forward} or {@code outbound}
 * @param verdict      one of its events carried this verdict
 * @param dropReason   it was dropped with this reason
 * @param ruleHandle   an nft rule with this handle gave it a verdict
 * @param minLatencyUs its time at {@code node} (its longest hop there), or without {@code node} its
 *                     whole duration, is at least this
 * @param maxLatencyUs ... is at most this
 * @param since        it started at or after this time
 * @param until        it started before this time
 * @param end          how it ended
 * @param skb          its skb identity
 */
public record PacketQuery(Cidr src, Cidr dst, Cidr host, Integer sport, Integer dport, Integer port, Integer proto,
                          Long netns, Integer ifindex, PipelineNode node, PipelineNode.Path path, Verdict verdict,
                          String dropReason, Long ruleHandle, Double minLatencyUs, Double maxLatencyUs,
                          TimeBound since, TimeBound until, JourneyEnd end, Long skb) {

    public static final PacketQuery ANY = new PacketQuery(null, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, null, null, null);

    /**
     * A time filter: an event-clock time in ns, or an offset from the first event (of the session
     * or recording) or back from the newest.
     */
    public record TimeBound(long ns, Anchor anchor) {
        public enum Anchor { ABSOLUTE, FROM_FIRST, FROM_LAST }

        long resolve(long firstNs, long lastNs) {
            return switch (anchor) {
                case ABSOLUTE -> ns;
                case FROM_FIRST -> firstNs == Long.MIN_VALUE ? ns : firstNs + ns;
                case FROM_LAST -> lastNs == Long.MIN_VALUE ? -ns : lastNs - ns;
            };
        }
    }

    /**
     * What a query needs from the store's owner: the handles of the session's nft rules by index,
     * and the first and newest event times (Long.MIN_VALUE when unknown).
     */
    public record Context(long[] ruleHandles, long firstNs, long lastNs) {
        public static final Context NONE = new Context(new long[0], Long.MIN_VALUE, Long.MIN_VALUE);
    }

    /**
     * Journeys found by a query, copied out of the store.
     *
     * @param journeys    the matches, newest first, rows {@code [0, count)}
     * @param count       rows in {@code journeys}
     * @param matched     journeys in the store that match (all pages)
     * @param nextBefore  finish ordinal to continue from (the next page's cursor), or 0 when this was the last page
     * @param kept        journeys the store holds now
     */
    public record Result(JourneyColumns journeys, int count, long matched, long nextBefore, long kept) { }

    public boolean isAny() { return equals(ANY); }

    /** This query resolved against a store's context, ready to test journeys. */
    Bound bind(Context ctx) {
        return new Bound(this, ctx);
    }

    /** A query with its names and times resolved; not thread-safe (use one per query run). */
    static final class Bound {
        private final PacketQuery q;
        private final int dropReasonId;
        private final boolean[] rules;
        private final long sinceNs, untilNs, minNs, maxNs;
        private final int pathCode;
        private final int nodeBit;

        Bound(PacketQuery q, Context ctx) {
            this.q = q;
            if (q.dropReason != null) {
                int id = SymbolTable.DROP_REASONS.find(q.dropReason);
                dropReasonId = id < 0 ? -2 : id;   // a reason never seen matches nothing
            } else {
                dropReasonId = -1;
            }
            if (q.ruleHandle != null) {
                rules = new boolean[ctx.ruleHandles().length];
                for (int i = 0; i < rules.length; i++) rules[i] = ctx.ruleHandles()[i] == q.ruleHandle;
            } else {
                rules = null;
            }
            sinceNs = q.since == null ? Long.MIN_VALUE : q.since.resolve(ctx.firstNs(), ctx.lastNs());
            untilNs = q.until == null ? Long.MAX_VALUE : q.until.resolve(ctx.firstNs(), ctx.lastNs());
            minNs = q.minLatencyUs == null ? Long.MIN_VALUE : (long) Math.ceil(q.minLatencyUs * 1000);
            maxNs = q.maxLatencyUs == null ? Long.MAX_VALUE : (long) Math.floor(q.maxLatencyUs * 1000);
            pathCode = q.path == null ? -1 : switch (q.path) {
                case INBOUND -> PATH_INBOUND;
                case LOCAL -> PATH_LOCAL;
                case FORWARD -> PATH_FORWARD;
                case OUTBOUND -> PATH_OUTBOUND;
            };
            nodeBit = q.node == null ? 0 : 1 << q.node.ordinal();
        }

        /** Whether journey {@code r} of {@code c} (steps in order) matches. */
        boolean matches(JourneyColumns c, int r, HopCursor hops) {
            return matchesRecord(c, r) && (!needsSteps() || matchesSteps(c, r, hops));
        }

        /** Whether a journey's steps matter to this query (its verdicts, rules, or time at a node). */
        boolean needsSteps() {
            return q.verdict != null || rules != null || q.node != null && (minNs != Long.MIN_VALUE || maxNs != Long.MAX_VALUE);
        }

        /** The filters on the record alone (it need not have its steps). */
        boolean matchesRecord(JourneyColumns c, int r) {
            int info = c.info(r);
            if (q.end != null && (info >>> INFO_END_SHIFT & 0x7) != q.end.ordinal()) return false;
            if (pathCode >= 0) {
                int p = info >>> INFO_PATH_SHIFT & 0x7;
                if (pathCode == PATH_INBOUND ? p != PATH_INBOUND && p != PATH_LOCAL && p != PATH_FORWARD : p != pathCode)
                    return false;
            }
            if (q.skb != null && ((info & INFO_HAS_SKB) == 0 || c.l(r, KEY) != q.skb)) return false;
            long start = c.startNs(r);
            if (start < sinceNs || start >= untilNs) return false;
            if (q.proto != null && c.i(r, PROTO) != q.proto) return false;
            int ip = info & INFO_IP_MASK;
            if (q.src != null && (ip == 0 || !q.src.contains(ip, c.l(r, SRC_HI), c.l(r, SRC_LO)))) return false;
            if (q.dst != null && (ip == 0 || !q.dst.contains(ip, c.l(r, DST_HI), c.l(r, DST_LO)))) return false;
            if (q.host != null && (ip == 0 || !q.host.contains(ip, c.l(r, SRC_HI), c.l(r, SRC_LO))
                    && !q.host.contains(ip, c.l(r, DST_HI), c.l(r, DST_LO)))) return false;
            if (q.sport != null && c.i(r, SPORT) != q.sport) return false;
            if (q.dport != null && c.i(r, DPORT) != q.dport) return false;
            if (q.port != null && c.i(r, SPORT) != q.port && c.i(r, DPORT) != q.port) return false;
            if (q.netns != null && c.l(r, NETNS) != q.netns) return false;
            if (q.ifindex != null && c.i(r, IFINDEX) != q.ifindex) return false;
            if (nodeBit != 0 && (c.i(r, VISITED) & nodeBit) == 0) return false;
            if (dropReasonId != -1 && ((info & INFO_DROPPED) == 0 || c.i(r, DROP_REASON) != dropReasonId)) return false;
            if (q.node == null && (minNs != Long.MIN_VALUE || maxNs != Long.MAX_VALUE)) {
                long v = c.endNs(r) - start;
                if (v < 0 || v < minNs || v > maxNs) return false;
            }
            return true;
        }

        /** The filters on the steps: {@code c}'s row {@code r} must have its steps in order and its VERDICTS. */
        boolean matchesSteps(JourneyColumns c, int r, HopCursor hops) {
            if (q.verdict != null && (c.i(r, VERDICTS) & 1 << q.verdict.ordinal()) == 0) return false;
            if (rules != null && !hasRule(c, r)) return false;
            if (q.node != null && (minNs != Long.MIN_VALUE || maxNs != Long.MAX_VALUE)) {
                long v = hops.maxSpentAt(c, r, q.node.ordinal());
                if (v < 0 || v < minNs || v > maxNs) return false;
            }
            return true;
        }

        private boolean hasRule(JourneyColumns c, int r) {
            for (int k = 0, n = c.steps(r); k < n; k++) {
                int rule = rule(c.stepPacked(r, k));
                if (rule >= 0 && rule < rules.length && rules[rule]) return true;
            }
            return false;
        }
    }
}

package dev.skbscope.server.history;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.StatsInterval;

import java.util.Map;

/**
 * One session's history for one tick: what its {@link StatsInterval} counted, stamped with the
 * tick's second. Counters are increases (so a coarser step is their sum, exactly), in-flight is a
 * gauge. Immutable (arrays are not copied: the interval that made them is immutable too).
 *
 * @param session  session id
 * @param t        the second the sample covers, epoch seconds: {@code (t, t + 1]}
 * @param interval what happened since the session's previous tick
 */
public record HistorySample(String session, long t, StatsInterval interval) {
    /** Nodes with something to record in this sample. */
    public boolean nodeActive(PipelineNode n) { return interval.nodes().active(n.ordinal()); }

    public Map<String, Long> verdicts() { return interval.verdicts(); }
}

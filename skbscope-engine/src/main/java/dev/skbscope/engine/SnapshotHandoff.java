package dev.skbscope.engine;

import dev.skbscope.engine.packet.ExemplarTable;
import dev.skbscope.engine.packet.PacketHistory;
import org.HdrHistogram.Histogram;

import static dev.skbscope.engine.EngineCounters.N;

/**
 * The snapshot side of a tracker: a scratch copy of the counters, the spare sample counts swapped
 * with the live ones, and the reset generation the scratch copy belongs to. Not thread-safe: the
 * tracker serialises snapshots on this object and calls {@link #capture} under its writer lock,
 * so the writer waits only for the array copies and the histogram swap, never for the folding or
 * the building of the immutable snapshot.
 */
final class SnapshotHandoff {
    private final EngineCounters scratch;
    /** Samples handed over by the writer at the last capture, emptied when added to scratch's histograms. */
    private final SampleCounts[] nodeSpares = new SampleCounts[N], edgeSpares = new SampleCounts[N * N];
    private long generation;
    private long capturedGeneration;
    /** The exemplar references at the last capture (null when the session keeps no packets). */
    private final ExemplarTable exemplars;
    private long packetsKept;

    SnapshotHandoff(int maxFunctions, boolean withExemplars) {
        this.scratch = new EngineCounters(maxFunctions, false);
        this.exemplars = withExemplars ? new ExemplarTable() : null;
    }

    /** Under the writer's lock: copies the live counters and takes the live histograms' samples. */
    void capture(EngineCounters live, long resetGeneration, PacketHistory history) {
        live.copyInto(scratch);
        live.swapHistograms(nodeSpares, edgeSpares);
        capturedGeneration = resetGeneration;
        if (history != null) {
            packetsKept = history.size() + history.pinnedInPool();
            if (exemplars != null && history.exemplars() != null) history.exemplars().copyInto(exemplars);
        }
    }

    /** Per node, its p99.9 at the last snapshot (ns; 0 before the first): the writer's tail threshold. */
    private final long[] tailNs = new long[N];

    /** Takes the tail thresholds from the cumulative histograms of the quiet copy ({@link #fold}'s result). */
    void tails(EngineCounters quiet) {
        for (int n = 0; n < N; n++) {
            Histogram h = quiet.nodeHist[n];
            tailNs[n] = h == null || h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99.9);
        }
    }

    /** Per node, the tail threshold of the last snapshot (ns). */
    long[] tailNs() { return tailNs; }

    /** The exemplar references captured last (valid until the next capture), or null. */
    ExemplarTable exemplars() { return exemplars; }

    /** Finished packets kept at the last capture. */
    long packetsKept() { return packetsKept; }

    /**
     * After {@link #capture}, outside the writer's lock: folds the captured samples into the
     * cumulative histograms (cleared first if a reset happened since) and returns the quiescent
     * scratch copy, valid until the next capture.
     */
    EngineCounters fold() {
        if (capturedGeneration != generation) {
            for (Histogram h : scratch.nodeHist) if (h != null) h.reset();
            for (Histogram h : scratch.edgeHist) if (h != null) h.reset();
            generation = capturedGeneration;
        }
        foldInto(nodeSpares, scratch.nodeHist, true);
        foldInto(edgeSpares, scratch.edgeHist, false);
        return scratch;
    }

    private static void foldInto(SampleCounts[] intervals, Histogram[] cumulative, boolean nodes) {
        for (int i = 0; i < intervals.length; i++) {
            SampleCounts h = intervals[i];
            if (h == null || h.isEmpty()) continue;
            if (cumulative[i] == null) {
                cumulative[i] = nodes ? EngineCounters.newNodeHistogram() : EngineCounters.newEdgeHistogram();
            }
            h.drainInto(cumulative[i]);
        }
    }
}

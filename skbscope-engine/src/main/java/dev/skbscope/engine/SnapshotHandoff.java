package dev.skbscope.engine;

import org.HdrHistogram.Histogram;

import static dev.skbscope.engine.EngineCounters.N;

/**
 * The snapshot side of a tracker: a scratch copy of the counters, the spare histograms swapped
 * with the live ones, and the reset generation the scratch copy belongs to. Not thread-safe: the
 * tracker serialises snapshots on this object and calls {@link #capture} under its writer lock,
 * so the writer waits only for the array copies and the histogram swap, never for the folding or
 * the building of the immutable snapshot.
 */
final class SnapshotHandoff {
    private final EngineCounters scratch;
    /** Histograms handed over by the writer at the last capture, emptied after being added to scratch. */
    private final Histogram[] nodeSpares = new Histogram[N], edgeSpares = new Histogram[N * N];
    private long generation;
    private long capturedGeneration;

    SnapshotHandoff(int maxFunctions) {
        this.scratch = new EngineCounters(maxFunctions, false);
    }

    /** Under the writer's lock: copies the live counters and takes the live histograms' samples. */
    void capture(EngineCounters live, long resetGeneration) {
        live.copyInto(scratch);
        live.swapHistograms(nodeSpares, edgeSpares);
        capturedGeneration = resetGeneration;
    }

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

    private static void foldInto(Histogram[] intervals, Histogram[] cumulative, boolean nodes) {
        for (int i = 0; i < intervals.length; i++) {
            Histogram h = intervals[i];
            if (h == null || h.getTotalCount() == 0) continue;
            if (cumulative[i] == null) {
                cumulative[i] = nodes ? EngineCounters.newNodeHistogram() : EngineCounters.newEdgeHistogram();
            }
            cumulative[i].add(h);
            h.reset();
        }
    }
}

package dev.skbscope.engine.packet;

import dev.skbscope.engine.PipelineNode;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;

/**
 * Walks the hops of one journey without allocating; not thread-safe (one per user). A hop is a
 * run of consecutive events at one pipeline node, from its first event to the first event at the
 * next node (or the journey's end event): exactly the engine's latency sample of that node.
 * Events at unknown probes (node {@code other}) and the end event belong to the hop they fall in.
 *
 * <pre>
 * for (hops.reset(columns, row); hops.next(); ) use(hops.node(), hops.spentNs());
 * </pre>
 */
public final class HopCursor {
    private static final int OTHER = PipelineNode.OTHER.ordinal();

    private JourneyColumns c;
    private int row, steps, k;
    private int node, first, last;
    private long startNs, spentNs;

    /** Starts walking journey {@code row} of {@code columns}. */
    public HopCursor reset(JourneyColumns columns, int row) {
        this.c = columns;
        this.row = row;
        this.steps = columns.steps(row);
        this.k = 0;
        skipToNode();
        return this;
    }

    private void skipToNode() {
        while (k < steps) {
            int n = JourneyDescriptor.node(c.stepPacked(row, k));
            if (n != OTHER && n != END_NODE) return;
            k++;
        }
    }

    /** Moves to the next hop; false when there is none. */
    public boolean next() {
        if (k >= steps) return false;
        int packed = c.stepPacked(row, k);
        node = JourneyDescriptor.node(packed);
        first = k;
        startNs = c.stepTs(row, k);
        int j = k + 1;
        while (j < steps) {
            int n = JourneyDescriptor.node(c.stepPacked(row, j));
            if (n != OTHER && n != END_NODE && n != node) break;
            j++;
        }
        last = j - 1;
        if (j < steps) {
            spentNs = Math.max(0, c.stepTs(row, j) - startNs);
        } else {
            spentNs = (c.info(row) & INFO_END_SAMPLE) != 0 ? Math.max(0, c.endNs(row) - startNs) : -1;
        }
        k = j;
        return true;
    }

    /** Node ordinal of the current hop. */
    public int node() { return node; }
    /** Time of the hop's first event. */
    public long startNs() { return startNs; }
    /** Time spent at the node (the engine's sample), or -1 when unknown (no end event). */
    public long spentNs() { return spentNs; }
    /** Index of the hop's first step. */
    public int firstStep() { return first; }
    /** Index of the hop's last step (inclusive). */
    public int lastStep() { return last; }

    /** The longest time journey {@code row} spent in one hop at {@code node}, or -1 when it has none with a known time. */
    public long maxSpentAt(JourneyColumns columns, int row, int node) {
        if ((columns.i(row, VISITED) & 1 << node) == 0) return -1;
        long max = -1;
        for (reset(columns, row); next(); ) if (this.node == node && spentNs > max) max = spentNs;
        return max;
    }
}

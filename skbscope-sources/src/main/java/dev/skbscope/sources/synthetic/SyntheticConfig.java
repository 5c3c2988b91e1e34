package dev.skbscope.sources.synthetic;

/**
 * Settings of the synthetic traffic generator.
 *
 * @param rate      packets per second (events are several per packet)
 * @param seed      random seed: the same seed gives the same events
 * @param dropShare share of packets dropped (0..1)
 * @param seconds   how long to generate, in event time; 0 = forever
 * @param paced     true: emit in real time (demo sessions); false: as fast as possible (load, synth --out)
 * @param slowNodes pipeline node id → factor by which the time packets spend there is multiplied
 *                  (e.g. {@code conntrack → 2.0}); empty for the normal model
 */
public record SyntheticConfig(double rate, long seed, double dropShare, double seconds, boolean paced,
                              java.util.Map<String, Double> slowNodes) {
    public SyntheticConfig {
        if (!(rate > 0)) throw new IllegalArgumentException("rate must be > 0");
        if (dropShare < 0 || dropShare > 1) throw new IllegalArgumentException("drop_share must be within 0..1");
        if (seconds < 0) throw new IllegalArgumentException("seconds must be >= 0");
        slowNodes = java.util.Map.copyOf(slowNodes);
        for (var e : slowNodes.entrySet()) {
            if (dev.skbscope.engine.PipelineNode.byId(e.getKey()) == null)
                throw new IllegalArgumentException("unknown node: " + e.getKey());
            if (!(e.getValue() > 0) || e.getValue().isInfinite())
                throw new IllegalArgumentException("slow factor of " + e.getKey() + " must be > 0");
        }
    }

    /** The normal model, no node slowed down. */
    public SyntheticConfig(double rate, long seed, double dropShare, double seconds, boolean paced) {
        this(rate, seed, dropShare, seconds, paced, java.util.Map.of());
    }
}

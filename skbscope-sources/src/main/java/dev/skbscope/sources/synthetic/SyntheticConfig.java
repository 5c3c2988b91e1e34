package dev.skbscope.sources.synthetic;

/**
 * Settings of the synthetic traffic generator.
 *
 * @param rate      packets per second (events are several per packet)
 * @param seed      random seed: the same seed gives the same events
 * @param dropShare share of packets dropped (0..1)
 * @param seconds   how long to generate, in event time; 0 = forever
 * @param paced     true: emit in real time (demo sessions); false: as fast as possible (load, synth --out)
 */
public record SyntheticConfig(double rate, long seed, double dropShare, double seconds, boolean paced) {
    public SyntheticConfig {
        if (!(rate > 0)) throw new IllegalArgumentException("rate must be > 0");
        if (dropShare < 0 || dropShare > 1) throw new IllegalArgumentException("drop_share must be within 0..1");
        if (seconds < 0) throw new IllegalArgumentException("seconds must be >= 0");
    }
}

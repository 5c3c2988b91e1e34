package dev.skbscope.kernel.abi;

/**
 * Layout of {@code struct skbscope_config} (src/main/bpf/include/abi.h), the one entry of the
 * array map {@code sks_config} that Java writes and every program reads. Stateless; a test checks
 * the offsets against the committed object's BTF.
 */
public final class ConfigDescriptor {
    /** u64: bit i = session slot i is live. */
    public static final int ACTIVE_SESSIONS = 0;
    /** u64: sessions filtering on ifindex/netns. */
    public static final int DEVICE_SESSIONS = 8;
    /** u32: highest active slot + 1. */
    public static final int NR_SLOTS = 16;
    /** u32: 2^k - 1 to trace one packet in 2^k, 0 to trace all. */
    public static final int SAMPLE_MASK = 20;
    /** u32: measured cost of two adjacent netfilter programs, taken off a stage's closing time. */
    public static final int BRACKET_NS = 24;
    public static final int SIZE = 32;

    private ConfigDescriptor() { }
}

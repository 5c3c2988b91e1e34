package dev.skbscope.nftrace;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReaderWarmupTest {
    @Test
    void warmupMessagesTakeTheWholeDecodeAndDispatchPath() {
        // each round: the marking chain's message is hidden, the user rule's reaches both subscribers
        // (one unfiltered, one "udp dport 1"); a malformed synthetic message would reach none
        assertThat(ReaderWarmup.run(100)).isEqualTo(200);
    }
}

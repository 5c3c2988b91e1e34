package dev.skbscope.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PacketSamplerTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void tracesEveryPacketUntilTheRateExceedsTheLimit() {
        PacketSampler s = new PacketSampler(50_000);
        assertThat(s.adjust(50_000, SECOND)).isFalse();
        assertThat(s.oneIn()).isEqualTo(1);
    }

    @Test
    void jumpsAtOnceToThePowerOfTwoThatBringsTheRateUnderTheLimit() {
        PacketSampler s = new PacketSampler(50_000);
        assertThat(s.adjust(1_300_000, SECOND)).isTrue(); // a veth UDP flood: 26x the limit
        assertThat(s.oneIn()).isEqualTo(32);
        // the rate seen at 1 in 32 is what the kernel now sends: still over, so it doubles again
        assertThat(s.adjust(60_000, SECOND)).isTrue();
        assertThat(s.oneIn()).isEqualTo(64);
    }

    @Test
    void stepsBackDownOneStepAtATimeOnlyWellUnderTheLimit() {
        PacketSampler s = new PacketSampler(50_000);
        s.adjust(400_000, SECOND);
        assertThat(s.oneIn()).isEqualTo(8);
        assertThat(s.adjust(20_000, SECOND)).isFalse(); // under the limit but not by 4x: no flapping
        assertThat(s.adjust(10_000, SECOND)).isTrue();
        assertThat(s.oneIn()).isEqualTo(4);
        for (int i = 0; i < 5; i++) s.adjust(0, SECOND);
        assertThat(s.oneIn()).isEqualTo(1);
    }

    @Test
    void neverSamplesWhenTheLimitIsOffAndCapsTheFactor() {
        PacketSampler off = new PacketSampler(0);
        assertThat(off.adjust(10_000_000, SECOND)).isFalse();
        assertThat(off.oneIn()).isEqualTo(1);
        PacketSampler capped = new PacketSampler(10);
        capped.adjust(100_000_000, SECOND);
        assertThat(capped.oneIn()).isEqualTo(PacketSampler.MAX_ONE_IN);
    }
}

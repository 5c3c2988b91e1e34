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
    void oneShortLowPeriodBetweenHighOnesDoesNotStepDown() {
        final long period = 100_000_000L;
        PacketSampler s = new PacketSampler(50_000);
        s.adjust(6_400_000 / 10, period); // 6.4 M events/s: one in 128
        assertThat(s.oneIn()).isEqualTo(128);
        // the reader lost the CPU for a period and read little, then the flood's share again
        assertThat(s.adjust(400, period)).isFalse();
        assertThat(s.adjust(4_500, period)).isFalse();
        assertThat(s.adjust(300, period)).isFalse();
        assertThat(s.oneIn()).isEqualTo(128);
        // a rate that stays low for the whole step-down time (3 periods) does step down, one step
        s.adjust(4_500, period);
        assertThat(s.adjust(100, period)).isFalse();
        assertThat(s.adjust(100, period)).isFalse();
        assertThat(s.adjust(100, period)).isTrue();
        assertThat(s.oneIn()).isEqualTo(64);
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

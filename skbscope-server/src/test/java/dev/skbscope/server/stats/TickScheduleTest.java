package dev.skbscope.server.stats;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TickScheduleTest {
    private static final long MS = 1_000_000L;
    private final TickSchedule s = new TickSchedule(1000 * MS, 5_000 * MS, 150 * MS, () -> 0);

    @Test
    void ticksAreOnAFixedGridFromTheOrigin() {
        assertThat(s.tickTime(0)).isEqualTo(5_000 * MS);
        assertThat(s.tickTime(3)).isEqualTo(8_000 * MS);
        assertThat(s.tickAt(5_000 * MS)).isZero();
        assertThat(s.tickAt(5_999 * MS)).isZero();
        assertThat(s.tickAt(6_000 * MS)).isEqualTo(1);
        assertThat(s.tickAt(4_999 * MS)).isEqualTo(-1);   // before the origin: floor, not truncation
    }

    @Test
    void aTicksStatsArePublishedTheLeadTimeBeforeIt() {
        assertThat(s.publishTickAt(5_849 * MS)).isZero();
        assertThat(s.publishTickAt(5_850 * MS)).isEqualTo(1);   // 150 ms before tick 1
        assertThat(s.publishTickAt(6_000 * MS)).isEqualTo(1);
        assertThat(s.publishTickAt(6_849 * MS)).isEqualTo(1);
        assertThat(s.publishTickAt(6_850 * MS)).isEqualTo(2);
    }

    @Test
    void leadMustBeShorterThanThePeriod() {
        assertThatThrownBy(() -> new TickSchedule(100, 0, 100, () -> 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TickSchedule(0, 0, 0, () -> 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(TickSchedule.everyMillisFromNow(200).leadNanos()).isEqualTo(50 * MS);
        assertThat(TickSchedule.everyMillisFromNow(1000).leadNanos()).isEqualTo(150 * MS);
    }
}

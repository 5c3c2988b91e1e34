package dev.skbscope.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StatsIntervalTest {
    @Test
    void countsWhatHappenedBetweenTwoSnapshots() {
        SimulatedTraffic t = new SimulatedTraffic();
        t.packetsPerSecond = 100;
        t.dropShare = 0.25;
        StatsSnapshot first = t.second();
        t.lose(7);
        StatsSnapshot second = t.second();

        StatsInterval iv = StatsInterval.between(first, second);
        assertThat(iv.seconds()).isEqualTo(1.0);
        assertThat(iv.packets()).isEqualTo(100);
        assertThat(iv.drops()).isEqualTo(25);
        assertThat(iv.lostEvents()).isEqualTo(7);
        assertThat(iv.verdicts()).containsEntry("DROP", 25L).containsEntry("ACCEPT", 175L);
        assertThat(iv.hookVerdicts()).containsEntry("INPUT", 100L).containsEntry("PREROUTING", 100L);
        assertThat(iv.hookDrops()).containsEntry("INPUT", 25L).containsEntry("PREROUTING", 0L);
        assertThat(iv.dropReasons()).containsEntry("NETFILTER_DROP", 25L);
        int napi = PipelineNode.DRIVER_NAPI.ordinal();
        assertThat(iv.nodes().packets()[napi]).isEqualTo(100);
        long samples = 0;
        for (long b : iv.nodes().latencyBuckets()[napi]) samples += b;
        assertThat(samples).isEqualTo(100);
        assertThat(iv.nodes().active(napi)).isTrue();
        assertThat(iv.nodes().active(PipelineNode.NIC_TX.ordinal())).isFalse();
    }

    @Test
    void aFirstSnapshotCountsFromZeroOverTheUptime() {
        SimulatedTraffic t = new SimulatedTraffic();
        t.packetsPerSecond = 50;
        t.second();
        StatsSnapshot s = t.second();
        StatsInterval iv = StatsInterval.between(null, s);
        assertThat(iv.seconds()).isEqualTo(2.0);
        assertThat(iv.packets()).isEqualTo(100);
        assertThat(iv.packetsPerSecond()).isEqualTo(50.0);
    }

    @Test
    void aNewTrackerIsAResetNotANegativeIncrease() {
        SimulatedTraffic old = new SimulatedTraffic();
        old.packetsPerSecond = 500;
        old.second();
        StatsSnapshot before = old.second();
        SimulatedTraffic fresh = new SimulatedTraffic();
        fresh.packetsPerSecond = 10;
        StatsSnapshot after = fresh.second();
        StatsInterval iv = StatsInterval.between(before, after);
        assertThat(iv.packets()).isEqualTo(10);
        assertThat(iv.seconds()).isEqualTo(1.0);
    }

    @Test
    void theSameSnapshotTwiceIsNoInterval() {
        SimulatedTraffic t = new SimulatedTraffic();
        StatsSnapshot s = t.second();
        assertThat(StatsInterval.between(s, s)).isNull();
    }
}

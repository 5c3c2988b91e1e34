package dev.skbscope.engine.packet;

import org.junit.jupiter.api.Test;

import static dev.skbscope.engine.packet.JourneyDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The step ring: chains of interleaved packets read back in order, overwritten steps left out, growth. */
class StepRingTest {

    /** Appends steps for packets 0..packets-1 in turn, {@code perPacket} each; returns each packet's head. */
    private static long[] interleave(StepRing ring, int packets, int perPacket) {
        long[] head = new long[packets];
        java.util.Arrays.fill(head, -1);
        for (int k = 0; k < perPacket; k++) {
            for (int p = 0; p < packets; p++) head[p] = ring.append(ts(p, k), word(pack(k % 30, 0, k % 3, false, -1), p), head[p]);
        }
        return head;
    }

    private static long ts(int packet, int k) { return packet * 1_000_000L + k; }

    @Test
    void interleavedChainsComeBackInOrder() {
        StepRing ring = new StepRing(1024, 1024);
        long[] head = interleave(ring, 7, 9);
        JourneyColumns out = new JourneyColumns(1, 16);
        for (int p = 0; p < 7; p++) {
            assertThat(ring.copyTo(head[p], 9, out, 0, 3)).isEqualTo(9);
            assertThat(out.steps(0)).isEqualTo(9);
            for (int k = 0; k < 9; k++) {
                assertThat(out.stepTs(0, k)).isEqualTo(ts(p, k));
                assertThat(out.stepProbe(0, k)).isEqualTo(p);
                assertThat(node(out.stepPacked(0, k))).isEqualTo(k % 30);
            }
            // verdict ordinals 1 and 2 were seen (0 is none)
            assertThat(out.i(0, VERDICTS)).isEqualTo(0b110);
        }
    }

    @Test
    void stepsTheRingOverwroteAreLeftOutAndTheRestStartsLater() {
        StepRing ring = new StepRing(64, 64);
        long first = ring.append(ts(0, 0), word(pack(1, 0, 0, false, -1), 0), -1);
        long second = ring.append(ts(0, 1), word(pack(2, 0, 0, false, -1), 0), first);
        for (int i = 0; i < 63; i++) ring.append(i, word(0, 9), -1);   // other packets' steps: the first is overwritten
        long third = ring.append(ts(0, 2), word(pack(3, 0, 0, false, -1), 0), second);
        JourneyColumns out = new JourneyColumns(1, 4);
        assertThat(ring.copyTo(third, 3, out, 0, 0)).isEqualTo(1);
        assertThat(out.steps(0)).isEqualTo(1);
        assertThat(out.stepTs(0, 0)).isEqualTo(ts(0, 2));
        // a link longer than the ring is not followed: the previous step is gone
        assertThat(ring.link(ring.pos, ring.pos - 65)).isZero();
    }

    @Test
    void aFinishedChainTheRingRunsOverLaterLosesItsOldestSteps() {
        StepRing ring = new StepRing(64, 64);
        long head = -1;
        for (int k = 0; k < 3; k++) head = ring.append(ts(0, k), word(pack(k + 1, 0, 0, false, -1), 0), head);
        for (int i = 0; i < 62; i++) ring.append(i, word(0, 9), -1);   // position 0 (its first step) is overwritten
        JourneyColumns out = new JourneyColumns(1, 4);
        assertThat(ring.copyTo(head, 3, out, 0, 0)).isEqualTo(2);
        assertThat(out.stepTs(0, 0)).isEqualTo(ts(0, 1));
        assertThat(out.stepTs(0, 1)).isEqualTo(ts(0, 2));
        ring.append(0, word(0, 9), -1);   // and then its second
        assertThat(ring.copyTo(head, 3, out, 0, 0)).isEqualTo(1);
        assertThat(out.stepTs(0, 0)).isEqualTo(ts(0, 2));
    }

    @Test
    void aGrowingRingKeepsEveryStepAndItsLinks() {
        StepRing ring = new StepRing(16, 1 << 12);
        long[] head = interleave(ring, 40, 20);   // 800 steps: grows 16 -> 1024
        assertThat(ring.capacity()).isEqualTo(1024);
        JourneyColumns out = new JourneyColumns(1, 32);
        for (int p = 0; p < 40; p++) {
            assertThat(ring.copyTo(head[p], 20, out, 0, 0)).isEqualTo(20);
            for (int k = 0; k < 20; k++) assertThat(out.stepTs(0, k)).isEqualTo(ts(p, k));
        }
        interleave(ring, 1000, 5);   // 5,800 steps in all: at its maximum it wraps instead of growing
        assertThat(ring.capacity()).isEqualTo(1 << 12);
        assertThat(ring.growAt).isEqualTo(Long.MAX_VALUE);
    }
}

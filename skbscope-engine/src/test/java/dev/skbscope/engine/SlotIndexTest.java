package dev.skbscope.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link SlotIndex} must answer as a plain map from identity to slot through any sequence of adds and removes. */
class SlotIndexTest {

    @Test
    void agreesWithAMapThroughRandomAddsAndRemoves() {
        for (long seed = 1; seed <= 10; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int capacity = 1 + r.nextInt(2_000);
            long[] key = new long[capacity];
            SlotIndex index = new SlotIndex(capacity, key);
            Map<Long, Integer> expected = new HashMap<>();
            List<Integer> free = new ArrayList<>();
            for (int s = 0; s < capacity; s++) free.add(s);
            List<Long> recent = new ArrayList<>();
            for (int op = 0; op < 200_000; op++) {
                boolean add = !free.isEmpty() && (expected.isEmpty() || r.nextInt(100) < 52);
                if (add) {
                    long k = identity(r, seed);
                    if (expected.containsKey(k)) continue;
                    int s = free.remove(free.size() - 1);
                    key[s] = k;
                    index.add(s);
                    expected.put(k, s);
                    recent.add(k);
                } else {
                    // remove a tracked identity: often a recent one, as packets end soon after they start
                    long k = recent.get(r.nextInt(Math.max(0, recent.size() - 64), recent.size()));
                    Integer s = expected.remove(k);
                    recent.remove(k);
                    if (s == null) continue;
                    index.remove(s);
                    free.add(s);
                }
                if (op % 997 == 0) {
                    for (var e : expected.entrySet()) assertThat(index.find(e.getKey())).isEqualTo(e.getValue());
                    for (int i = 0; i < 50; i++) {
                        long k = identity(r, seed);
                        assertThat(index.find(k)).isEqualTo(expected.getOrDefault(k, PacketTable.NONE));
                    }
                }
            }
            for (var e : expected.entrySet()) assertThat(index.find(e.getKey())).as("seed " + seed).isEqualTo(e.getValue());
            index.clear();
            for (var k : expected.keySet()) assertThat(index.find(k)).isEqualTo(PacketTable.NONE);
        }
    }

    @Test
    void aFullTableOfAlignedAddressesStillFindsEverySlot() {
        int capacity = 10_000;
        long[] key = new long[capacity];
        SlotIndex index = new SlotIndex(capacity, key);
        assertThat(index.capacity()).isGreaterThanOrEqualTo(3 * capacity);
        for (int s = 0; s < capacity; s++) {
            key[s] = 0xffff888000000000L + s * 256L;   // skb addresses: the low bits all zero
            index.add(s);
        }
        for (int s = 0; s < capacity; s++) assertThat(index.find(key[s])).isEqualTo(s);
        assertThat(index.find(0xffff888000000000L + capacity * 256L)).isEqualTo(PacketTable.NONE);
        for (int s = 0; s < capacity; s += 2) index.remove(s);
        for (int s = 0; s < capacity; s++) assertThat(index.find(key[s])).isEqualTo(s % 2 == 0 ? PacketTable.NONE : s);
    }

    /** Identities from a small space (so lookups of absent ones collide with present ones), some of them skb-like. */
    private static long identity(SplittableRandom r, long seed) {
        return r.nextBoolean() ? 0xffff888000000000L + r.nextInt(50_000) * 256L : r.nextLong(1, 60_000) * (seed | 1);
    }
}

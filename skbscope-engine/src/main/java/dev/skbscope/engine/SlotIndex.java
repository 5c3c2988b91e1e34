package dev.skbscope.engine;

import java.util.Arrays;

/**
 * Finds a tracked packet's slot by its identity; not thread-safe (the {@link PacketTable}'s
 * writer owns it). An open-addressing table with linear probing of {@code slot + 1} (0: empty),
 * the identities themselves staying in the table's per-slot {@code key} array.
 *
 * <p>Why not a general long-to-long map: the engine looks a packet up on every event, and a new
 * packet's lookup (one in ~9 events) lands on a random entry. Four bytes an entry, at most a third
 * full, is 128 KiB for 10,000 packets where a map of 16-byte entries is 512 KiB: the random
 * lookups hit a cache level closer. The hash is one multiplication (Fibonacci hashing: the high
 * bits of the product, so identities that differ only in their high bits, like skb addresses
 * 256 bytes apart, still spread). Removal shifts the entries after it back (no tombstones), so a
 * lookup's chain stays as short as the table's load allows. Nothing is allocated after
 * construction.
 */
final class SlotIndex {
    private static final long PHI = 0x9E3779B97F4A7C15L;
    private final int[] entries;
    private final int mask, shift;
    /** The identity held by each slot (the table's own array, read only here). */
    private final long[] key;

    /** An index for {@code capacity} slots whose identities are in {@code key}. */
    SlotIndex(int capacity, long[] key) {
        int size = Integer.highestOneBit(Math.max(4, capacity * 3 - 1)) << 1;   // >= 3x capacity: a third full at most
        entries = new int[size];
        mask = size - 1;
        shift = 64 - Integer.numberOfTrailingZeros(size);
        this.key = key;
    }

    private int home(long k) { return (int) ((k * PHI) >>> shift); }

    /** The slot of identity {@code k}, or {@link PacketTable#NONE}. */
    int find(long k) {
        final int[] e = entries;
        for (int i = home(k); ; i = (i + 1) & mask) {
            int s = e[i] - 1;
            if (s < 0 || key[s] == k) return s;
        }
    }

    /** Indexes slot {@code s}, whose identity (already in {@code key[s]}) is not indexed. */
    void add(int s) {
        final int[] e = entries;
        int i = home(key[s]);
        while (e[i] != 0) i = (i + 1) & mask;
        e[i] = s + 1;
    }

    /** Removes slot {@code s} (indexed, {@code key[s]} unchanged since it was added). */
    void remove(int s) {
        final int[] e = entries;
        int i = home(key[s]);
        while (e[i] != s + 1) i = (i + 1) & mask;
        // shift back the entries of the chain after i that may live at i (their home is not in (i, j])
        for (int j = (i + 1) & mask; ; j = (j + 1) & mask) {
            int t = e[j];
            if (t == 0) break;
            int h = home(key[t - 1]);
            if (((j - h) & mask) >= ((j - i) & mask)) {
                e[i] = t;
                i = j;
            }
        }
        e[i] = 0;
    }

    /** Removes every slot. */
    void clear() { Arrays.fill(entries, 0); }

    /** Entries of the table: constant for its life (for tests). */
    int capacity() { return entries.length; }
}

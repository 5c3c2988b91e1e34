package dev.skbscope.nftrace;

import dev.skbscope.engine.event.SymbolTable;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Maps the bytes of a table or chain name straight to its {@link SymbolTable#NFT_NAMES} id, so that
 * a name seen before costs a hash and a compare, not a String. Not thread-safe: one reader thread.
 */
final class NameInterner {
    private static final int CAPACITY = 1024;   // power of two; names are few (tables x chains)
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private final MemorySegment[] keys = new MemorySegment[CAPACITY];
    private final int[] ids = new int[CAPACITY];
    private final SymbolTable symbols;

    NameInterner(SymbolTable symbols) { this.symbols = symbols; }

    /** Id of the name in {@code seg[off, off+len)} (a trailing NUL is not part of the name). */
    int intern(MemorySegment seg, long off, int len) {
        while (len > 0 && seg.get(ValueLayout.JAVA_BYTE, off + len - 1) == 0) len--;
        long h = 0x9E3779B97F4A7C15L ^ len;
        int i = 0;
        for (; i + 8 <= len; i += 8) h = (h ^ seg.get(WORD, off + i)) * 0x100000001B3L;
        for (; i < len; i++) h = (h ^ seg.get(ValueLayout.JAVA_BYTE, off + i)) * 0x100000001B3L;
        int hash = (int) (h ^ (h >>> 29));
        for (int probe = 0; probe < 8; probe++) {
            int slot = (hash + probe) & (CAPACITY - 1);
            MemorySegment k = keys[slot];
            if (k == null) {
                byte[] copy = new byte[len];
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, copy, 0, len);
                int id = symbols.intern(new String(copy, StandardCharsets.UTF_8));
                ids[slot] = id;
                keys[slot] = MemorySegment.ofArray(copy);
                return id;
            }
            if (k.byteSize() == len && MemorySegment.mismatch(seg, off, off + len, k, 0, len) < 0) return ids[slot];
        }
        // a crowded neighbourhood: still correct, just not cached
        byte[] copy = new byte[len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, copy, 0, len);
        return symbols.intern(new String(copy, StandardCharsets.UTF_8));
    }
}

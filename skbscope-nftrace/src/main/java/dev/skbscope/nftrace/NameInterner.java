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
    private final byte[][] keys = new byte[CAPACITY][];
    private final int[] ids = new int[CAPACITY];
    private final SymbolTable symbols;

    NameInterner(SymbolTable symbols) { this.symbols = symbols; }

    /** Id of the name in {@code seg[off, off+len)} (a trailing NUL is not part of the name). */
    int intern(MemorySegment seg, long off, int len) {
        while (len > 0 && seg.get(ValueLayout.JAVA_BYTE, off + len - 1) == 0) len--;
        int h = 0x811c9dc5;
        for (int i = 0; i < len; i++) h = (h ^ seg.get(ValueLayout.JAVA_BYTE, off + i)) * 0x01000193;
        for (int probe = 0; probe < 8; probe++) {
            int slot = (h + probe) & (CAPACITY - 1);
            byte[] k = keys[slot];
            if (k == null) {
                byte[] copy = new byte[len];
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, copy, 0, len);
                int id = symbols.intern(new String(copy, StandardCharsets.UTF_8));
                ids[slot] = id;
                keys[slot] = copy;
                return id;
            }
            if (equals(k, seg, off, len)) return ids[slot];
        }
        // a crowded neighbourhood: still correct, just not cached
        byte[] copy = new byte[len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, copy, 0, len);
        return symbols.intern(new String(copy, StandardCharsets.UTF_8));
    }

    private static boolean equals(byte[] k, MemorySegment seg, long off, int len) {
        if (k.length != len) return false;
        for (int i = 0; i < len; i++) if (k[i] != seg.get(ValueLayout.JAVA_BYTE, off + i)) return false;
        return true;
    }
}

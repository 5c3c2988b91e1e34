package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.SymbolTable;

import java.nio.charset.StandardCharsets;

/**
 * Maps names given as char slices to {@link SymbolTable} ids without creating a String for names
 * seen before. Not thread-safe: one per decoder. Bounded: once full, new names are interned
 * directly (allocating), so a file with endless distinct names cannot grow it.
 */
final class NameCache {
    private static final int CAPACITY = 4096;   // power of two; at most half used
    private final SymbolTable table;
    private final char[][] keys = new char[CAPACITY][];
    private final int[] ids = new int[CAPACITY];
    private int size;

    NameCache(SymbolTable table) { this.table = table; }

    int id(char[] c, int off, int len) {
        int h = 0;
        for (int i = off; i < off + len; i++) h = 31 * h + c[i];
        h ^= h >>> 16;
        int mask = CAPACITY - 1;
        for (int slot = h & mask; ; slot = (slot + 1) & mask) {
            char[] k = keys[slot];
            if (k == null) return insert(slot, new String(c, off, len));
            if (k.length == len && equal(k, c, off, len)) return ids[slot];
        }
    }

    /** A miss: interns the name and caches it in the empty slot while the cache is at most half full. */
    private int insert(int slot, String name) {
        int id = table.intern(name);
        if (size < CAPACITY / 2) {
            keys[slot] = name.toCharArray();
            ids[slot] = id;
            size++;
        }
        return id;
    }

    /** The same for ASCII bytes (the caller guarantees every byte is below 0x80). */
    int id(byte[] b, int off, int len) {
        int h = 0;
        for (int i = off; i < off + len; i++) h = 31 * h + b[i];
        h ^= h >>> 16;
        int mask = CAPACITY - 1;
        for (int slot = h & mask; ; slot = (slot + 1) & mask) {
            char[] k = keys[slot];
            if (k == null) return insert(slot, new String(b, off, len, StandardCharsets.ISO_8859_1));
            if (k.length == len && equal(k, b, off, len)) return ids[slot];
        }
    }

    int id(String name) { return table.intern(name); }

    private static boolean equal(char[] k, byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) if (k[i] != b[off + i]) return false;
        return true;
    }

    private static boolean equal(char[] k, char[] c, int off, int len) {
        for (int i = 0; i < len; i++) if (k[i] != c[off + i]) return false;
        return true;
    }
}

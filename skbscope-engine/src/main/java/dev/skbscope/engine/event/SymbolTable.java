package dev.skbscope.engine.event;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Interns names (probe names, drop reasons, nft tables and chains) to small dense ids so that
 * events carry ints, not strings. Thread-safe: any thread may intern; lookups by id never lock.
 */
public final class SymbolTable {
    /** Probe and kernel function names. */
    public static final SymbolTable PROBES = new SymbolTable();
    /** {@code skb_drop_reason} names without the {@code SKB_DROP_REASON_} prefix. */
    public static final SymbolTable DROP_REASONS = new SymbolTable();
    /** nftables table and chain names. */
    public static final SymbolTable NFT_NAMES = new SymbolTable();

    private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
    private volatile String[] names = new String[256];
    private int size;

    /** Returns the id of {@code name}, assigning the next free id on first sight. */
    public int intern(String name) {
        Integer id = ids.get(name);
        if (id != null) return id;
        synchronized (this) {
            id = ids.get(name);
            if (id != null) return id;
            int next = size;
            String[] n = names;
            if (next == n.length) n = Arrays.copyOf(n, n.length * 2);
            n[next] = name;
            names = n;            // publish the array before the id becomes visible
            size = next + 1;
            ids.put(name, next);
            return next;
        }
    }

    /** The id of {@code name}, or -1 if it was never interned. */
    public int find(String name) {
        Integer id = ids.get(name);
        return id == null ? -1 : id;
    }

    /** The name of an id returned by {@link #intern}. */
    public String name(int id) { return names[id]; }

    public synchronized int size() { return size; }
}

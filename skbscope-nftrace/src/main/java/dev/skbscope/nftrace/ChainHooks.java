package dev.skbscope.nftrace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import org.agrona.collections.Long2LongHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Which netfilter hook each base chain is attached to. A trace message names its chain but not its
 * hook, so the ruleset's chains are listed ({@code nft -j list chains}) when the feed starts and
 * again, at most once a second and off the reader thread, when a chain we don't know shows up.
 * Thread-safe: {@link #hook} (reader thread) reads an immutable map that refreshes replace whole.
 */
final class ChainHooks {
    private static final Logger log = LoggerFactory.getLogger(ChainHooks.class);
    static final long MISSING = -1, NON_BASE = -2;
    private static final long REFRESH_INTERVAL_NS = 1_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private volatile Long2LongHashMap hooks = new Long2LongHashMap(MISSING);
    /** Whether the last listing had a chain of a table not ours (a ruleset whose verdicts a trace can tell). */
    private volatile boolean foreignChains;
    private final ChainLister lister;
    private final LongSupplier clock;
    private final Executor refresher;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile long lastRefreshNs = Long.MIN_VALUE / 2;

    /** Lists the chains as nft's JSON; a seam for tests. */
    interface ChainLister { String listChainsJson() throws IOException; }

    ChainHooks() {
        this(() -> NftExec.run(null, "-j", "list", "chains"));
    }

    /** With its own lister (one namespace's chains), background refreshes on a short-lived thread. */
    ChainHooks(ChainLister lister) {
        this(lister, System::nanoTime, r -> {
            Thread t = new Thread(r, "skbscope-nft-chains");
            t.setDaemon(true);
            t.start();
        });
    }

    /** @param refresher runs background refreshes ({@code Runnable::run} makes them synchronous) */
    ChainHooks(ChainLister lister, LongSupplier clock, Executor refresher) {
        this.lister = lister;
        this.clock = clock;
        this.refresher = refresher;
    }

    static long key(int family, int table, int chain) {
        return ((long) (family & 0xff) << 56) | ((long) (table & 0xffffff) << 28) | (chain & 0xfffffff);
    }

    /**
     * The hook of a base chain, or null for a regular chain or one not known yet (see
     * {@link #known}). Allocates nothing on a hit.
     */
    Hook hook(int family, int table, int chain) {
        long v = lookup(family, table, chain);
        return v < 0 ? null : Hook.of((int) v);
    }

    /** False for a chain the last listing did not have (a refresh is then started). */
    boolean known(int family, int table, int chain) {
        return lookup(family, table, chain) != MISSING;
    }

    /** The hook ordinal, {@link #NON_BASE} or {@link #MISSING}; a miss starts a refresh at most once a second. */
    long lookup(int family, int table, int chain) {
        if (table < 0 || chain < 0) return MISSING;
        long v = hooks.get(key(family, table, chain));
        if (v == MISSING && clock.getAsLong() - lastRefreshNs >= REFRESH_INTERVAL_NS
                && refreshing.compareAndSet(false, true)) {
            lastRefreshNs = clock.getAsLong();
            refresher.execute(() -> {
                try {
                    refresh();
                } finally {
                    refreshing.set(false);
                }
            });
        }
        return v;
    }

    /** Re-lists the ruleset's chains now, on the caller's thread (a few ms; nft runs). Logs failures. */
    void refresh() {
        lastRefreshNs = clock.getAsLong();
        try {
            String json = lister.listChainsJson();
            hooks = parse(json);
            foreignChains = hasForeignChains(json);
        } catch (IOException | RuntimeException e) {
            log.warn("could not list nftables chains to learn their hooks: {}", e.getMessage());
        }
    }

    /**
     * Whether the namespace's last listing had a chain besides those of skbscope's own tables: only
     * then can packets there meet a rule whose verdict a trace reports (iptables-nft's tables are
     * nftables tables too). False until the first listing.
     */
    boolean foreignChains() { return foreignChains; }

    static boolean hasForeignChains(String json) throws IOException {
        for (JsonNode item : JSON.readTree(json).path("nftables")) {
            JsonNode c = item.get("chain");
            if (c != null && !c.path("table").asText("").startsWith(SessionTraceTable.PREFIX)) return true;
        }
        return false;
    }

    static Long2LongHashMap parse(String json) throws IOException {
        Long2LongHashMap map = new Long2LongHashMap(MISSING);
        for (JsonNode item : JSON.readTree(json).path("nftables")) {
            JsonNode c = item.get("chain");
            if (c == null) continue;
            int family = NftTraceDescriptor.familyNumber(c.path("family").asText(""));
            String table = c.path("table").asText(null), name = c.path("name").asText(null);
            if (family < 0 || table == null || name == null) continue;
            long k = key(family, SymbolTable.NFT_NAMES.intern(table), SymbolTable.NFT_NAMES.intern(name));
            Hook h = c.has("hook") ? Hook.parse(c.get("hook").asText()) : null;
            map.put(k, h == null || h == Hook.NONE ? NON_BASE : h.ordinal());
        }
        return map;
    }
}

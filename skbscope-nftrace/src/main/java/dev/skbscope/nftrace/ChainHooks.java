package dev.skbscope.nftrace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import org.agrona.collections.Long2LongHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * Which netfilter hook each base chain is attached to. A trace message names its chain but not its
 * hook, so the ruleset is listed once ({@code nft -j list chains}) and again, at most once a
 * second, when a chain we have not seen shows up. Not thread-safe: owned by the reader thread.
 */
final class ChainHooks {
    private static final Logger log = LoggerFactory.getLogger(ChainHooks.class);
    static final long MISSING = -1, NON_BASE = -2;
    private static final long REFRESH_INTERVAL_NS = 1_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Long2LongHashMap hooks = new Long2LongHashMap(MISSING);
    private final ChainLister lister;
    private final LongSupplier clock;
    private long lastRefreshNs = Long.MIN_VALUE / 2;

    /** Lists the chains as nft's JSON; a seam for tests. */
    interface ChainLister { String listChainsJson() throws IOException; }

    ChainHooks() { this(() -> NftExec.run(null, "-j", "list", "chains"), System::nanoTime); }

    ChainHooks(ChainLister lister, LongSupplier clock) {
        this.lister = lister;
        this.clock = clock;
    }

    static long key(int family, int table, int chain) {
        return ((long) (family & 0xff) << 56) | ((long) (table & 0xffffff) << 28) | (chain & 0xfffffff);
    }

    /** The hook of a base chain, or null for a regular chain (or one we can't resolve now). */
    Hook hook(int family, int table, int chain) {
        if (table < 0 || chain < 0) return null;
        long k = key(family, table, chain);
        long v = hooks.get(k);
        if (v == MISSING) {
            long now = clock.getAsLong();
            if (now - lastRefreshNs < REFRESH_INTERVAL_NS) return null;
            refresh();
            v = hooks.get(k);
            if (v == MISSING) { hooks.put(k, NON_BASE); return null; }
        }
        return v == NON_BASE ? null : Hook.of((int) v);
    }

    /** Re-lists the ruleset's chains (blocking, a few ms). Failures are logged, not thrown. */
    void refresh() {
        lastRefreshNs = clock.getAsLong();
        try {
            load(lister.listChainsJson());
        } catch (IOException e) {
            log.warn("could not list nftables chains to learn their hooks: {}", e.getMessage());
        }
    }

    void load(String json) throws IOException {
        JsonNode root = JSON.readTree(json).path("nftables");
        hooks.clear();
        for (JsonNode item : root) {
            JsonNode c = item.get("chain");
            if (c == null) continue;
            int family = NftTraceDescriptor.familyNumber(c.path("family").asText(""));
            String table = c.path("table").asText(null), name = c.path("name").asText(null);
            if (family < 0 || table == null || name == null) continue;
            long k = key(family, SymbolTable.NFT_NAMES.intern(table), SymbolTable.NFT_NAMES.intern(name));
            Hook h = c.has("hook") ? Hook.parse(c.get("hook").asText()) : null;
            hooks.put(k, h == null || h == Hook.NONE ? NON_BASE : h.ordinal());
        }
    }
}

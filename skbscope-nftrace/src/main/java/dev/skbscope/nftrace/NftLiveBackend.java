package dev.skbscope.nftrace;

import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;
import dev.skbscope.sources.live.Privileges;
import dev.skbscope.sources.live.LiveUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * nft mode: netfilter verdicts from the kernel's nftables trace. Thread-safe. Each session gets
 * its own marking table ({@link SessionTraceTable}); all sessions share one netlink reader
 * ({@link NftTraceFeed}). Loaded by the server by name, hence the public no-arg constructor,
 * which also removes {@code skbscope_*} tables a crashed server left behind.
 */
public final class NftLiveBackend implements LiveBackend {
    private static final Logger log = LoggerFactory.getLogger(NftLiveBackend.class);

    private final NftTraceFeed feed;
    private final Set<NftEventSource> open = ConcurrentHashMap.newKeySet();
    private volatile Map<String, Object> capabilities;

    public NftLiveBackend() { this(NftTraceFeed.shared()); }

    NftLiveBackend(NftTraceFeed feed) {
        this.feed = feed;
        // the server calls shutdown(); this is for a JVM that exits without it (tables would stay)
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "skbscope-nft-cleanup"));
        if (NftExec.binary() != null && Privileges.isRoot()) {
            try {
                List<String> removed = SessionTraceTable.removeStale();
                if (!removed.isEmpty()) log.warn("removed nftables tables left by an earlier run: {}", removed);
            } catch (IOException e) {
                log.warn("could not look for stale skbscope nftables tables: {}", e.getMessage());
            }
        }
    }

    @Override public Set<String> modes() { return Set.of("nft"); }

    @Override public Map<String, Object> capabilities() {
        Map<String, Object> c = capabilities;
        if (c == null) {
            c = probe();
            capabilities = c;
        }
        return c;
    }

    private Map<String, Object> probe() {
        Map<String, Object> c = new LinkedHashMap<>();
        String reason = null;
        String nft = NftExec.binary();
        if (nft == null) reason = "the nft tool is not installed (Debian package: nftables)";
        else {
            try {
                c.put("nft_version", NftExec.run(null, "--version").strip());
            } catch (IOException e) {
                reason = "nft does not run: " + e.getMessage();
            }
        }
        if (reason == null && !Privileges.isRoot()) reason = "nft mode needs root (CAP_NET_ADMIN) to install its trace table and join the nftrace netlink group";
        if (reason == null) {
            try (NetlinkSocket s = NetlinkSocket.openTraceGroup(4096, 10)) {
                c.put("trace_group", "NFNLGRP_NFTRACE");
            } catch (IOException e) {
                reason = "cannot subscribe to nftables traces: " + e.getMessage();
            }
        }
        c.put("available", reason == null);
        if (reason != null) c.put("reason", reason);
        c.put("backend", "nftrace");
        c.put("modes", List.of("nft"));
        Map<String, Object> nodes = new LinkedHashMap<>();
        for (String n : List.of("nf_prerouting", "nat_prerouting", "nf_input", "nf_forward", "nf_output",
                "nf_postrouting", "nat_postrouting")) {
            nodes.put(n, Map.of("observable", true, "probes", List.of(NftTraceFeed.PROBE)));
        }
        NftEventSource.UNOBSERVED.forEach((n, why) -> nodes.put(n, Map.of("observable", false, "reason", why)));
        c.put("nodes", nodes);
        c.put("table_prefix", SessionTraceTable.PREFIX);
        c.put("namespaces", "every network namespace, or the one a session's filter names: a marking table and a trace "
                + "reader in each (rules of other namespaces read table@namespace)");
        return Map.copyOf(c);
    }

    @Override public EventSource open(LiveRequest request) throws LiveUnavailableException {
        return open(request, false);
    }

    /** Full mode where the kernel sees every hook: the table only in namespaces with a ruleset (SessionTraceTable.onlyWhereRuleset). */
    @Override public EventSource openRuleTrace(LiveRequest request) throws LiveUnavailableException {
        return open(request, "full".equals(request.mode()));
    }

    private EventSource open(LiveRequest request, boolean rulesOnly) throws LiveUnavailableException {
        // mode full: the traces only enrich a kernel source's netfilter nodes (see MergedSource)
        boolean enrich = "full".equals(request.mode());
        if (!"nft".equals(request.mode()) && !enrich) throw new LiveUnavailableException("this backend serves mode nft, not " + request.mode());
        Map<String, Object> caps = capabilities();
        if (!Boolean.TRUE.equals(caps.get("available"))) {
            capabilities = null;   // look again next time: the admin may have fixed it
            throw new LiveUnavailableException("nft mode is unavailable: " + caps.get("reason"));
        }
        // rules only: the table goes only where a ruleset has verdicts to tell (SessionTraceTable.onlyWhereRuleset)
        SessionTraceTable table = new SessionTraceTable(request.sessionId(), request.filter(), rulesOnly);
        NftEventSource source = enrich ? new NftEventSource(table, 0) : new NftEventSource(table);
        NftTraceFeed.Subscription sub;
        try {
            sub = feed.attach(request.filter(), source);
        } catch (IOException e) {
            throw new LiveUnavailableException("cannot subscribe to nftables traces: " + e.getMessage(), e);
        }
        source.subscription(sub);
        if (table.namespaces().isEmpty() && !rulesOnly) {
            sub.close();
            throw new LiveUnavailableException("could not install nftables table " + table.name() + " in any network namespace");
        }
        log.info("[nft] session {} marks its packets with table inet {} in {} network namespace(s){}", request.sessionId(),
                table.name(), table.namespaces().size(), rulesOnly ? " (those with an nftables ruleset; others when they get one)" : "");
        open.add(source);
        return new ClosingSource(source);
    }

    /** Forgets a closed source so that shutdown doesn't close it twice. */
    private final class ClosingSource implements EventSource {
        private final NftEventSource s;
        ClosingSource(NftEventSource s) { this.s = s; }
        @Override public int poll(dev.skbscope.engine.event.EventBatch batch) throws IOException { return s.poll(batch); }
        @Override public dev.skbscope.engine.event.SourceCounters counters() { return s.counters(); }
        @Override public Map<String, String> unobservedNodes() { return s.unobservedNodes(); }
        @Override public dev.skbscope.engine.RuleTextLookup ruleTextLookup() { return s.ruleTextLookup(); }
        @Override public void close() { open.remove(s); s.close(); }
        /** The name of the session's nftables table. */
        @Override public String toString() { return "nft source, table inet " + s.table().name(); }
    }

    /** The nftables table a source of this backend marks packets with, or null for another source. */
    public static String tableName(EventSource source) {
        return source instanceof ClosingSource c ? c.s.table().name() : null;
    }

    @Override public void shutdown() {
        for (NftEventSource s : List.copyOf(open)) {
            open.remove(s);
            s.close();
        }
    }

}

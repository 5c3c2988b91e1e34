package dev.skbscope.engine;

import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.filter.Cidr;

/** Builds test events fluently; times are given in µs for readability. Not thread-safe. */
final class Ev {
    private Ev() { }

    static TraceEvent at(double us, long skb, String probe) {
        TraceEvent e = new TraceEvent();
        e.tsNs = Math.round(us * 1000);
        e.skb = skb;
        e.hasSkb = true;
        e.probe = SymbolTable.PROBES.intern(probe);
        return e;
    }

    static TraceEvent hook(TraceEvent e, Hook h) { e.hook = h; return e; }

    /** Sets the 5-tuple (IPv4) and interface of {@code e}. */
    static TraceEvent tuple(TraceEvent e, int proto, String src, int sport, String dst, int dport, int ifindex) {
        Cidr s = Cidr.parse(src), d = Cidr.parse(dst);
        e.proto = proto;
        e.ipVersion = 4;
        e.srcLo = s.lo();
        e.dstLo = d.lo();
        e.sport = sport;
        e.dport = dport;
        e.ifindex = ifindex;
        return e;
    }

    static TraceEvent nf(double us, long skb, Hook h, Verdict v) {
        TraceEvent e = at(us, skb, "nf_hook_slow");
        e.hook = h;
        e.verdict = v;
        return e;
    }

    static TraceEvent kfree(double us, long skb, String reason) {
        TraceEvent e = at(us, skb, "kfree_skb");
        if (reason != null) e.dropReason = SymbolTable.DROP_REASONS.intern(reason);
        return e;
    }

    static TraceEvent consume(double us, long skb) { return at(us, skb, "consume_skb"); }

    /** An nftables trace event: identity is the trace id, not an skb. */
    static TraceEvent nft(double us, long traceId, Hook h, String table, String chain, long handle, Verdict v) {
        TraceEvent e = new TraceEvent();
        e.tsNs = Math.round(us * 1000);
        e.hasSkb = false;
        e.traceId = traceId;
        e.probe = SymbolTable.PROBES.intern("nft_trace");
        e.hook = h;
        e.verdict = v;
        e.table = SymbolTable.NFT_NAMES.intern(table);
        e.chain = SymbolTable.NFT_NAMES.intern(chain);
        e.ruleHandle = handle;
        return e;
    }
}

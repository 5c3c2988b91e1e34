package dev.skbscope.nftrace;

import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.filter.PacketFilter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.skbscope.nftrace.NftTraceDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

class TraceDispatcherTest {
    private static final String CHAINS = """
            {"nftables": [{"metainfo": {"version": "1.0.6"}},
             {"chain": {"family": "inet", "table": "usertest", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
             {"chain": {"family": "inet", "table": "usertest", "name": "sub", "handle": 2}},
             {"chain": {"family": "ip", "table": "nat", "name": "post", "handle": 3, "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}}]}
            """;

    record Got(long id, Hook hook, Verdict verdict, String chain, long rule, int proto, int dport, int ifindex) { }

    private final List<Got> a = new ArrayList<>(), b = new ArrayList<>();
    private int chainListings;
    private final java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(10_000_000_000L);
    private final ChainHooks hooks = new ChainHooks(() -> { chainListings++; return CHAINS; }, now::get, Runnable::run);
    private final List<Got> otherNs = new ArrayList<>(), ownNs = new ArrayList<>();
    private final TraceDispatcher.Target[] targets = {
            new TraceDispatcher.Target(PacketFilter.ANY, e -> a.add(got(e))),
            new TraceDispatcher.Target(new PacketFilter(null, null, null, null, null, 7002, null, null, null), e -> b.add(got(e))),
            new TraceDispatcher.Target(new PacketFilter(null, null, null, null, null, null, null, null, 1L), e -> otherNs.add(got(e))),
            new TraceDispatcher.Target(new PacketFilter(null, null, null, null, null, null, null, null,
                    TraceDispatcher.serverNetns()), e -> ownNs.add(got(e))),
    };
    private final TraceDispatcher d = new TraceDispatcher(hooks, () -> targets);

    private static Got got(TraceEvent e) {
        return new Got(e.traceId, e.hook, e.verdict, SymbolTable.NFT_NAMES.name(e.chain), e.ruleHandle, e.proto, e.dport, e.ifindex);
    }

    private static NftTraceMessage msg(long id, String table, String chain, int type) {
        NftTraceMessage m = new NftTraceMessage().clear();
        m.family = NFPROTO_INET;
        m.traceId = id;
        m.type = type;
        m.table = SymbolTable.NFT_NAMES.intern(table);
        m.chain = SymbolTable.NFT_NAMES.intern(chain);
        return m;
    }

    private static NftTraceMessage withPacket(NftTraceMessage m, int dport) {
        m.hasPacket = true; m.ipVersion = 4; m.proto = 17; m.sport = 5555; m.dport = dport; m.iif = 4;
        return m;
    }

    private static NftTraceMessage rule(NftTraceMessage m, long handle, int code) {
        m.ruleHandle = handle; m.hasVerdict = true; m.verdictCode = code;
        return m;
    }

    /** A packet as the kernel reports it: our marking chain, then the user's input chain. */
    private void packet(long id, int dport, int code, long handle) {
        d.onTrace(rule(withPacket(msg(id, "skbscope_s", "trace_pre", NFT_TRACETYPE_RULE), dport), 3, NFT_CONTINUE), 1);
        d.onTrace(rule(msg(id, "skbscope_s", "trace_pre", NFT_TRACETYPE_RULE), -1, NFT_CONTINUE), 2);
        NftTraceMessage pol = msg(id, "skbscope_s", "trace_pre", NFT_TRACETYPE_POLICY);
        pol.policy = NF_ACCEPT;
        d.onTrace(pol, 3);
        d.onTrace(rule(withPacket(msg(id, "usertest", "input", NFT_TRACETYPE_RULE), dport), handle, code), 4);
    }

    @org.junit.jupiter.api.BeforeEach
    void loadChains() {
        hooks.refresh();
    }

    @Test
    void ownTablesAreHiddenAndHeadersAndHookCarryOver() {
        packet(0xabc, 7002, NF_DROP, 3);
        assertThat(a).containsExactly(new Got(1L << 32 | 0xabc, Hook.INPUT, Verdict.DROP, "input", 3, 17, 7002, 4));
        assertThat(b).hasSize(1);
        assertThat(chainListings).as("listed once, at start").isEqualTo(1);
        assertThat(otherNs).as("traces come from the server's namespace only").isEmpty();
        assertThat(ownNs).hasSize(1);
    }

    @Test
    void jumpedToChainsInheritTheHookAndEndOfRulesIsNoHit() {
        long id = 0x77;
        d.onTrace(rule(withPacket(msg(id, "skbscope_s", "trace_pre", NFT_TRACETYPE_RULE), 7001), 3, NFT_CONTINUE), 1);
        d.onTrace(rule(withPacket(msg(id, "usertest", "input", NFT_TRACETYPE_RULE), 7001), 5, NFT_JUMP), 2);
        d.onTrace(rule(msg(id, "usertest", "sub", NFT_TRACETYPE_RULE), -1, NFT_CONTINUE), 3);   // end of sub's rules
        NftTraceMessage ret = msg(id, "usertest", "sub", NFT_TRACETYPE_RETURN);
        ret.hasVerdict = true; ret.verdictCode = NFT_CONTINUE;
        d.onTrace(ret, 4);
        NftTraceMessage pol = msg(id, "usertest", "input", NFT_TRACETYPE_POLICY);
        pol.policy = NF_ACCEPT;
        d.onTrace(pol, 5);
        assertThat(a).extracting(Got::hook, Got::verdict, Got::chain).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Hook.INPUT, Verdict.JUMP, "input"),
                org.assertj.core.groups.Tuple.tuple(Hook.INPUT, Verdict.RETURN, "sub"),
                org.assertj.core.groups.Tuple.tuple(Hook.INPUT, Verdict.ACCEPT, "input"));
        assertThat(a).allSatisfy(g -> assertThat(g.dport).isEqualTo(7001));
        assertThat(b).as("filter on dport 7002").isEmpty();
    }

    @Test
    void aReusedKernelTraceIdStillGivesEachPacketItsOwnIdentity() {
        packet(0x55, 7002, NF_DROP, 3);
        packet(0x55, 7002, NF_DROP, 3);
        packet(0x55, 7001, NF_ACCEPT, 2);
        assertThat(a).extracting(Got::id).doesNotHaveDuplicates();
        assertThat(a).extracting(g -> g.id & 0xffffffffL).containsOnly(0x55L);
    }

    @Test
    void unknownChainsTriggerARelistingAtMostOnceASecond() {
        d.onTrace(rule(withPacket(msg(1, "skbscope_s", "trace_pre", NFT_TRACETYPE_RULE), 1), 3, NF_ACCEPT), 1);
        d.onTrace(rule(withPacket(msg(1, "late", "c", NFT_TRACETYPE_RULE), 1), 1, NF_ACCEPT), 1);
        assertThat(a).extracting(Got::hook).as("not PREROUTING inherited from the marking chain").containsExactly(Hook.NONE);
        assertThat(chainListings).as("listed at start only: refreshed less than 1 s ago").isEqualTo(1);
        now.addAndGet(1_000_000_000L);
        d.onTrace(rule(withPacket(msg(2, "late", "c", NFT_TRACETYPE_RULE), 1), 1, NF_ACCEPT), 1);
        d.onTrace(rule(withPacket(msg(3, "late", "c", NFT_TRACETYPE_RULE), 1), 1, NF_ACCEPT), 1);
        assertThat(chainListings).isEqualTo(2);
        assertThat(a).extracting(Got::hook).containsOnly(Hook.NONE);
    }
}

package dev.skbscope.nftrace;

import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.filter.PacketFilter;

import java.util.Arrays;
import java.util.function.Supplier;

import static dev.skbscope.nftrace.NftTraceFeed.OWN_TABLE_PREFIX;
import static dev.skbscope.nftrace.NftTraceFeed.PROBE_ID;

/**
 * Turns decoded trace messages into {@link TraceEvent}s and hands each to the subscribers whose
 * filter matches. Not thread-safe: runs on the feed's reader thread. Keeps, per trace id, what
 * later messages of the same packet lack (headers, interfaces, hook).
 */
final class TraceDispatcher {
    /** A subscriber and its filter. */
    record Target(PacketFilter filter, NftTraceFeed.Subscriber subscriber, boolean any) {
        Target(PacketFilter filter, NftTraceFeed.Subscriber subscriber) { this(filter, subscriber, filter.isAny()); }
    }

    private final ChainHooks hooks;
    private final Supplier<Target[]> targets;
    private final TraceState state = new TraceState(1 << 13);
    private final TraceEvent event = new TraceEvent();
    /** Traces come only from the namespace our socket is in. */
    private final long netns;
    /** "@name" for a namespace other than the server's: its tables are named table@name. */
    private final String qualifier;
    /** Table name id to its qualified name's id (reader thread only). */
    private final org.agrona.collections.Int2IntHashMap qualified = new org.agrona.collections.Int2IntHashMap(-1);

    /** The server's own namespace. */
    TraceDispatcher(ChainHooks hooks, Supplier<Target[]> targets) {
        this(hooks, targets, serverNetns(), null);
    }

    /**
     * @param netns    the inode of the namespace the traces come from
     * @param nsName   its name, when it is not the server's (tables then read {@code table@nsName})
     */
    TraceDispatcher(ChainHooks hooks, Supplier<Target[]> targets, long netns, String nsName) {
        this.hooks = hooks;
        this.targets = targets;
        this.netns = netns;
        this.qualifier = nsName == null ? null : "@" + nsName;
    }

    /** The id of {@code table} as events name it: qualified by the namespace unless it is the server's. */
    private int tableName(int table) {
        if (qualifier == null || table < 0) return table;
        int q = qualified.get(table);
        if (q < 0) {
            q = SymbolTable.NFT_NAMES.intern(SymbolTable.NFT_NAMES.name(table) + qualifier);
            qualified.put(table, q);
        }
        return q;
    }

    void onTrace(NftTraceMessage m, long tsNs) {
        int slot = state.slot(m.traceId);
        boolean known = state.id[slot] == m.traceId;
        boolean own = m.table >= 0 && SymbolTable.NFT_NAMES.name(m.table).startsWith(OWN_TABLE_PREFIX);
        long found = own ? ChainHooks.NON_BASE : hooks.lookup(m.family, m.table, m.chain);
        Hook base = own ? ownChainHook(m.chain) : found >= 0 ? Hook.of((int) found) : null;
        if (own && m.hasPacket && base != null) {
            // Our marking chain runs first in its hook: entering it again, or at another hook
            // than the packet was last seen, is a new packet that the kernel gave the same id
            // (its id hashes the skb address, flow hash and iif, which a flow's packets share).
            long key = ChainHooks.key(m.family, m.table, m.chain);
            if (!known || state.hook[slot] != base.ordinal() || state.firstOwn[slot] == key) {
                state.generation[slot]++;
                state.firstOwn[slot] = key;
            }
        }
        if (m.hasPacket || !known) state.fill(slot, m);
        else state.devices(slot, m);
        if (base != null) state.hook[slot] = (byte) base.ordinal();
        if (own) return;
        if (isEndOfRules(m)) return;
        Target[] subs = targets.get();
        if (subs.length == 0) return;
        TraceEvent ev = toEvent(m, slot, tsNs);
        // a chain newer than our listing may sit on any hook: say none rather than guess
        if (found == ChainHooks.MISSING) ev.hook = Hook.NONE;
        for (Target e : subs) {
            if (e.any() || e.filter().matches(ev)) e.subscriber().onTrace(ev);
        }
    }

    private TraceEvent toEvent(NftTraceMessage m, int slot, long tsNs) {
        TraceEvent ev = event.clear();
        ev.tsNs = tsNs;
        ev.probe = PROBE_ID;
        ev.hasSkb = false;
        ev.traceId = (state.generation[slot] << 32) | m.traceId;
        ev.skb = ev.traceId;
        ev.hook = Hook.of(state.hook[slot]);
        ev.verdict = verdictOf(m);
        ev.table = tableName(m.table);
        ev.chain = m.chain;
        ev.ruleHandle = m.ruleHandle;
        ev.netns = netns;
        state.copyPacket(slot, ev);
        return ev;
    }

    /** Inode of this process's network namespace, or {@link TraceEvent#UNKNOWN}. */
    static long serverNetns() {
        try {
            String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/net")).toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (java.io.IOException | RuntimeException e) {
            return TraceEvent.UNKNOWN;
        }
    }

    /**
     * The kernel (6.x) reports reaching the end of a chain's rules as a RULE trace with no rule
     * handle and verdict CONTINUE; the policy or return message follows. It is not a rule hit.
     */
    static boolean isEndOfRules(NftTraceMessage m) {
        return m.type == NftTraceDescriptor.NFT_TRACETYPE_RULE && m.ruleHandle == NftTraceMessage.ABSENT
                && m.hasVerdict && m.verdictCode == NftTraceDescriptor.NFT_CONTINUE;
    }

    private static final int TRACE_PRE = SymbolTable.NFT_NAMES.intern(SessionTraceTable.CHAIN_PRE);
    private static final int TRACE_OUT = SymbolTable.NFT_NAMES.intern(SessionTraceTable.CHAIN_OUT);

    /** Our tables' chains are known without asking nft (they may be newer than the hook map). */
    static Hook ownChainHook(int chain) {
        return chain == TRACE_PRE ? Hook.PREROUTING : chain == TRACE_OUT ? Hook.OUTPUT : null;
    }

    static Verdict verdictOf(NftTraceMessage m) {
        if (m.type == NftTraceDescriptor.NFT_TRACETYPE_POLICY && m.policy != NftTraceMessage.ABSENT) {
            return NftTraceDescriptor.verdict(m.policy);
        }
        if (m.type == NftTraceDescriptor.NFT_TRACETYPE_RETURN) return Verdict.RETURN; // implicit return at chain end
        return m.hasVerdict ? NftTraceDescriptor.verdict(m.verdictCode) : Verdict.NONE;
    }

    /**
     * What we know of each traced packet, by trace id: the kernel sends headers only once per base
     * chain run, and never the hook. A direct-mapped table: a colliding newer packet just replaces
     * the older one. Reader thread only.
     */
    static final class TraceState {
        final long[] id;
        /** Bumped per new packet that reuses a trace id; the event's identity is (generation, id). */
        final long[] generation;
        final long[] firstOwn;
        final byte[] hook;
        final byte[] ipVersion;
        final short[] proto;
        final int[] sport, dport, tcpFlags, iif, oif, len;
        final long[] srcHi, srcLo, dstHi, dstLo;
        private final int mask;

        TraceState(int size) {
            mask = size - 1;
            id = new long[size]; Arrays.fill(id, -1);
            generation = new long[size]; firstOwn = new long[size];
            hook = new byte[size]; ipVersion = new byte[size]; proto = new short[size];
            sport = new int[size]; dport = new int[size]; tcpFlags = new int[size];
            iif = new int[size]; oif = new int[size]; len = new int[size];
            srcHi = new long[size]; srcLo = new long[size]; dstHi = new long[size]; dstLo = new long[size];
        }

        int slot(long traceId) { return (int) (traceId ^ (traceId >>> 13)) & mask; }

        void fill(int s, NftTraceMessage m) {
            if (id[s] != m.traceId) hook[s] = 0;
            id[s] = m.traceId;
            ipVersion[s] = (byte) m.ipVersion;
            proto[s] = (short) m.proto;
            sport[s] = m.sport; dport[s] = m.dport; tcpFlags[s] = m.tcpFlags; len[s] = m.len;
            srcHi[s] = m.srcHi; srcLo[s] = m.srcLo; dstHi[s] = m.dstHi; dstLo[s] = m.dstLo;
            iif[s] = m.iif; oif[s] = m.oif;
        }

        void devices(int s, NftTraceMessage m) {
            if (m.iif != NftTraceMessage.ABSENT) iif[s] = m.iif;
            if (m.oif != NftTraceMessage.ABSENT) oif[s] = m.oif;
        }

        void copyPacket(int s, TraceEvent ev) {
            ev.ipVersion = ipVersion[s];
            ev.proto = proto[s];
            ev.sport = sport[s]; ev.dport = dport[s]; ev.tcpFlags = tcpFlags[s]; ev.len = len[s];
            ev.srcHi = srcHi[s]; ev.srcLo = srcLo[s]; ev.dstHi = dstHi[s]; ev.dstLo = dstLo[s];
            ev.ifindex = iif[s] > 0 ? iif[s] : oif[s];
        }
    }
}

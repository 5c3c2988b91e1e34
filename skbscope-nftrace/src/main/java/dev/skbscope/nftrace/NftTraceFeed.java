package dev.skbscope.nftrace;

import dev.skbscope.engine.event.EventSink;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.filter.PacketFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one reader of the kernel's nftrace netlink group in this process, fanning decoded traces out
 * to every subscriber whose filter matches. Thread-safe: {@link #subscribe} and
 * {@link Subscription#close} may be called from any thread; subscribers are called on the single
 * reader thread and must return quickly without blocking (copy the event, don't keep it).
 *
 * <p>The reader starts with the first subscriber and stops, closing the socket, when the last one
 * leaves. Full-mode sessions can enrich their netfilter nodes with
 * {@code NftTraceFeed.shared().subscribe(filter, sink)}; note that the kernel sends traces only
 * for packets whose {@code nftrace} bit is set, which an nft-mode session's table does
 * ({@link SessionTraceTable}). Events of skbscope's own {@code skbscope_*} tables are not passed
 * on: they only mark packets, and they supply the packet headers that later messages lack.
 */
public final class NftTraceFeed {
    private static final Logger log = LoggerFactory.getLogger(NftTraceFeed.class);
    private static final NftTraceFeed SHARED = new NftTraceFeed();
    /** The probe name of every event this feed produces. */
    public static final String PROBE = "nft_trace";
    static final int PROBE_ID = SymbolTable.PROBES.intern(PROBE);
    static final String OWN_TABLE_PREFIX = "skbscope_";
    private static final int RCVBUF = 32 << 20;
    private static final int RECV_TIMEOUT_MS = 100;

    /** What a subscriber receives, on the reader thread. */
    public interface Subscriber {
        /** A trace that matches the subscriber's filter; the event is reused after return. */
        void onTrace(TraceEvent event);
        /** The kernel dropped trace messages (our socket buffer overflowed); {@code n} overruns. */
        default void onLost(long n) { }
        /** A message that could not be decoded. */
        default void onBad() { }
    }

    /** A subscriber's place in the feed; closing it unsubscribes. */
    public interface Subscription extends AutoCloseable {
        @Override void close();
    }

    private record Entry(PacketFilter filter, Subscriber subscriber) { }

    private final Object lock = new Object();
    private volatile Entry[] entries = new Entry[0];
    private Reader reader;            // guarded by lock

    /** Counters over the feed's whole life. */
    public final AtomicLong traces = new AtomicLong();
    public final AtomicLong overruns = new AtomicLong();
    public final AtomicLong badMessages = new AtomicLong();
    public final AtomicLong datagrams = new AtomicLong();

    NftTraceFeed() { }

    /** The process-wide feed. */
    public static NftTraceFeed shared() { return SHARED; }

    /**
     * Adds a subscriber for traces matching {@code filter}, told also of losses and bad messages;
     * opens the netlink socket if this is the first.
     *
     * @throws IOException when the socket can't be opened (not root, no nf_tables...)
     */
    public Subscription attach(PacketFilter filter, Subscriber subscriber) throws IOException {
        Entry e = new Entry(filter == null ? PacketFilter.ANY : filter, subscriber);
        synchronized (lock) {
            if (reader == null) {
                Reader r = new Reader(NetlinkSocket.openTraceGroup(RCVBUF, RECV_TIMEOUT_MS));
                r.start();
                reader = r;
            }
            Entry[] cur = entries;
            Entry[] next = Arrays.copyOf(cur, cur.length + 1);
            next[cur.length] = e;
            entries = next;
        }
        return () -> unsubscribe(e);
    }

    /** Subscribes a plain {@link EventSink} (e.g. a full-mode session enriching netfilter nodes). */
    public Subscription subscribe(PacketFilter filter, EventSink sink) throws IOException {
        return attach(filter, sink::accept);
    }

    private void unsubscribe(Entry e) {
        Reader stop = null;
        synchronized (lock) {
            Entry[] cur = entries;
            int i = Arrays.asList(cur).indexOf(e);
            if (i < 0) return;
            Entry[] next = new Entry[cur.length - 1];
            System.arraycopy(cur, 0, next, 0, i);
            System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
            entries = next;
            if (next.length == 0) { stop = reader; reader = null; }
        }
        if (stop != null) stop.stopAndJoin();
    }

    /** True while the reader thread runs (some subscriber is present). */
    public boolean running() {
        synchronized (lock) { return reader != null; }
    }

    /** Forgets the cached chain-to-hook map (call after changing the ruleset). */
    public void ruleChanged() {
        synchronized (lock) { if (reader != null) reader.refreshHooks = true; }
    }

    /** Reader thread state: everything here is touched by that thread only. */
    private final class Reader extends Thread implements NftTraceDecoder.Handler {
        private final NetlinkSocket socket;
        private final NftTraceDecoder decoder = new NftTraceDecoder();
        private final ChainHooks hooks = new ChainHooks();
        private final TraceState state = new TraceState(1 << 13);
        private final TraceEvent event = new TraceEvent();
        private final MemorySegment timespec = Arena.ofAuto().allocate(16, 8);
        private volatile boolean running = true;
        volatile boolean refreshHooks;
        private long tsNs;

        Reader(NetlinkSocket socket) {
            super("skbscope-nftrace-reader");
            setDaemon(true);
            this.socket = socket;
        }

        @Override public void run() {
            hooks.refresh();
            try {
                while (running) {
                    int n = socket.receive();
                    if (n == NetlinkSocket.TIMEOUT) {
                        if (refreshHooks) { refreshHooks = false; hooks.refresh(); }
                        continue;
                    }
                    if (n == NetlinkSocket.OVERRUN) {
                        overruns.incrementAndGet();
                        for (Entry e : entries) e.subscriber.onLost(1);
                        continue;
                    }
                    datagrams.lazySet(datagrams.get() + 1);
                    tsNs = NetlinkSocket.monotonicNanos(timespec);
                    decoder.decode(socket.buffer(), n, this);
                }
            } catch (IOException e) {
                log.error("nftrace reader stopped: {}", e.getMessage());
            } catch (RuntimeException e) {
                log.error("nftrace reader failed", e);
            } finally {
                socket.close();
            }
        }

        void stopAndJoin() {
            running = false;
            try {
                join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override public void onBad(String why) {
            badMessages.incrementAndGet();
            log.debug("undecodable nftrace message: {}", why);
            for (Entry e : entries) e.subscriber.onBad();
        }

        @Override public void onTrace(NftTraceMessage m) {
            traces.lazySet(traces.get() + 1);
            int slot = state.slot(m.traceId);
            boolean known = state.id[slot] == m.traceId;
            boolean own = m.table >= 0 && SymbolTable.NFT_NAMES.name(m.table).startsWith(OWN_TABLE_PREFIX);
            Hook base = own ? ownChainHook(m.chain) : hooks.hook(m.family, m.table, m.chain);
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
            Entry[] subs = entries;
            if (subs.length == 0) return;
            TraceEvent ev = toEvent(m, slot);
            for (Entry e : subs) {
                if (e.filter.matches(ev)) e.subscriber.onTrace(ev);
            }
        }

        private TraceEvent toEvent(NftTraceMessage m, int slot) {
            TraceEvent ev = event.clear();
            ev.tsNs = tsNs;
            ev.probe = PROBE_ID;
            ev.hasSkb = false;
            ev.traceId = (state.generation[slot] << 32) | m.traceId;
            ev.skb = ev.traceId;
            ev.hook = Hook.of(state.hook[slot]);
            ev.verdict = verdictOf(m);
            ev.table = m.table;
            ev.chain = m.chain;
            ev.ruleHandle = m.ruleHandle;
            state.copyPacket(slot, ev);
            return ev;
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

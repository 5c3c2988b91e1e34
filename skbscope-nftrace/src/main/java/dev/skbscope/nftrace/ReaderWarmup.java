package dev.skbscope.nftrace;

import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.filter.PacketFilter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static dev.skbscope.nftrace.NftTraceDescriptor.*;

/**
 * Gets the reader's per-message path (decode, dispatch, filter) compiled before real traces
 * arrive, by running synthetic trace messages through throw-away instances into nothing.
 * Thread-safe: {@link #once} runs it on the first caller's thread, once per process; the feed
 * calls it when it first starts, before the session's table is installed and traces flow.
 *
 * <p>Why: cold, that path handled 8,000-11,000 messages in the reader's first half second (JVM
 * pinned to one busy core), against 300,000 once compiled, and at 600,000 messages/s the 256 MiB
 * socket buffer lasts 0.35 s. Measured cost: ~1 s of CPU on one core the first time (mostly
 * one-time linkage of the memory-access paths), 40-75 ms per 20,000 rounds when hot.
 */
final class ReaderWarmup {
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Enough for C2 to compile the loop bodies (its threshold is ~10,000 invocations plus loops). */
    static final int ROUNDS = 20_000;
    private static boolean done;   // guarded by the class
    private static final String TABLE = "warmup", CHAIN = "input";
    private static final String CHAINS_JSON = "{\"nftables\":[{\"chain\":{\"family\":\"inet\",\"table\":\"" + TABLE
            + "\",\"name\":\"" + CHAIN + "\",\"hook\":\"input\"}}]}";

    private ReaderWarmup() { }

    /** Runs the warm-up unless this process already did. */
    static synchronized void once() {
        if (done) return;
        done = true;
        run(ROUNDS);
    }

    /**
     * Runs {@code rounds} pairs of messages (one of a session's marking chain, one of a user's
     * input rule) through a throw-away decoder and dispatcher with two subscribers.
     * @return the sum of the UDP dports (1) of the events the subscribers got: 2 x rounds
     */
    static long run(int rounds) {
        long[] delivered = {0};
        NftTraceFeed.Subscriber count = new NftTraceFeed.Subscriber() {
            @Override public void onTrace(TraceEvent event) { delivered[0] += event.dport; }
        };
        ChainHooks hooks = new ChainHooks(() -> CHAINS_JSON, System::nanoTime, Runnable::run);
        hooks.refresh();
        TraceDispatcher.Target[] targets = {
                new TraceDispatcher.Target(PacketFilter.ANY, count),
                new TraceDispatcher.Target(new PacketFilter("udp", null, null, null, null, 1, null, null, null), count)};
        TraceDispatcher dispatcher = new TraceDispatcher(hooks, () -> targets);
        NftTraceDecoder decoder = new NftTraceDecoder();
        NftTraceDecoder.Handler handler = new NftTraceDecoder.Handler() {
            @Override public void onTrace(NftTraceMessage m) { dispatcher.onTrace(m, 0); }
            @Override public void onBad(String why) { }
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment own = arena.allocate(512, 8), user = arena.allocate(512, 8);
            int[] ownAt = message(own, NftTraceFeed.OWN_TABLE_PREFIX + "warmup", SessionTraceTable.CHAIN_OUT);
            int[] userAt = message(user, TABLE, CHAIN);
            for (int i = 0; i < rounds; i++) {
                own.set(INT_BE, ownAt[1], i);     // a new packet each round, as real traffic
                user.set(INT_BE, userAt[1], i);
                decoder.decode(own, ownAt[0], handler);
                decoder.decode(user, userAt[0], handler);
            }
        }
        return delivered[0];
    }

    /**
     * One NFT_MSG_TRACE datagram as the kernel lays it out: rule verdict accept, IPv4/UDP headers,
     * UDP dport 1. @return {its length, the offset of its trace id}
     */
    private static int[] message(MemorySegment b, String table, String chain) {
        int off = NLMSG_HDRLEN + NFGENMSG_LEN;
        off = str(b, off, NFTA_TRACE_TABLE, table);
        off = str(b, off, NFTA_TRACE_CHAIN, chain);
        off = attr(b, off, NFTA_TRACE_ID, 4);
        int idAt = off - 4;
        off = attr(b, off, NFTA_TRACE_TYPE, 4);
        b.set(INT_BE, off - 4, NFT_TRACETYPE_RULE);
        off = attr(b, off, NFTA_TRACE_RULE_HANDLE, 8);
        b.set(LONG_BE, off - 8, 4);
        int nest = off;
        off = attr(b, off, NFTA_TRACE_VERDICT | 0x8000, 8);
        b.set(ValueLayout.JAVA_SHORT_UNALIGNED, nest + 4, (short) 8);
        b.set(ValueLayout.JAVA_SHORT_UNALIGNED, nest + 6, (short) NFTA_VERDICT_CODE);
        b.set(INT_BE, nest + 8, 1);   // NF_ACCEPT
        off = attr(b, off, NFTA_TRACE_IIF, 4);
        b.set(INT_BE, off - 4, 1);
        off = attr(b, off, NFTA_TRACE_NETWORK_HEADER, 20);
        int ip = off - 20;
        b.set(ValueLayout.JAVA_BYTE, ip, (byte) 0x45);
        b.set(SHORT_BE, ip + 2, (short) 44);
        b.set(ValueLayout.JAVA_BYTE, ip + 8, (byte) 64);
        b.set(ValueLayout.JAVA_BYTE, ip + 9, (byte) 17);
        b.set(INT_BE, ip + 12, 0x7f000001);
        b.set(INT_BE, ip + 16, 0x7f000001);
        off = attr(b, off, NFTA_TRACE_TRANSPORT_HEADER, 8);
        b.set(SHORT_BE, off - 8, (short) 40000);
        b.set(SHORT_BE, off - 6, (short) 1);
        b.set(ValueLayout.JAVA_INT_UNALIGNED, 0, off);                        // nlmsg_len
        b.set(ValueLayout.JAVA_SHORT_UNALIGNED, 4, (short) MSG_TYPE_TRACE);   // nlmsg_type
        b.set(ValueLayout.JAVA_BYTE, NLMSG_HDRLEN, (byte) NFPROTO_INET);      // nfgen_family
        return new int[] {off, idAt};
    }

    /** Writes an attribute header for {@code len} payload bytes; returns the aligned end (payload zeroed). */
    private static int attr(MemorySegment b, int off, int type, int len) {
        b.set(ValueLayout.JAVA_SHORT_UNALIGNED, off, (short) (NLA_HDRLEN + len));
        b.set(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2, (short) type);
        b.asSlice(off + NLA_HDRLEN, NftTraceDecoder.align4(len)).fill((byte) 0);
        return off + NLA_HDRLEN + NftTraceDecoder.align4(len);
    }

    private static int str(MemorySegment b, int off, int type, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int end = attr(b, off, type, bytes.length + 1);
        MemorySegment.copy(bytes, 0, b, ValueLayout.JAVA_BYTE, off + NLA_HDRLEN, bytes.length);
        return end;
    }
}

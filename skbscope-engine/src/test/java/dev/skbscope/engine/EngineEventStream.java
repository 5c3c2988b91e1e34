package dev.skbscope.engine;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;

/**
 * Deterministic, allocation-free stream of realistic events for benchmarks; not thread-safe.
 * {@code lanes} packets are interleaved; journeys are inbound/local delivery (10 of 16, 9 events
 * each), forward (2 of 16) and outbound (4 of 16); 1 in 16 is dropped by a DROP verdict +
 * kfree_skb, and {@code endlessPer16} of 16 never end, so tracking must evict. Shared by the
 * engine's tests and the JMH benchmarks (through this module's test-jar).
 */
public final class EngineEventStream {
    private static final int P_NAPI = SymbolTable.PROBES.intern("netif_receive_skb");
    private static final int P_GRO = SymbolTable.PROBES.intern("napi_gro_receive");
    private static final int P_NF = SymbolTable.PROBES.intern("nf_hook_slow");
    private static final int P_CT = SymbolTable.PROBES.intern("nf_conntrack_in");
    private static final int P_ROUTE = SymbolTable.PROBES.intern("ip_route_input_noref");
    private static final int P_TCP = SymbolTable.PROBES.intern("tcp_v4_rcv");
    private static final int P_SOCK = SymbolTable.PROBES.intern("skb_copy_datagram_iovec");
    private static final int P_SEND = SymbolTable.PROBES.intern("tcp_sendmsg");
    private static final int P_XMIT_SKB = SymbolTable.PROBES.intern("__tcp_transmit_skb");
    private static final int P_ROUTE_OUT = SymbolTable.PROBES.intern("ip_route_output_flow");
    private static final int P_QUEUE = SymbolTable.PROBES.intern("net_dev_queue");
    private static final int P_START = SymbolTable.PROBES.intern("net_dev_start_xmit");
    private static final int P_DEV_XMIT = SymbolTable.PROBES.intern("net_dev_xmit");
    private static final int P_CONSUME = SymbolTable.PROBES.intern("consume_skb");
    private static final int P_KFREE = SymbolTable.PROBES.intern("kfree_skb");
    private static final int R_NF = SymbolTable.DROP_REASONS.intern("NETFILTER_DROP");

    // journeys: probe, hook per step; the end step is added separately
    private static final int[] IN_PROBES = {P_NAPI, P_GRO, P_NF, P_CT, P_ROUTE, P_NF, P_TCP, P_SOCK};
    private static final Hook[] IN_HOOKS = {Hook.NONE, Hook.NONE, Hook.PREROUTING, Hook.NONE, Hook.NONE, Hook.INPUT, Hook.NONE, Hook.NONE};
    private static final int[] FWD_PROBES = {P_NAPI, P_GRO, P_NF, P_CT, P_ROUTE, P_NF, P_NF, P_DEV_XMIT};
    private static final Hook[] FWD_HOOKS = {Hook.NONE, Hook.NONE, Hook.PREROUTING, Hook.NONE, Hook.NONE, Hook.FORWARD, Hook.POSTROUTING, Hook.NONE};
    private static final int[] OUT_PROBES = {P_SEND, P_XMIT_SKB, P_NF, P_ROUTE_OUT, P_NF, P_QUEUE, P_START, P_DEV_XMIT};
    private static final Hook[] OUT_HOOKS = {Hook.NONE, Hook.NONE, Hook.OUTPUT, Hook.NONE, Hook.POSTROUTING, Hook.NONE, Hook.NONE, Hook.NONE};

    private final int lanes;
    private final int endlessPer16;
    private final long[] skb;
    private final int[] step;
    private final int[] kind;
    private long nextPacket;
    private long ts = 1_000_000_000L;
    private long events;
    private int lane;

    public EngineEventStream(int lanes, int endlessPer16) {
        this.lanes = lanes;
        this.endlessPer16 = endlessPer16;
        skb = new long[lanes];
        step = new int[lanes];
        kind = new int[lanes];
        for (int i = 0; i < lanes; i++) startPacket(i);
    }

    private void startPacket(int l) {
        long n = nextPacket++;
        skb[l] = 0xffff888000000000L + n * 256;
        step[l] = 0;
        kind[l] = (int) (n & 15);
    }

    public long events() { return events; }
    /** Packets that produced at least one event. */
    public long packetsEmitted() {
        long waiting = 0;
        for (int s : step) if (s == 0) waiting++;
        return nextPacket - waiting;
    }

    /** Fills {@code batch} (after reset) to capacity. */
    public void fill(EventBatch batch) {
        batch.reset();
        TraceEvent e;
        while ((e = batch.next()) != null) next(e);
    }

    /** Writes the next event into {@code e} (already cleared). */
    public void next(TraceEvent e) {
        int l = lane;
        lane = l + 1 == lanes ? 0 : l + 1;
        int k = kind[l];
        int s = step[l];
        ts += 700 + (s * 131 + k * 17) % 900;
        e.tsNs = ts;
        e.skb = skb[l];
        e.hasSkb = true;
        e.cpu = l & 1;
        events++;
        int[] probes = k < 10 ? IN_PROBES : k < 12 ? FWD_PROBES : OUT_PROBES;
        Hook[] hooks = k < 10 ? IN_HOOKS : k < 12 ? FWD_HOOKS : OUT_HOOKS;
        boolean dropped = k == 3;
        boolean endless = k != 3 && ((k * 7) & 15) < endlessPer16;
        int len = dropped ? 6 : probes.length;
        if (s < len) {
            e.probe = probes[s];
            e.hook = hooks[s];
            if (e.hook != Hook.NONE) e.verdict = dropped && s == 5 ? Verdict.DROP : Verdict.ACCEPT;
            step[l] = s + 1;
            if (endless && s + 1 == len) startPacket(l);
            return;
        }
        if (dropped) {
            e.probe = P_KFREE;
            e.dropReason = R_NF;
        } else {
            e.probe = P_CONSUME;
        }
        startPacket(l);
    }
}

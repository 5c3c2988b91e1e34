package dev.skbscope.nftrace;

import dev.skbscope.engine.filter.PacketFilter;

import java.lang.foreign.MemorySegment;

import static dev.skbscope.nftrace.NftTraceDescriptor.*;

/** CPU per trace message of decode + dispatch + ring, without the kernel. */
public final class DecodeCostBench {
    public static void main(String[] args) throws java.io.IOException {
        byte[] msg = TraceMessageBuilder.trace().u32(NFTA_TRACE_NFPROTO, NFPROTO_IPV4).u32(NFTA_TRACE_TYPE, NFT_TRACETYPE_RULE)
                .u32(NFTA_TRACE_ID, 0x1234).str(NFTA_TRACE_CHAIN, "input").str(NFTA_TRACE_TABLE, "skbbench")
                .u64(NFTA_TRACE_RULE_HANDLE, 2).verdict(NF_ACCEPT, null).u32(NFTA_TRACE_IIF, 1).u16(NFTA_TRACE_IIFTYPE, 772)
                .attr(NFTA_TRACE_LL_HEADER, new byte[14])
                .attr(NFTA_TRACE_NETWORK_HEADER, TraceMessageBuilder.ipv4(17, "127.0.0.1", "127.0.0.1", 0))
                .attr(NFTA_TRACE_TRANSPORT_HEADER, TraceMessageBuilder.ports(5000, 9999, 0)).bytes();
        MemorySegment seg = TraceMessageBuilder.segment(msg);
        NftTraceDecoder decoder = new NftTraceDecoder();
        NftEventSource sink = new NftEventSource(new SessionTraceTable("x", PacketFilter.ANY));
        ChainHooks hooks = new ChainHooks(() -> "{\"nftables\":[]}", () -> 0L, Runnable::run);
        PacketFilter f = new PacketFilter("udp", null, null, null, null, 9999, null, null, null);
        TraceDispatcher d = new TraceDispatcher(hooks, () -> new TraceDispatcher.Target[] {new TraceDispatcher.Target(f, sink)});
        dev.skbscope.engine.event.EventBatch batch = new dev.skbscope.engine.event.EventBatch(4096);
        NftTraceDecoder.Handler h = new NftTraceDecoder.Handler() {
            @Override public void onTrace(NftTraceMessage m) { d.onTrace(m, 1); }
            @Override public void onBad(String why) { throw new IllegalStateException(why); }
        };
        for (int round = 0; round < 5; round++) {
            int n = 2_000_000;
            var mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long t0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                decoder.decode(seg, msg.length, h);
                if ((i & 1023) == 1023) { batch.reset(); sink.poll(batch); }
            }
            System.out.printf("round %d: %.0f ns CPU (%.0f ns wall) per message%n", round,
                    (mx.getCurrentThreadCpuTime() - c0) / (double) n, (System.nanoTime() - t0) / (double) n);
        }
    }
}

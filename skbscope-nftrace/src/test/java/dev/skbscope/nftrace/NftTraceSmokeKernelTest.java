package dev.skbscope.nftrace;

import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

@Tag("kernel")
class NftTraceSmokeKernelTest {
    @Test
    void printsTraces() throws Exception {
        KernelFixture.requireNfTrace();
        try (KernelFixture fx = new KernelFixture()) {
            NftExec.run("table inet usertest {\n chain input { type filter hook input priority 0; policy accept;\n udp dport 7001 accept\n udp dport 7002 drop\n tcp dport 7003 reject\n }\n}\n", "-f", "-");
            PacketFilter f = new PacketFilter(null, Cidr.parse("198.18.5.2/32"), null, null, null, null, null, null, null);
            SessionTraceTable t = new SessionTraceTable("smoke", f);
            System.out.println(t.ruleset());
            List<String> seen = new ArrayList<>();
            try (var sub = NftTraceFeed.shared().subscribe(f, (TraceEvent e) -> seen.add(
                    Long.toHexString(e.traceId) + " " + e.hook + " " + SymbolTable.NFT_NAMES.name(e.table) + "/"
                    + SymbolTable.NFT_NAMES.name(e.chain) + " #" + e.ruleHandle + " " + e.verdict + " proto=" + e.proto
                    + " " + e.sport + "->" + e.dport + " if=" + e.ifindex + " ts=" + e.tsNs))) {
                t.install();
                NetlinkSocket raw = NetlinkSocket.openTraceGroup(1 << 20, 100);
                Thread th = new Thread(() -> {
                    NftTraceDecoder d = new NftTraceDecoder();
                    try { for (int i = 0; i < 30; i++) { int n = raw.receive(); if (n > 0) d.decode(raw.buffer(), n, new NftTraceDecoder.Handler() {
                        public void onTrace(NftTraceMessage m) { System.out.println("RAW " + m + " fam=" + m.family + " nfproto=" + m.nfproto + " hasPacket=" + m.hasPacket); }
                        public void onBad(String w) { System.out.println("BAD " + w); } }); } } catch (Exception e) { e.printStackTrace(); }
                });
                th.start();
                fx.inNamespace("import socket\nfor p in (7001,7002,7004):\n s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(b'x',('198.18.5.1',p))\n"
                        + "try:\n c=socket.create_connection(('198.18.5.1',7003),timeout=1)\nexcept Exception as e: print(e)\n");
                Thread.sleep(500);
                th.join(); raw.close();
                t.remove();
            } finally {
                NftExec.run(null, "delete", "table", "inet", "usertest");
            }
            System.out.println("traces=" + NftTraceFeed.shared().traces + " bad=" + NftTraceFeed.shared().badMessages);
            seen.forEach(System.out::println);
        }
    }
}

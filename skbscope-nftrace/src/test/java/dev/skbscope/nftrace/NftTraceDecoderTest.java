package dev.skbscope.nftrace;

import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.Verdict;
import dev.skbscope.engine.filter.Cidr;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static dev.skbscope.nftrace.NftTraceDescriptor.*;
import static dev.skbscope.nftrace.TraceMessageBuilder.*;
import static org.assertj.core.api.Assertions.assertThat;

class NftTraceDecoderTest {
    private final NftTraceDecoder decoder = new NftTraceDecoder();
    private final List<String> bad = new ArrayList<>();
    private final List<String> traces = new ArrayList<>();
    private NftTraceMessage last;

    private final NftTraceDecoder.Handler handler = new NftTraceDecoder.Handler() {
        @Override public void onTrace(NftTraceMessage m) {
            traces.add(m.toString());
            last = copy(m);
        }
        @Override public void onBad(String why) { bad.add(why); }
    };

    private static NftTraceMessage copy(NftTraceMessage m) {
        NftTraceMessage c = new NftTraceMessage();
        c.family = m.family; c.nfproto = m.nfproto; c.type = m.type; c.traceId = m.traceId; c.table = m.table;
        c.chain = m.chain; c.ruleHandle = m.ruleHandle; c.verdictCode = m.verdictCode; c.hasVerdict = m.hasVerdict;
        c.jumpChain = m.jumpChain; c.policy = m.policy; c.mark = m.mark; c.iif = m.iif; c.oif = m.oif;
        c.iifType = m.iifType; c.hasPacket = m.hasPacket; c.ipVersion = m.ipVersion; c.proto = m.proto; c.len = m.len;
        c.srcHi = m.srcHi; c.srcLo = m.srcLo; c.dstHi = m.dstHi; c.dstLo = m.dstLo;
        c.sport = m.sport; c.dport = m.dport; c.tcpFlags = m.tcpFlags;
        return c;
    }

    private int decode(byte[]... msgs) {
        MemorySegment seg = segment(msgs);
        int len = 0;
        for (byte[] m : msgs) len += NftTraceDecoder.align4(m.length);
        return decoder.decode(seg, len, handler);
    }

    private static TraceMessageBuilder ruleTrace() {
        return trace().u32(NFTA_TRACE_NFPROTO, NFPROTO_IPV4).u32(NFTA_TRACE_TYPE, NFT_TRACETYPE_RULE)
                .u32(NFTA_TRACE_ID, 0xdeadbeef).str(NFTA_TRACE_CHAIN, "input").str(NFTA_TRACE_TABLE, "filter")
                .u64(NFTA_TRACE_RULE_HANDLE, 42).verdict(NF_DROP, null);
    }

    @Test
    void decodesARuleTraceWithPacketHeaders() {
        byte[] msg = ruleTrace().u32(NFTA_TRACE_MARK, 7).u32(NFTA_TRACE_IIF, 3).u16(NFTA_TRACE_IIFTYPE, 1)
                .attr(NFTA_TRACE_LL_HEADER, new byte[14])
                .attr(NFTA_TRACE_NETWORK_HEADER, ipv4(17, "198.18.5.2", "198.18.5.1", 0x4000))
                .attr(NFTA_TRACE_TRANSPORT_HEADER, ports(40000, 7002, 0)).bytes();
        assertThat(decode(msg)).isEqualTo(1);
        assertThat(bad).isEmpty();
        NftTraceMessage m = last;
        assertThat(m.family).isEqualTo(NFPROTO_INET);
        assertThat(m.nfproto).isEqualTo(NFPROTO_IPV4);
        assertThat(m.traceId).isEqualTo(0xdeadbeefL);
        assertThat(SymbolTable.NFT_NAMES.name(m.table)).isEqualTo("filter");
        assertThat(SymbolTable.NFT_NAMES.name(m.chain)).isEqualTo("input");
        assertThat(m.ruleHandle).isEqualTo(42);
        assertThat(m.hasVerdict).isTrue();
        assertThat(NftTraceDescriptor.verdict(m.verdictCode)).isEqualTo(Verdict.DROP);
        assertThat(m.mark).isEqualTo(7);
        assertThat(m.iif).isEqualTo(3);
        assertThat(m.iifType).isEqualTo(1);
        assertThat(m.hasPacket).isTrue();
        assertThat(m.ipVersion).isEqualTo(4);
        assertThat(m.proto).isEqualTo(17);
        assertThat(m.len).isEqualTo(48);
        assertThat(m.srcLo).isEqualTo(Cidr.parse("198.18.5.2").lo());
        assertThat(m.dstLo).isEqualTo(Cidr.parse("198.18.5.1").lo());
        assertThat(m.sport).isEqualTo(40000);
        assertThat(m.dport).isEqualTo(7002);
        assertThat(m.tcpFlags).isEqualTo(-1);
    }

    @Test
    void decodesIpv6TcpWithFlags() {
        byte[] msg = ruleTrace().attr(NFTA_TRACE_NETWORK_HEADER, ipv6(6, "2001:db8::1", "2001:db8::2"))
                .attr(NFTA_TRACE_TRANSPORT_HEADER, ports(1234, 443, 0x12)).bytes();
        decode(msg);
        assertThat(last.ipVersion).isEqualTo(6);
        Cidr src = Cidr.parse("2001:db8::1");
        assertThat(last.srcHi).isEqualTo(src.hi());
        assertThat(last.srcLo).isEqualTo(src.lo());
        assertThat(last.dstLo).isEqualTo(Cidr.parse("2001:db8::2").lo());
        assertThat(last.proto).isEqualTo(6);
        assertThat(last.sport).isEqualTo(1234);
        assertThat(last.dport).isEqualTo(443);
        assertThat(last.tcpFlags).isEqualTo(0x12);
        assertThat(last.len).isEqualTo(60);
    }

    @Test
    void decodesPolicyAndJumpTraces() {
        decode(trace().u32(NFTA_TRACE_TYPE, NFT_TRACETYPE_POLICY).u32(NFTA_TRACE_ID, 1)
                .str(NFTA_TRACE_TABLE, "t").str(NFTA_TRACE_CHAIN, "c").u32(NFTA_TRACE_POLICY, NF_ACCEPT).bytes());
        assertThat(last.policy).isEqualTo(NF_ACCEPT);
        assertThat(last.hasVerdict).isFalse();
        assertThat(TraceDispatcher.verdictOf(last)).isEqualTo(Verdict.ACCEPT);

        decode(trace().u32(NFTA_TRACE_TYPE, NFT_TRACETYPE_RULE).u32(NFTA_TRACE_ID, 2).u64(NFTA_TRACE_RULE_HANDLE, 5)
                .verdict(NFT_JUMP, "web").bytes());
        assertThat(TraceDispatcher.verdictOf(last)).isEqualTo(Verdict.JUMP);
        assertThat(SymbolTable.NFT_NAMES.name(last.jumpChain)).isEqualTo("web");
    }

    @Test
    void mapsEveryVerdictCode() {
        assertThat(NftTraceDescriptor.verdict(0)).isEqualTo(Verdict.DROP);
        assertThat(NftTraceDescriptor.verdict(1)).isEqualTo(Verdict.ACCEPT);
        assertThat(NftTraceDescriptor.verdict(2)).isEqualTo(Verdict.STOLEN);
        assertThat(NftTraceDescriptor.verdict((5 << 16) | 3)).as("queue with a queue number").isEqualTo(Verdict.QUEUE);
        assertThat(NftTraceDescriptor.verdict(4)).isEqualTo(Verdict.REPEAT);
        assertThat(NftTraceDescriptor.verdict(5)).isEqualTo(Verdict.STOP);
        assertThat(NftTraceDescriptor.verdict((1 << 16))).as("drop with errno").isEqualTo(Verdict.DROP);
        assertThat(NftTraceDescriptor.verdict(-1)).isEqualTo(Verdict.CONTINUE);
        assertThat(NftTraceDescriptor.verdict(-2)).isEqualTo(Verdict.BREAK);
        assertThat(NftTraceDescriptor.verdict(-3)).isEqualTo(Verdict.JUMP);
        assertThat(NftTraceDescriptor.verdict(-4)).isEqualTo(Verdict.GOTO);
        assertThat(NftTraceDescriptor.verdict(-5)).isEqualTo(Verdict.RETURN);
        assertThat(NftTraceDescriptor.verdict(-9)).isEqualTo(Verdict.NONE);
    }

    @Test
    void decodesSeveralMessagesInOneDatagramAndIgnoresOtherTypes() {
        byte[] other = trace().msgType((NFNL_SUBSYS_NFTABLES << 8) | 3).str(NFTA_TRACE_TABLE, "x").bytes();
        assertThat(decode(ruleTrace().bytes(), other, ruleTrace().bytes())).isEqualTo(2);
        assertThat(bad).isEmpty();
    }

    @Test
    void ignoresUnknownAttributes() {
        assertThat(decode(ruleTrace().u32(99, 1).u32(NFTA_TRACE_PAD_FOR_TEST, 0).bytes())).isEqualTo(1);
        assertThat(bad).isEmpty();
    }

    private static final int NFTA_TRACE_PAD_FOR_TEST = 17;

    @Test
    void attributeLongerThanTheMessageIsBad() {
        byte[] msg = ruleTrace().rawAttr(NFTA_TRACE_MARK, 200, new byte[4]).bytes();
        assertThat(decode(msg)).isZero();
        assertThat(bad).containsExactly("attribute length out of bounds");
    }

    @Test
    void attributeShorterThanItsHeaderIsBad() {
        assertThat(decode(ruleTrace().rawAttr(NFTA_TRACE_MARK, 2, new byte[0]).bytes())).isZero();
        assertThat(bad).containsExactly("attribute length out of bounds");
    }

    @Test
    void wrongSizedIntegersAreBad() {
        decode(trace().attr(NFTA_TRACE_ID, new byte[3]).bytes());
        decode(trace().u32(NFTA_TRACE_ID, 1).attr(NFTA_TRACE_RULE_HANDLE, new byte[4]).bytes());
        decode(trace().u32(NFTA_TRACE_ID, 1).attr(NFTA_TRACE_VERDICT, attr0(NFTA_VERDICT_CODE, new byte[2])).bytes());
        decode(trace().u32(NFTA_TRACE_ID, 1).attr(NFTA_TRACE_VERDICT, new byte[] {(byte) 40, 0, 1, 0}).bytes());
        assertThat(traces).isEmpty();
        assertThat(bad).containsExactly("trace id not 4 bytes", "rule handle not 8 bytes", "verdict code not 4 bytes",
                "verdict attribute length out of bounds");
    }

    @Test
    void traceWithoutIdIsBad() {
        decode(trace().str(NFTA_TRACE_TABLE, "t").bytes());
        assertThat(bad).containsExactly("trace message without trace id");
    }

    @Test
    void netlinkLengthBeyondTheDatagramIsBad() {
        byte[] msg = ruleTrace().bytes();
        MemorySegment seg = segment(msg);
        assertThat(decoder.decode(seg, msg.length - 8, handler)).isZero();
        assertThat(bad).containsExactly("netlink message length out of bounds");
    }

    @Test
    void messageTooShortForNfgenmsgIsBad() {
        byte[] msg = new byte[18];
        java.nio.ByteBuffer.wrap(msg).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(18).putShort((short) MSG_TYPE_TRACE);
        decode(msg);
        assertThat(bad).containsExactly("trace message shorter than nfgenmsg");
    }

    @Test
    void truncatedHeadersGiveNoPacketInsteadOfGarbage() {
        decode(ruleTrace().attr(NFTA_TRACE_NETWORK_HEADER, new byte[] {0x45, 0, 0, 0, 0, 0, 0, 0, 0, 17})
                .attr(NFTA_TRACE_TRANSPORT_HEADER, ports(1, 2, 0)).bytes());
        assertThat(bad).isEmpty();
        assertThat(last.hasPacket).isFalse();
        assertThat(last.sport).isEqualTo(-1);
        decode(ruleTrace().attr(NFTA_TRACE_NETWORK_HEADER, ipv4(17, "198.18.5.2", "198.18.5.1", 0))
                .attr(NFTA_TRACE_TRANSPORT_HEADER, new byte[3]).bytes());
        assertThat(last.hasPacket).isTrue();
        assertThat(last.sport).as("3 bytes can't hold two ports").isEqualTo(-1);
    }

    @Test
    void laterFragmentsHaveNoPorts() {
        decode(ruleTrace().attr(NFTA_TRACE_NETWORK_HEADER, ipv4(17, "198.18.5.2", "198.18.5.1", 185))
                .attr(NFTA_TRACE_TRANSPORT_HEADER, ports(1, 2, 0)).bytes());
        assertThat(last.proto).isEqualTo(17);
        assertThat(last.sport).isEqualTo(-1);
        assertThat(last.dport).isEqualTo(-1);
    }

    @Test
    void randomGarbageNeverThrows() {
        java.util.Random r = new java.util.Random(7);
        byte[] good = ruleTrace().attr(NFTA_TRACE_NETWORK_HEADER, ipv4(6, "198.18.5.2", "198.18.5.1", 0))
                .attr(NFTA_TRACE_TRANSPORT_HEADER, ports(1, 2, 2)).bytes();
        for (int i = 0; i < 20_000; i++) {
            byte[] b = good.clone();
            for (int k = 0; k < 1 + r.nextInt(4); k++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            int len = r.nextInt(b.length + 1);
            decoder.decode(segment(b), len, handler);
        }
        assertThat(traces.size() + bad.size()).isPositive();
    }
}

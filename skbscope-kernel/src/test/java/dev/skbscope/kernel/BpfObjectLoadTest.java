package dev.skbscope.kernel;

import dev.skbscope.libbpf.BpfObject;
import dev.skbscope.libbpf.BpfProgram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The committed BPF object opens, and its tracepoint programs load on this kernel. */
@Tag("kernel")
class BpfObjectLoadTest {

    @Test
    void committedObjectOpensAndLoads() throws Exception {
        KernelProbe probe = KernelTestSupport.requireBpf();
        try (BpfObject obj = BpfObject.open(BpfObjectBytes.get(), "skbscope_test")) {
            assertThat(obj.programs()).extracting(BpfProgram::name)
                    .contains("tpb_kfree_skb", "rtp_kfree_skb", "fe_ip_rcv", "fx_nf_hook_slow");
            for (BpfProgram p : obj.programs()) p.autoload(probe.chosen().containsValue(p.name()));
            obj.map("events").maxEntries(64 * 1024);
            obj.load();
        }
        // every probe of the catalog is either chosen or refused with a reason
        for (ProbeCatalog.Probe p : ProbeCatalog.PROBES) {
            boolean chosen = probe.chosen().containsKey(p.id());
            boolean refused = p.programs().stream().anyMatch(probe.refused()::containsKey);
            assertThat(chosen || refused).as(p.name()).isTrue();
        }
        assertThat(probe.chosen()).containsKeys(0, 11, 12); // netif_receive_skb, kfree_skb, consume_skb
        assertThat(probe.dropReasons()).containsValue("NO_SOCKET").containsValue("NETFILTER_DROP");
        assertThat(probe.skbFunctions()).contains("ip_rcv", "tcp_v4_rcv");
    }
}

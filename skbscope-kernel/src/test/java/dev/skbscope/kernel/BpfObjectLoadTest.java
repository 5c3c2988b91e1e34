package dev.skbscope.kernel;

import dev.skbscope.kernel.probe.ProbeCatalog;
import dev.skbscope.libbpf.BpfObject;
import dev.skbscope.libbpf.BpfProgram;
import dev.skbscope.libbpf.Btf;
import dev.skbscope.libbpf.LinkCreate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The committed BPF object loads on this kernel with the programs the probe chose, each probe accounted for. */
@Tag("kernel")
class BpfObjectLoadTest {

    @Test
    void committedObjectLoadsWithEveryChosenProgram() throws Exception {
        KernelProbe probe = KernelTestSupport.requireBpf();
        List<String> load = new ArrayList<>(probe.chosen().values());
        if (probe.netfilter().available()) {
            for (ProbeCatalog.Probe p : ProbeCatalog.of(ProbeCatalog.Mechanism.NETFILTER)) load.add(p.name());
        }
        if (probe.tc().available()) load.addAll(List.of("tcx_ingress", "tcx_egress"));
        try (BpfObject obj = BpfObjects.open("skbscope_test", load)) {
            obj.map("events").maxEntries(64 * 1024);
            obj.load();
            for (String p : load) assertThat(obj.program(p).fd()).as(p).isPositive();
        }
        // every probe with a program is chosen, or left out with a reason
        for (ProbeCatalog.Probe p : ProbeCatalog.PROBES) {
            if (p.programs().isEmpty() || p.mechanism() == ProbeCatalog.Mechanism.NETFILTER
                    || p.mechanism() == ProbeCatalog.Mechanism.TCX) continue;
            boolean chosen = probe.chosen().containsKey(p.id());
            boolean refused = p.programs().stream().anyMatch(probe.refused()::containsKey);
            assertThat(chosen || refused).as(p.name()).isTrue();
        }
        assertThat(probe.chosen()).containsKeys(ProbeCatalog.KFREE_SKB);
        // the receive: the tc ingress program reports it where tc programs run, the tracepoint otherwise
        if (probe.tc().available()) {
            assertThat(probe.chosen()).doesNotContainKey(ProbeCatalog.NETIF_RECEIVE_SKB);
            assertThat(probe.refused()).containsEntry("tpb_netif_receive_skb", "not attached by choice: " + KernelProbe.RECEIVE_AT_TC);
        } else {
            assertThat(probe.chosen()).containsKeys(ProbeCatalog.NETIF_RECEIVE_SKB);
        }
        assertThat(probe.dropReasons()).containsValue("NO_SOCKET").containsValue("NETFILTER_DROP");
        assertThat(probe.skbFunctions()).contains("ip_rcv", "tcp_v4_rcv");
        // the verifier rejecting our typed (tp_btf) programs is our bug, not the kernel's limit
        assertThat(probe.refused()).noneSatisfy((prog, why) -> assertThat(prog.startsWith("tpb_") && verifierRefused(why))
                .as(prog + ": " + why).isTrue());
        // so is rejecting our netfilter programs on a kernel that has netfilter links (a change to the
        // shared packet code once made every netfilter node fall back silently)
        boolean nfKernel;
        try (Btf btf = Btf.vmlinux()) {
            nfKernel = LinkCreate.netfilterKnown(btf);
        }
        if (nfKernel) {
            assertThat(probe.netfilter().reason() == null || !verifierRefused(probe.netfilter().reason()))
                    .as("netfilter programs: " + probe.netfilter().reason()).isTrue();
        }
    }

    /** EACCES and EINVAL at load: what the verifier answers to a program it rejects. */
    private static boolean verifierRefused(String why) {
        return why.contains("EACCES") || why.contains("EINVAL");
    }
}

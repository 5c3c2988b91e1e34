package dev.skbscope.kernel.probe;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.ProbeTable;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.kernel.probe.ProbeCatalog.Mechanism;
import dev.skbscope.kernel.probe.ProbeCatalog.Probe;
import dev.skbscope.libbpf.BpfObject;
import dev.skbscope.libbpf.BpfProgram;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The probe catalog (bpf/probes.def) against its two users: the engine's probe table must put
 * every probe at the node the catalog says, and the BPF C must have a program for every probe
 * and no program the catalog does not know. Any drift fails here.
 */
class ProbeCatalogTest {
    private static final Path BPF = Path.of("src/main/bpf");

    @Test
    void theEngineClassifiesEveryProbeWhereTheCatalogSays() {
        for (Probe p : ProbeCatalog.PROBES) {
            switch (p.node()) {
                case "end" -> assertThat(ProbeTable.isTerminal(p.name())).as(p.name() + " ends a packet").isTrue();
                case "current" -> assertThat(ProbeTable.classify(p.name(), Hook.NONE, PipelineNode.Path.FORWARD))
                        .as(p.name() + " stays where the packet is (the engine resolves it per packet)").isEqualTo(PipelineNode.OTHER);
                case "by_hook" -> {
                    assertThat(ProbeTable.classify(p.name(), Hook.INPUT, PipelineNode.Path.LOCAL)).as(p.name())
                            .isIn(PipelineNode.NF_INPUT, PipelineNode.L4_RX);
                    assertThat(ProbeTable.classify(p.name(), Hook.PREROUTING, PipelineNode.Path.INBOUND)).as(p.name())
                            .isIn(PipelineNode.NF_PREROUTING, PipelineNode.ROUTING_DECISION);
                }
                case "by_path" -> {
                    PipelineNode in = ProbeTable.classify(p.name(), Hook.NONE, PipelineNode.Path.INBOUND);
                    PipelineNode out = ProbeTable.classify(p.name(), Hook.NONE, PipelineNode.Path.OUTBOUND);
                    assertThat(in).as(p.name() + " inbound").isNotEqualTo(PipelineNode.OTHER);
                    assertThat(out).as(p.name() + " outbound").isNotEqualTo(PipelineNode.OTHER).isNotEqualTo(in);
                }
                default -> {
                    PipelineNode want = PipelineNode.byId(p.node());
                    assertThat(want).as(p.name() + ": catalog node " + p.node()).isNotNull();
                    assertThat(ProbeTable.classify(p.name(), Hook.NONE, null)).as(p.name()).isEqualTo(want);
                }
            }
        }
        // the two that once disagreed (capabilities said l4_rx, the engine said other)
        assertThat(ProbeCatalog.byName("icmp_send").node()).isEqualTo("current");
        assertThat(ProbeCatalog.byName("tcp_send_reset").node()).isEqualTo("current");
    }

    @Test
    void theCommittedObjectHasAProgramForEveryProbeAndNoneBesides() throws Exception {
        Set<String> inObject = new HashSet<>();
        try (BpfObject obj = BpfObject.open(Files.readAllBytes(Path.of("src/main/resources/bpf/skbscope.bpf.o")), "catalog_test")) {
            for (BpfProgram p : obj.programs()) inObject.add(p.name());
        }
        Set<String> catalog = new HashSet<>(List.of("nf_calib_a", "nf_calib_b", "ns_hooks_scan"));
        for (Probe p : ProbeCatalog.PROBES) catalog.addAll(p.programs());
        assertThat(inObject).as("programs of the committed object (rebuild it: scripts/build-bpf.sh)")
                .containsExactlyInAnyOrderElementsOf(catalog);
    }

    @Test
    void theCEnumSizeIsTheJavaOne() throws IOException {
        String abi = Files.readString(BPF.resolve("include/abi.h"));
        Matcher m = Pattern.compile("P_MAX = (\\d+)").matcher(abi);
        assertThat(m.find()).isTrue();
        assertThat(Integer.parseInt(m.group(1))).isEqualTo(ProbeCatalog.MAX);
        for (Probe p : ProbeCatalog.PROBES) assertThat(p.id()).isLessThan(ProbeCatalog.MAX);
    }

    @Test
    void aBadLineFailsLoudly() {
        assertThatThrownBy(() -> ProbeCatalog.parse("PROBE(1, x, NOPE, nic, MID)"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ProbeCatalog.parse("/* PROBE lines only */\nPROBE( 3, foo, TCX, tc_ingress, MID)\n"))
                .containsExactly(new Probe(3, "foo", Mechanism.TCX, "tc_ingress", ProbeCatalog.Role.MID));
    }
}

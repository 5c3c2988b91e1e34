package dev.skbscope.kernel;

import dev.skbscope.kernel.attach.NamespaceAttacher;
import dev.skbscope.kernel.probe.ProbeCatalog;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which receive nodes can exist for a session's packets, learnt from the devices they arrive on. */
class ReceiveDevicesTest {
    private static final long NS = 4026532000L, HOST = 4026531840L;

    private static NamespaceAttacher.View view() {
        return new NamespaceAttacher.View(List.of(
                new NamespaceAttacher.NamespaceView(NS, "skk-server", false, false, 12, List.of(),
                        List.of(new NamespaceAttacher.InterfaceView(2, "skk-s0", "veth", false, "tcx")), Map.of(), Map.of()),
                new NamespaceAttacher.NamespaceView(HOST, "host", false, false, 12, List.of(),
                        List.of(new NamespaceAttacher.InterfaceView(4, "eth0", "virtio_net", true, "tcx")), Map.of(), Map.of())),
                24, 1);
    }

    @Test
    void packetsOnlyThroughVethHaveNoNicReceiveAndNoGro() {
        ReceiveDevices d = new ReceiveDevices(ReceiveDevicesTest::view);
        assertThat(d.notApplicable()).as("a NIC is in scope: nothing known yet").isEmpty();
        d.saw(ProbeCatalog.NETIF_RECEIVE_SKB, NS, 2);
        assertThat(d.notApplicable()).containsOnlyKeys("nic_rx", "gro");
        assertThat(d.notApplicable().get("nic_rx")).contains("skk-s0 (veth)");
        // a packet through the NIC: both may exist again
        d.saw(ProbeCatalog.NETIF_RECEIVE_SKB, HOST, 4);
        assertThat(d.notApplicable()).isEmpty();
    }

    @Test
    void groSeenOnAVethMakesGroApplicable() {
        ReceiveDevices d = new ReceiveDevices(ReceiveDevicesTest::view);
        d.saw(ProbeCatalog.byName("napi_gro_receive_entry").id(), NS, 2);
        assertThat(d.notApplicable()).containsOnlyKeys("nic_rx");
    }

    @Test
    void withoutAnyNicInScopeNeitherAppliesFromTheStart() {
        ReceiveDevices d = new ReceiveDevices(() -> new NamespaceAttacher.View(List.of(view().namespaces().get(0)), 12, 1));
        assertThat(d.notApplicable()).containsOnlyKeys("nic_rx", "gro");
    }

    @Test
    void otherProbesDoNotCount() {
        ReceiveDevices d = new ReceiveDevices(ReceiveDevicesTest::view);
        d.saw(ProbeCatalog.NET_DEV_XMIT, NS, 2);
        assertThat(d.notApplicable()).isEmpty();
    }
}

package dev.skbscope.kernel;

import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.live.LiveBackend;
import dev.skbscope.sources.live.LiveUnavailableException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where eBPF can't run, the backend says why, in capabilities and when a session is opened. */
class KernelLiveBackendUnavailableTest {
    private static final String WHY = "live kernel tracing needs root, or the capabilities CAP_BPF and CAP_PERFMON";

    @Test
    void capabilitiesExplainAndOpenFailsWithTheReason() {
        KernelLiveBackend b = new KernelLiveBackend(KernelProbe.unavailable(WHY, null));
        Map<String, Object> caps = b.capabilities();
        assertThat(caps).containsEntry("available", false).containsEntry("reason", WHY);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> nodes = (Map<String, Map<String, Object>>) caps.get("nodes");
        assertThat(nodes.get("driver_napi")).containsEntry("observable", false).containsEntry("reason", WHY);
        assertThatThrownBy(() -> b.open(new LiveBackend.LiveRequest("s", "full", PacketFilter.ANY, 50)))
                .isInstanceOf(LiveUnavailableException.class).hasMessageContaining(WHY);
        b.shutdown();
    }

    @Test
    void nftModeIsNotOurs() {
        KernelLiveBackend b = new KernelLiveBackend(KernelProbe.unavailable(WHY, null));
        assertThat(b.modes()).containsExactlyInAnyOrder("full", "multifunction");
        assertThatThrownBy(() -> b.open(new LiveBackend.LiveRequest("s", "nft", PacketFilter.ANY, 50)))
                .isInstanceOf(LiveUnavailableException.class).hasMessageContaining("nftables");
    }
}

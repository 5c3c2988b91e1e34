package dev.skbscope.kernel;

import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.live.LiveBackend;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions come and go (the backend's lock) while the dispatcher changes the sampling factor: both
 * write the kernel's session table. They once shared one key buffer, and a config write could go
 * to a session's slot (E2BIG) or a new session's filter into slot 0. Before the fix this test saw
 * failed config writes within a few thousand rounds.
 */
@Tag("kernel")
class KernelTracerRaceTest {
    @Test
    void sessionChangesAndSamplingChangesNeverWriteEachOthersSlot() throws Exception {
        KernelProbe probe = KernelTestSupport.requireBpf();
        KernelLiveBackend backend = new KernelLiveBackend(probe);
        try (KernelSessionSource first = (KernelSessionSource) backend.open(
                new LiveBackend.LiveRequest("first", "full", PacketFilter.ANY, 50))) {
            KernelTracer tracer = backend.tracer();
            KernelTracer.SessionTable table = tracer.sessionTable();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger failures = new AtomicInteger();
            Thread sampler = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    try {
                        table.writeConfig();
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            });
            PacketFilter udp5555 = new PacketFilter("udp", null, null, null, null, 5555, null, null, null);
            try {
                for (int i = 0; i < 5000; i++) {
                    table.add(5, udp5555);
                    table.remove(5);
                }
            } finally {
                stop.set(true);
                sampler.join();
            }
            assertThat(failures.get()).as("config writes that went to the wrong key").isZero();
            assertThat(table.filterFlags(first.slot())).as("the first session's (empty) filter").isZero();
        } finally {
            backend.shutdown();
        }
    }
}

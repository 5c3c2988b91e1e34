package dev.skbscope.kernel;

import dev.skbscope.libbpf.Tracefs;
import dev.skbscope.sources.live.KernelTestGate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the syscall tracepoints' ids are read: an existing tracefs is used as it is, a missing one is
 * mounted (as root), and where neither works the reason says what to do.
 */
class TracefsTest {
    @Test
    void anExistingTracefsIsUsedAsItIs(@TempDir Path dir) throws Exception {
        Path debug = dir.resolve("debug/tracing"), tracing = dir.resolve("tracing");
        Files.createDirectories(tracing.resolve("events"));
        assertThat(Tracefs.find(debug, tracing)).isEqualTo(new Tracefs.Status(tracing.toString(), false, null));
        // libbpf 1.1 prefers the debugfs place when it exists
        Files.createDirectories(debug.resolve("events"));
        assertThat(Tracefs.find(debug, tracing).path()).isEqualTo(debug.toString());
    }

    @Test
    void nowhereToMountIsAReasonThatSaysWhatToDo(@TempDir Path dir) {
        Tracefs.Status s = Tracefs.find(dir.resolve("a"), dir.resolve("b"));
        assertThat(s.path()).isNull();
        assertThat(s.problem()).contains("syscall tracepoints").contains(dir.resolve("b").toString());
    }

    /** A fresh VM or container may boot without tracefs: the syscall tracepoints then failed with ENOENT. */
    @Test
    @Tag("kernel")
    void aMissingTracefsIsMounted(@TempDir Path dir) throws Exception {
        KernelTestGate.requireRoot("mounting tracefs");
        Path tracing = Files.createDirectories(dir.resolve("tracing"));
        try {
            Tracefs.Status s = Tracefs.find(dir.resolve("debug/tracing"), tracing);
            assertThat(s).isEqualTo(new Tracefs.Status(tracing.toString(), true, null));
            assertThat(tracing.resolve("events/syscalls")).isDirectory();
        } finally {
            new ProcessBuilder("umount", tracing.toString()).inheritIO().start().waitFor();
        }
        assertThat(tracing.resolve("events")).doesNotExist();
    }
}

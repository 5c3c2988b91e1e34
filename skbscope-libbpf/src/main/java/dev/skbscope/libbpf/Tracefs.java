package dev.skbscope.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tracing file system, through which libbpf finds a classic tracepoint's id
 * ({@code events/<category>/<name>/id}) to attach it: the syscall tracepoints need it, the BTF
 * tracepoints do not. Thread-safe: {@link #ensure} is synchronized and remembers its answer.
 *
 * <p>systemd mounts tracefs at boot, but a container's or a minimal VM's boot may not: on such a
 * machine the syscall tracepoints failed with ENOENT and the application and TCP/UDP output nodes
 * went dark. As root, skbscope mounts it where libbpf 1.1 looks ({@code /sys/kernel/tracing} when
 * {@code /sys/kernel/debug/tracing} is absent), as {@code mount -t tracefs nodev
 * /sys/kernel/tracing} would. It is left mounted at exit: it holds no state of ours, and another
 * tool may have started using it meanwhile.
 */
public final class Tracefs {
    static final String TRACING = "/sys/kernel/tracing", DEBUG_TRACING = "/sys/kernel/debug/tracing";

    /**
     * @param path    where the tracepoints' ids are read, null when nowhere
     * @param mounted true when skbscope mounted it
     * @param problem why classic tracepoints can't be attached (null when they can)
     */
    public record Status(String path, boolean mounted, String problem) { }

    private static Status status;

    private Tracefs() { }

    /** Finds tracefs, mounting it at {@value #TRACING} if it is nowhere; never throws. */
    public static synchronized Status ensure() {
        if (status == null) status = find(Path.of(DEBUG_TRACING), Path.of(TRACING));
        return status;
    }

    /** {@link #ensure} with other places to look and mount (tests); not remembered. */
    public static Status find(Path debugTracing, Path tracing) {
        for (Path p : new Path[]{debugTracing, tracing}) {
            if (Files.isDirectory(p.resolve("events"))) return new Status(p.toString(), false, null);
        }
        if (!Files.isDirectory(tracing)) {
            return new Status(null, false, "tracefs is not mounted and " + tracing + " does not exist (a kernel "
                    + "without CONFIG_TRACING?): the syscall tracepoints can't be attached");
        }
        try {
            mount(tracing.toString());
        } catch (LibbpfException e) {
            return new Status(null, false, "tracefs is not mounted and mounting it at " + tracing + " failed ("
                    + e.getMessage() + "): the syscall tracepoints can't be attached; mount it with "
                    + "'mount -t tracefs nodev " + tracing + "'");
        }
        return Files.isDirectory(tracing.resolve("events"))
                ? new Status(tracing.toString(), true, null)
                : new Status(null, true, "tracefs mounted at " + tracing + " has no events directory");
    }

    private static void mount(String target) throws LibbpfException {
        Libbpf lib = Libbpf.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.captureState(a);
            int rc = (int) lib.mount.invokeExact(state, a.allocateFrom("nodev"), a.allocateFrom(target),
                    a.allocateFrom("tracefs"), 0L, MemorySegment.NULL);
            if (rc < 0) throw lib.error("mount tracefs", Libbpf.errno(state));
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }
}

package dev.skbscope.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Classic tc filters on a clsact qdisc through libbpf's {@code bpf_tc_*} calls: the fallback where
 * a kernel has no tcx (before 6.6). Unlike links, such a filter outlives the process, so its owner
 * must {@link #detach} it, and clean up after a crash. Stateless; acts on the calling thread's
 * network namespace.
 */
public final class TcClassic {
    /** {@code enum bpf_tc_attach_point}. */
    public static final int INGRESS = 1, EGRESS = 2;
    private static final long HOOK_SIZE = 24, OPTS_SIZE = 32;
    private static final int EEXIST = 17;

    private TcClassic() { }

    /**
     * Creates the clsact qdisc if needed and attaches {@code progFd} at {@code handle}/{@code priority}.
     */
    public static void attach(int ifindex, int point, int progFd, int handle, int priority) throws LibbpfException {
        Libbpf lib = Libbpf.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hook = hook(a, ifindex, point);
            int rc = (int) lib.tcHookCreate.invokeExact(hook);
            if (rc < 0 && rc != -EEXIST) throw lib.error("creating clsact on ifindex " + ifindex, rc);
            MemorySegment opts = a.allocate(OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, OPTS_SIZE);
            opts.set(JAVA_INT, 8, progFd);
            opts.set(JAVA_INT, 20, handle);
            opts.set(JAVA_INT, 24, priority);
            rc = (int) lib.tcAttach.invokeExact(hook, opts);
            if (rc < 0) throw lib.error("tc filter on ifindex " + ifindex, rc);
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /** Removes the filter at {@code handle}/{@code priority}; false if it was not there. */
    public static boolean detach(int ifindex, int point, int handle, int priority) {
        try (Arena a = Arena.ofConfined()) {
            Libbpf lib = Libbpf.get();
            MemorySegment opts = a.allocate(OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, OPTS_SIZE);
            opts.set(JAVA_INT, 20, handle);
            opts.set(JAVA_INT, 24, priority);
            int rc = (int) lib.tcDetach.invokeExact(hook(a, ifindex, point), opts);
            return rc == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    private static MemorySegment hook(Arena a, int ifindex, int point) {
        MemorySegment hook = a.allocate(HOOK_SIZE, 8);
        hook.set(JAVA_LONG, 0, HOOK_SIZE);
        hook.set(JAVA_INT, 8, ifindex);
        hook.set(JAVA_INT, 12, point);
        return hook;
    }
}

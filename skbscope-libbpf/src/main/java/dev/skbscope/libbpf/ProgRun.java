package dev.skbscope.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code bpf(BPF_PROG_TEST_RUN)} of a program that takes no packet (a raw tracepoint program): the
 * kernel runs it once, on the calling thread, in its context (its task, its network namespace).
 * Stateless and thread-safe.
 */
public final class ProgRun {
    private static final int BPF_PROG_TEST_RUN = 10;
    private static final long SYS_BPF = 321; // x86-64
    /*
     * union bpf_attr's "test" member is uapi: prog_fd at 0 and retval at 4 since Linux 4.12, and a
     * raw tracepoint program's run takes no data or context. A shorter attr than the kernel's union
     * is allowed (the kernel zero-fills the rest), so the size stops after batch_size.
     */
    private static final long ATTR_SIZE = 80, PROG_FD = 0, RETVAL = 4;

    private ProgRun() { }

    /**
     * Runs the program once on the calling thread.
     *
     * @return the program's return value
     */
    public static int run(int progFd, String what) throws LibbpfException {
        Libbpf lib = Libbpf.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, PROG_FD, progFd);
            MemorySegment state = Libbpf.captureState(a);
            long rc = (long) lib.syscall6.invokeExact(state, SYS_BPF, (long) BPF_PROG_TEST_RUN, attr, ATTR_SIZE);
            if (rc < 0) throw lib.error("running " + what, Libbpf.errno(state));
            return attr.get(JAVA_INT, RETVAL);
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }
}

package dev.skbscope.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code bpf(BPF_LINK_CREATE)} for the attach types libbpf 1.1 has no call for: netfilter hooks
 * ({@code BPF_NETFILTER}, kernel 6.4+) and tcx ({@code BPF_TCX_INGRESS/EGRESS}, kernel 6.6+).
 * The offsets of {@code union bpf_attr}'s {@code link_create} members are read from the running
 * kernel's BTF, not hard-coded, so a kernel that moved them is still spoken to correctly.
 * Immutable and thread-safe; a created link is a file descriptor: closing it detaches.
 * A netfilter link attaches in the network namespace of the calling thread ({@link NetNamespace#enter}).
 */
public final class LinkCreate {
    private static final int BPF_LINK_CREATE = 28;
    private static final long SYS_BPF = 321; // x86-64
    public static final int BPF_NETFILTER = 45, BPF_TCX_INGRESS = 46, BPF_TCX_EGRESS = 47;
    public static final int NFPROTO_IPV4 = 2, NFPROTO_IPV6 = 10;

    private final Libbpf lib;
    private final long size;
    private final long progFd, target, attachType, nfPf, nfHook, nfPriority;

    private LinkCreate(Libbpf lib, Btf btf) throws LibbpfException {
        this.lib = lib;
        long s = btf.size("bpf_attr", Btf.KIND_UNION);
        if (s <= 0) throw new LibbpfException("kernel BTF has no union bpf_attr", Errno.ENOENT);
        size = s;
        progFd = offset(btf, "link_create.prog_fd", 4);
        target = offset(btf, "link_create.target_ifindex", 4);
        attachType = offset(btf, "link_create.attach_type", 4);
        nfPf = offset(btf, "link_create.netfilter.pf", 4);
        nfHook = offset(btf, "link_create.netfilter.hooknum", 4);
        nfPriority = offset(btf, "link_create.netfilter.priority", 4);
    }

    /** Reads the layout from the running kernel's BTF. */
    public static LinkCreate fromKernel() throws LibbpfException {
        try (Btf btf = Btf.vmlinux()) {
            return new LinkCreate(Libbpf.get(), btf);
        }
    }

    /** Whether this kernel's {@code bpf_attr} knows netfilter links (6.4+). */
    public static boolean netfilterKnown(Btf btf) { return btf.field("bpf_attr", Btf.KIND_UNION, "link_create.netfilter.priority") != null; }

    /** Whether this kernel's {@code bpf_attr} knows tcx links (6.6+). */
    public static boolean tcxKnown(Btf btf) { return btf.field("bpf_attr", Btf.KIND_UNION, "link_create.tcx.expected_revision") != null; }

    private static long offset(Btf btf, String path, int size) throws LibbpfException {
        Btf.Field f = btf.field("bpf_attr", Btf.KIND_UNION, path);
        if (f == null) throw new LibbpfException("this kernel's union bpf_attr has no " + path, Errno.EOPNOTSUPP);
        if (f.size() != size) throw new LibbpfException("union bpf_attr " + path + " is " + f.size() + " bytes, not " + size, Errno.EINVAL);
        return f.offset();
    }

    /**
     * Attaches a {@code BPF_PROG_TYPE_NETFILTER} program to a hook of the caller's network namespace.
     *
     * @param pf       {@link #NFPROTO_IPV4} or {@link #NFPROTO_IPV6}
     * @param hooknum  NF_INET_PRE_ROUTING (0) .. NF_INET_POST_ROUTING (4)
     * @param priority not INT_MIN or INT_MAX (the kernel keeps those for itself)
     * @return the link's fd
     */
    public int netfilter(int progFdValue, int pf, int hooknum, int priority) throws LibbpfException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(size, 8);
            attr.set(JAVA_INT, progFd, progFdValue);
            attr.set(JAVA_INT, attachType, BPF_NETFILTER);
            attr.set(JAVA_INT, nfPf, pf);
            attr.set(JAVA_INT, nfHook, hooknum);
            attr.set(JAVA_INT, nfPriority, priority);
            return call(a, attr, "netfilter link (pf " + pf + ", hook " + hooknum + ", priority " + priority + ")");
        }
    }

    /**
     * Attaches a {@code BPF_PROG_TYPE_SCHED_CLS} program to a device's tcx ingress or egress,
     * after the programs already there.
     *
     * @return the link's fd
     */
    public int tcx(int progFdValue, int ifindex, int tcxAttachType) throws LibbpfException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(size, 8);
            attr.set(JAVA_INT, progFd, progFdValue);
            attr.set(JAVA_INT, target, ifindex);
            attr.set(JAVA_INT, attachType, tcxAttachType);
            return call(a, attr, "tcx " + (tcxAttachType == BPF_TCX_INGRESS ? "ingress" : "egress") + " link on ifindex " + ifindex);
        }
    }

    private int call(Arena a, MemorySegment attr, String what) throws LibbpfException {
        try {
            MemorySegment state = Libbpf.captureState(a);
            long fd = (long) lib.syscall6.invokeExact(state, SYS_BPF, (long) BPF_LINK_CREATE, attr, size);
            if (fd < 0) throw lib.error(what, Libbpf.errno(state));
            return (int) fd;
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /** Closes a link fd (detaches it). */
    public static void close(int fd) {
        if (fd < 0) return;
        try {
            int rc = (int) Libbpf.get().close.invokeExact(fd);
        } catch (Throwable ignored) {
            // detaching at teardown: nothing else to do
        }
    }

    /** The size of the running kernel's union bpf_attr (for tests). */
    long attrSize() { return size; }

}

package dev.skbscope.libbpf;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcall handles into the system libbpf ({@code libbpf.so.1}) and the few libc calls the binding
 * needs. Thread-safe: handles are immutable; {@link #get()} loads the library once.
 * Written against libbpf 1.1 (Debian 12): pointer-returning calls report failure as NULL + errno,
 * int-returning ones as a negative errno.
 */
public final class Libbpf {
    private static final Logger LOG = LoggerFactory.getLogger("libbpf");
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static volatile Libbpf instance;
    private static volatile Throwable loadFailure;
    /** Set by callers that expect failures (capability probing): libbpf warnings go to DEBUG. */
    static final ThreadLocal<Boolean> QUIET = ThreadLocal.withInitial(() -> false);

    final MethodHandle objectOpenMem, objectLoad, objectClose, objectNextProgram, objectFindMap, objectBtf;
    final MethodHandle programName, programSectionName, programSetAutoload, programAutoload, programAttach;
    final MethodHandle programSetType, programSetExpectedAttachType, programFd;
    final MethodHandle tcHookCreate, tcHookDestroy, tcAttach, tcDetach;
    final MethodHandle syscall6, open, setns, mount, ifNameIndex, ifFreeNameIndex, getpid, socket, ioctl;
    final MethodHandle linkDestroy, mapFd, mapSetMaxEntries, mapMaxEntries, mapValueSize;
    final MethodHandle mapLookupElem, mapUpdateElem, numPossibleCpus, strerror;
    final MethodHandle btfLoadVmlinux, btfFindByNameKind, btfTypeById, btfNameByOffset, btfTypeCnt, btfFree;
    final MethodHandle mmap, munmap, epollCreate1, epollCtl, epollWait, close;
    private final String version;

    private Libbpf(SymbolLookup lib) throws Throwable {
        SymbolLookup libc = LINKER.defaultLookup();
        objectOpenMem = h(lib, "bpf_object__open_mem", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), true);
        objectLoad = h(lib, "bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        objectClose = h(lib, "bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS), false);
        objectNextProgram = h(lib, "bpf_object__next_program", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS), false);
        objectFindMap = h(lib, "bpf_object__find_map_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS), false);
        objectBtf = h(lib, "bpf_object__btf", FunctionDescriptor.of(ADDRESS, ADDRESS), false);
        programName = h(lib, "bpf_program__name", FunctionDescriptor.of(ADDRESS, ADDRESS), false);
        programSectionName = h(lib, "bpf_program__section_name", FunctionDescriptor.of(ADDRESS, ADDRESS), false);
        programSetAutoload = h(lib, "bpf_program__set_autoload", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BOOLEAN), false);
        programAutoload = h(lib, "bpf_program__autoload", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS), false);
        programAttach = h(lib, "bpf_program__attach", FunctionDescriptor.of(ADDRESS, ADDRESS), true);
        programSetType = h(lib, "bpf_program__set_type", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), false);
        programSetExpectedAttachType = h(lib, "bpf_program__set_expected_attach_type",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), false);
        programFd = h(lib, "bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        tcHookCreate = h(lib, "bpf_tc_hook_create", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        tcHookDestroy = h(lib, "bpf_tc_hook_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        tcAttach = h(lib, "bpf_tc_attach", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), false);
        tcDetach = h(lib, "bpf_tc_detach", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), false);
        linkDestroy = h(lib, "bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        mapFd = h(lib, "bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        mapSetMaxEntries = h(lib, "bpf_map__set_max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), false);
        mapMaxEntries = h(lib, "bpf_map__max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        mapValueSize = h(lib, "bpf_map__value_size", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        mapLookupElem = h(lib, "bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), false);
        mapUpdateElem = h(lib, "bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), false);
        numPossibleCpus = h(lib, "libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT), false);
        strerror = h(lib, "libbpf_strerror", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG), false);
        btfLoadVmlinux = h(lib, "btf__load_vmlinux_btf", FunctionDescriptor.of(ADDRESS), true);
        btfFindByNameKind = h(lib, "btf__find_by_name_kind", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), false);
        btfTypeById = h(lib, "btf__type_by_id", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT), false);
        btfNameByOffset = h(lib, "btf__name_by_offset", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT), false);
        btfTypeCnt = h(lib, "btf__type_cnt", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        btfFree = h(lib, "btf__free", FunctionDescriptor.ofVoid(ADDRESS), false);
        mmap = h(libc, "mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), true);
        munmap = h(libc, "munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), false);
        epollCreate1 = h(libc, "epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);
        epollCtl = h(libc, "epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), true);
        epollWait = h(libc, "epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), true);
        close = h(libc, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);
        // long syscall(long number, ...): the bpf(2) commands libbpf 1.1 has no wrapper for
        syscall6 = LINKER.downcallHandle(libc.find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
                ERRNO_OPT, Linker.Option.firstVariadicArg(1));
        open = LINKER.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT, Linker.Option.firstVariadicArg(2));
        setns = h(libc, "setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
        mount = h(libc, "mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), true);
        ifNameIndex = h(libc, "if_nameindex", FunctionDescriptor.of(ADDRESS), true);
        ifFreeNameIndex = h(libc, "if_freenameindex", FunctionDescriptor.ofVoid(ADDRESS), false);
        getpid = h(libc, "getpid", FunctionDescriptor.of(JAVA_INT), false);
        socket = h(libc, "socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true);
        ioctl = LINKER.downcallHandle(libc.find("ioctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO_OPT, Linker.Option.firstVariadicArg(2));

        MethodHandle major = h(lib, "libbpf_major_version", FunctionDescriptor.of(JAVA_INT), false);
        MethodHandle minor = h(lib, "libbpf_minor_version", FunctionDescriptor.of(JAVA_INT), false);
        version = (int) major.invokeExact() + "." + (int) minor.invokeExact();
        installPrintCallback(lib, libc);
    }

    /**
     * Loads libbpf.so.1 once.
     *
     * @throws LibbpfException saying the library is missing and which package provides it
     */
    public static Libbpf get() throws LibbpfException {
        Libbpf l = instance;
        if (l != null) return l;
        synchronized (Libbpf.class) {
            if (instance != null) return instance;
            if (loadFailure == null) {
                try {
                    instance = new Libbpf(SymbolLookup.libraryLookup("libbpf.so.1", Arena.global()));
                    return instance;
                } catch (Throwable t) {
                    loadFailure = t;
                }
            }
            throw new LibbpfException("libbpf.so.1 could not be loaded (" + loadFailure.getMessage()
                    + "); install it with: apt-get install libbpf1", 0);
        }
    }

    /** The library's version, e.g. "1.1". */
    public String version() { return version; }

    /** Runs {@code r} with libbpf's warnings demoted to DEBUG (for probes that are expected to fail). */
    public static <T, E extends Exception> T quietly(ThrowingSupplier<T, E> r) throws E {
        boolean before = QUIET.get();
        QUIET.set(true);
        try {
            return r.get();
        } finally {
            QUIET.set(before);
        }
    }

    @FunctionalInterface
    public interface ThrowingSupplier<T, E extends Exception> { T get() throws E; }

    public int numPossibleCpus() {
        try {
            return (int) numPossibleCpus.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** libbpf's text for a (positive or negative) error code. */
    String strerror(int err) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            int rc = (int) strerror.invokeExact(Math.abs(err), buf, 256L);
            return rc == 0 ? buf.getString(0) : Errno.describe(Math.abs(err));
        } catch (Throwable t) {
            return Errno.describe(Math.abs(err));
        }
    }

    /** A call failed: "what: ENAME: text". */
    LibbpfException error(String what, int err) {
        int e = Math.abs(err);
        return new LibbpfException(what + ": " + Errno.name(e) + " (" + strerror(e) + ")", e);
    }

    static MemorySegment captureState(Arena arena) { return arena.allocate(CAPTURE); }

    static int errno(MemorySegment state) { return (int) ERRNO.get(state, 0L); }

    private static MethodHandle h(SymbolLookup lookup, String name, FunctionDescriptor fd, boolean captureErrno) {
        MemorySegment sym = lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("symbol " + name + " not found"));
        return captureErrno ? LINKER.downcallHandle(sym, fd, ERRNO_OPT) : LINKER.downcallHandle(sym, fd);
    }

    // ---- libbpf_set_print: format with vsnprintf (va_list is a pointer on x86-64 and arm64) and log ----

    private static MethodHandle vsnprintf;

    private static void installPrintCallback(SymbolLookup lib, SymbolLookup libc) throws Throwable {
        vsnprintf = LINKER.downcallHandle(libc.find("vsnprintf").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
        MethodHandle target = MethodHandles.lookup().findStatic(Libbpf.class, "print",
                MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
        MemorySegment stub = LINKER.upcallStub(target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS),
                Arena.global());
        MethodHandle setPrint = h(lib, "libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS), false);
        MemorySegment unusedPrevious = (MemorySegment) setPrint.invokeExact(stub);
    }

    private static final ThreadLocal<MemorySegment> PRINT_BUF =
            ThreadLocal.withInitial(() -> Arena.global().allocate(4096));

    /** Upcall from libbpf; must never throw. Level 0 = warn, 1 = info, 2 = debug. */
    private static int print(int level, MemorySegment fmt, MemorySegment args) {
        try {
            boolean enabled = switch (level) {
                case 0 -> QUIET.get() ? LOG.isDebugEnabled() : LOG.isWarnEnabled();
                case 1 -> LOG.isDebugEnabled();
                default -> LOG.isTraceEnabled();
            };
            if (!enabled) return 0;
            MemorySegment buf = PRINT_BUF.get();
            int n = (int) vsnprintf.invokeExact(buf, buf.byteSize(), fmt, args);
            if (n < 0) return 0;
            String msg = buf.getString(0).stripTrailing();
            switch (level) {
                case 0 -> { if (QUIET.get()) LOG.debug(msg); else LOG.warn(msg); }
                case 1 -> LOG.debug(msg);
                default -> LOG.trace(msg);
            }
        } catch (Throwable ignored) {
            // a log line is not worth crashing the JVM from an upcall
        }
        return 0;
    }

}

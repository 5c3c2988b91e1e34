package dev.skbscope.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * An ELF BPF object opened from memory: its programs and maps, then loaded into the kernel.
 * Confined to one thread at a time (callers serialise); {@link #close} frees everything it made,
 * including links not yet destroyed.
 */
public final class BpfObject implements AutoCloseable {
    private final Libbpf lib;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment obj;
    private final List<BpfProgram> programs = new ArrayList<>();
    private final List<BpfLink> links = new ArrayList<>();
    private boolean closed;

    private BpfObject(Libbpf lib, MemorySegment obj) throws LibbpfException {
        this.lib = lib;
        this.obj = obj;
        try {
            MemorySegment p = MemorySegment.NULL;
            while (true) {
                p = (MemorySegment) lib.objectNextProgram.invokeExact(obj, p);
                if (p.equals(MemorySegment.NULL)) break;
                String name = ((MemorySegment) lib.programName.invokeExact(p)).reinterpret(256).getString(0);
                String section = ((MemorySegment) lib.programSectionName.invokeExact(p)).reinterpret(256).getString(0);
                programs.add(new BpfProgram(this, p, name, section));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Opens an object from its bytes (nothing is loaded into the kernel yet).
     *
     * @param name object name shown by bpftool (map names are prefixed with it where needed)
     */
    public static BpfObject open(byte[] elf, String name) throws LibbpfException {
        Libbpf lib = Libbpf.get();
        MemorySegment obj;
        // the ELF buffer must outlive the object: libbpf keeps pointers into it until load
        Arena arena = Arena.global();
        MemorySegment buf = arena.allocate(elf.length, 8);
        buf.copyFrom(MemorySegment.ofArray(elf));
        try (Arena a = Arena.ofConfined()) {
            // struct bpf_object_open_opts { size_t sz; const char *object_name; ... }: pass only the name
            MemorySegment opts = a.allocate(16, 8);
            opts.set(JAVA_LONG, 0, 16);
            opts.set(ADDRESS, 8, a.allocateFrom(name));
            MemorySegment state = Libbpf.captureState(a);
            obj = (MemorySegment) lib.objectOpenMem.invokeExact(state, buf, (long) elf.length, opts);
            if (obj.equals(MemorySegment.NULL)) throw lib.error("opening BPF object " + name, Libbpf.errno(state));
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return new BpfObject(lib, obj);
    }

    public List<BpfProgram> programs() { return List.copyOf(programs); }

    /** The program of that name, or null. */
    public BpfProgram program(String name) {
        for (BpfProgram p : programs) if (p.name().equals(name)) return p;
        return null;
    }

    /** The map of that name (as in the C source). */
    public BpfMap map(String name) throws LibbpfException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = (MemorySegment) lib.objectFindMap.invokeExact(obj, a.allocateFrom(name));
            if (m.equals(MemorySegment.NULL)) throw new LibbpfException("BPF object has no map named " + name, Errno.ENOENT);
            return new BpfMap(lib, m, name);
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Verifies and loads every program marked autoload, and creates the maps. */
    public void load() throws LibbpfException {
        int rc;
        try {
            rc = (int) lib.objectLoad.invokeExact(obj);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc < 0) throw lib.error("loading BPF object", rc);
    }

    Libbpf lib() { return lib; }

    MemorySegment handle() { return obj; }

    BpfLink track(BpfLink link) {
        links.add(link);
        return link;
    }

    void untrack(BpfLink link) { links.remove(link); }

    /** Destroys remaining links and unloads the object. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (BpfLink l : List.copyOf(links)) l.close();
        try {
            lib.objectClose.invokeExact(obj);
        } catch (Throwable ignored) {
            // nothing sensible to do when freeing fails
        }
        arena.close();
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}

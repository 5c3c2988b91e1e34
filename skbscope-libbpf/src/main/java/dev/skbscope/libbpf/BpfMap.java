package dev.skbscope.libbpf;

import java.lang.foreign.MemorySegment;

/**
 * A map of a {@link BpfObject}. Element access goes through the map's fd (bpf syscalls) and is
 * thread-safe once loaded; {@link #maxEntries(int)} only before load.
 */
public final class BpfMap {
    private final Libbpf lib;
    private final MemorySegment map;
    private final String name;

    BpfMap(Libbpf lib, MemorySegment map, String name) {
        this.lib = lib;
        this.map = map;
        this.name = name;
    }

    public String name() { return name; }

    public int fd() {
        try {
            return (int) lib.mapFd.invokeExact(map);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    public int maxEntries() {
        try {
            return (int) lib.mapMaxEntries.invokeExact(map);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    public int valueSize() {
        try {
            return (int) lib.mapValueSize.invokeExact(map);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /** Resizes the map before the object is loaded (ring buffers: a power-of-2 multiple of the page size). */
    public void maxEntries(int n) throws LibbpfException {
        int rc;
        try {
            rc = (int) lib.mapSetMaxEntries.invokeExact(map, n);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
        if (rc < 0) throw lib.error("resizing map " + name, rc);
    }

    /**
     * Reads one element into {@code value} (for per-CPU maps: one 8-byte aligned slot per possible CPU).
     *
     * @return false if the key is absent
     */
    public boolean lookup(MemorySegment key, MemorySegment value) throws LibbpfException {
        int rc;
        try {
            rc = (int) lib.mapLookupElem.invokeExact(fd(), key, value);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
        if (rc == -Errno.ENOENT) return false;
        if (rc < 0) throw lib.error("lookup in map " + name, rc);
        return true;
    }

    /** Writes one element (flags: 0 = BPF_ANY). */
    public void update(MemorySegment key, MemorySegment value, long flags) throws LibbpfException {
        int rc;
        try {
            rc = (int) lib.mapUpdateElem.invokeExact(fd(), key, value, flags);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
        if (rc < 0) throw lib.error("update of map " + name, rc);
    }
}

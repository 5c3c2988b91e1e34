package dev.skbscope.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The running kernel's BTF (type information), read through libbpf. Confined: use from one thread
 * and {@link #close} it when done.
 */
public final class Btf implements AutoCloseable {
    public static final int KIND_INT = 1, KIND_PTR = 2, KIND_ARRAY = 3, KIND_STRUCT = 4, KIND_UNION = 5, KIND_ENUM = 6, KIND_TYPEDEF = 8,
            KIND_VOLATILE = 9, KIND_CONST = 10, KIND_RESTRICT = 11, KIND_FUNC = 12, KIND_FUNC_PROTO = 13,
            KIND_TYPE_TAG = 18, KIND_ENUM64 = 19;

    private final Libbpf lib;
    private final MemorySegment btf;
    /** False for an object's BTF, which the object frees. */
    private final boolean owned;
    private boolean closed;

    private Btf(Libbpf lib, MemorySegment btf, boolean owned) {
        this.lib = lib;
        this.btf = btf;
        this.owned = owned;
    }

    /** A field of a struct or union: byte offset from the start of the outermost type, and size in bytes. */
    public record Field(long offset, long size) { }

    /**
     * The BTF of an opened BPF object (its own types: {@code struct skbscope_event}...). Valid
     * while the object is open; {@link #close} does not free it.
     */
    public static Btf of(BpfObject object) throws LibbpfException {
        try {
            MemorySegment b = (MemorySegment) object.lib().objectBtf.invokeExact(object.handle());
            if (b.equals(MemorySegment.NULL)) throw new LibbpfException("the BPF object carries no BTF", Errno.ENOENT);
            return new Btf(object.lib(), b, false);
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /**
     * Where a (nested) member of a struct or union is, e.g. {@code field("bpf_attr", KIND_UNION,
     * "link_create.netfilter.priority")}. Anonymous members (C11 unnamed unions and structs) are
     * looked into, as C does.
     *
     * @return the field, or null if the type or a member of the path is absent
     */
    public Field field(String typeName, int kind, String path) {
        int id = find(typeName, kind);
        if (id < 0) return null;
        long offset = 0;
        for (String part : path.split("\\.")) {
            long[] found = member(id, part);
            if (found == null) return null;
            offset += found[0];
            id = (int) found[1];
        }
        return new Field(offset, sizeOf(id));
    }

    /** Size in bytes of a named type of that kind, or -1. */
    public long size(String typeName, int kind) {
        int id = find(typeName, kind);
        return id < 0 ? -1 : sizeOf(id);
    }

    /** {byte offset, member type id} of {@code name} in struct/union {@code id}, looking into anonymous members. */
    private long[] member(int id, String name) {
        id = resolve(id);
        MemorySegment t = type(id);
        int k = kind(t);
        if (k != KIND_STRUCT && k != KIND_UNION) return null;
        boolean bitfieldOffsets = (t.get(JAVA_INT, 4) >>> 31) != 0;
        int vlen = vlen(t);
        MemorySegment members = t.reinterpret(12L + 12L * vlen);
        for (int i = 0; i < vlen; i++) {
            long base = 12L + 12L * i;
            String n = name(members.get(JAVA_INT, base));
            int mtype = members.get(JAVA_INT, base + 4);
            int raw = members.get(JAVA_INT, base + 8);
            long bits = bitfieldOffsets ? raw & 0xffffff : Integer.toUnsignedLong(raw);
            if (n.equals(name)) return new long[]{bits / 8, mtype};
            if (n.isEmpty()) {
                long[] inner = member(mtype, name);
                if (inner != null) return new long[]{bits / 8 + inner[0], inner[1]};
            }
        }
        return null;
    }

    /** Follows typedefs and qualifiers. */
    private int resolve(int id) {
        for (int hops = 0; hops < 16; hops++) {
            MemorySegment t = type(id);
            int k = kind(t);
            if (k != KIND_TYPEDEF && k != KIND_CONST && k != KIND_VOLATILE && k != KIND_RESTRICT && k != KIND_TYPE_TAG) {
                return id;
            }
            id = t.get(JAVA_INT, 8);
        }
        return id;
    }

    private long sizeOf(int id) {
        id = resolve(id);
        MemorySegment t = type(id);
        return switch (kind(t)) {
            case KIND_INT, KIND_STRUCT, KIND_UNION, KIND_ENUM, KIND_ENUM64 -> Integer.toUnsignedLong(t.get(JAVA_INT, 8));
            case KIND_PTR -> 8;
            case KIND_ARRAY -> {
                MemorySegment a = t.reinterpret(24);
                yield sizeOf(a.get(JAVA_INT, 12)) * Integer.toUnsignedLong(a.get(JAVA_INT, 20));
            }
            default -> -1;
        };
    }

    /** Loads vmlinux BTF (from /sys/kernel/btf/vmlinux). */
    public static Btf vmlinux() throws LibbpfException {
        Libbpf lib = Libbpf.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.captureState(a);
            MemorySegment b = (MemorySegment) lib.btfLoadVmlinux.invokeExact(state);
            if (b.equals(MemorySegment.NULL) || b.address() < 4096) {
                throw lib.error("loading kernel BTF (/sys/kernel/btf/vmlinux)", Libbpf.errno(state));
            }
            return new Btf(lib, b, true);
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /** Type id of a named type of that kind, or -1. */
    public int find(String name, int kind) {
        try (Arena a = Arena.ofConfined()) {
            int id = (int) lib.btfFindByNameKind.invokeExact(btf, a.allocateFrom(name), kind);
            return id < 0 ? -1 : id;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /** Enumerator name to value of an enum (ENUM or ENUM64), in declaration order; empty if absent. */
    public Map<String, Long> enumValues(String enumName) {
        Map<String, Long> out = new LinkedHashMap<>();
        int id = find(enumName, KIND_ENUM);
        boolean wide = false;
        if (id < 0) {
            id = find(enumName, KIND_ENUM64);
            wide = true;
        }
        if (id < 0) return out;
        MemorySegment t = type(id);
        int vlen = vlen(t);
        int stride = wide ? 12 : 8;
        MemorySegment members = t.reinterpret(12L + (long) vlen * stride);
        for (int i = 0; i < vlen; i++) {
            long base = 12L + (long) i * stride;
            String n = name(members.get(JAVA_INT, base));
            long v = wide ? Integer.toUnsignedLong(members.get(JAVA_INT, base + 4))
                    | ((long) members.get(JAVA_INT, base + 8) << 32)
                    : members.get(JAVA_INT, base + 4);
            out.put(n, v);
        }
        return out;
    }

    /** Names of functions with a parameter of type {@code struct <structName> *} (pwru's candidate set). */
    public List<String> functionsTaking(String structName) {
        List<String> out = new ArrayList<>();
        int target = find(structName, KIND_STRUCT);
        if (target < 0) return out;
        int count = typeCount();
        for (int id = 1; id < count; id++) {
            MemorySegment t = type(id);
            if (kind(t) != KIND_FUNC) continue;
            MemorySegment proto = type(t.get(JAVA_INT, 8));
            if (kind(proto) != KIND_FUNC_PROTO) continue;
            int vlen = vlen(proto);
            MemorySegment params = proto.reinterpret(12L + 8L * vlen);
            for (int i = 0; i < vlen; i++) {
                if (pointsTo(params.get(JAVA_INT, 12L + 8L * i + 4), target)) {
                    out.add(name(t.get(JAVA_INT, 0)));
                    break;
                }
            }
        }
        return out;
    }

    private boolean pointsTo(int typeId, int structId) {
        MemorySegment t = type(typeId);
        if (t == null || kind(t) != KIND_PTR) return false;
        int next = t.get(JAVA_INT, 8);
        for (int hops = 0; hops < 8 && next != 0; hops++) {
            if (next == structId) return true;
            MemorySegment m = type(next);
            int k = kind(m);
            if (k != KIND_CONST && k != KIND_VOLATILE && k != KIND_TYPEDEF && k != KIND_RESTRICT && k != KIND_TYPE_TAG) {
                return false;
            }
            next = m.get(JAVA_INT, 8);
        }
        return false;
    }

    public int typeCount() {
        try {
            return (int) lib.btfTypeCnt.invokeExact(btf);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    private MemorySegment type(int id) {
        try {
            MemorySegment t = (MemorySegment) lib.btfTypeById.invokeExact(btf, id);
            return t.equals(MemorySegment.NULL) ? null : t.reinterpret(12);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    private static int kind(MemorySegment t) { return t == null ? 0 : (t.get(JAVA_INT, 4) >>> 24) & 0x1f; }

    private static int vlen(MemorySegment t) { return t.get(JAVA_INT, 4) & 0xffff; }

    private String name(int offset) {
        try {
            MemorySegment s = (MemorySegment) lib.btfNameByOffset.invokeExact(btf, offset);
            return s.equals(MemorySegment.NULL) ? "" : s.reinterpret(512).getString(0);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (!owned) return;
        try {
            lib.btfFree.invokeExact(btf);
        } catch (Throwable ignored) {
            // freeing at close
        }
    }
}

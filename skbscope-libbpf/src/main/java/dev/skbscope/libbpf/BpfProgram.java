package dev.skbscope.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** One program of a {@link BpfObject}; same threading contract as its object. */
public final class BpfProgram {
    private final BpfObject object;
    private final MemorySegment prog;
    private final String name;
    private final String section;

    BpfProgram(BpfObject object, MemorySegment prog, String name, String section) {
        this.object = object;
        this.prog = prog;
        this.name = name;
        this.section = section;
    }

    public String name() { return name; }

    /** ELF section, e.g. {@code tp_btf/kfree_skb} or {@code ?fentry/ip_rcv}. */
    public String section() { return section; }

    /** Whether {@link BpfObject#load} loads this program; only before load. */
    public void autoload(boolean on) throws LibbpfException {
        int rc;
        try {
            rc = (int) object.lib().programSetAutoload.invokeExact(prog, on);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
        if (rc < 0) throw object.lib().error("set_autoload " + name, rc);
    }

    public boolean autoload() {
        try {
            return (boolean) object.lib().programAutoload.invokeExact(prog);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /**
     * Sets the program type and expected attach type before load, for sections libbpf 1.1 does not
     * know (e.g. {@code BPF_PROG_TYPE_NETFILTER} = 32 with {@code BPF_NETFILTER} = 45).
     */
    public void type(int progType, int expectedAttachType) throws LibbpfException {
        int rc;
        try {
            rc = (int) object.lib().programSetType.invokeExact(prog, progType);
            if (rc == 0) rc = (int) object.lib().programSetExpectedAttachType.invokeExact(prog, expectedAttachType);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
        if (rc < 0) throw object.lib().error("set type of " + name, rc);
    }

    /** The loaded program's fd (negative before load or when not loaded). */
    public int fd() {
        try {
            return (int) object.lib().programFd.invokeExact(prog);
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /** Attaches where the section says (tracepoint, fentry...). */
    public BpfLink attach() throws LibbpfException {
        Libbpf lib = object.lib();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.captureState(a);
            MemorySegment link = (MemorySegment) lib.programAttach.invokeExact(state, prog);
            if (link.equals(MemorySegment.NULL)) throw lib.error("attaching " + name, Libbpf.errno(state));
            return object.track(new BpfLink(object, link, name));
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    @Override public String toString() { return name + " (" + section + ")"; }
}

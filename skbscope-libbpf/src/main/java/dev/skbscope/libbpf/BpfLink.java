package dev.skbscope.libbpf;

import java.lang.foreign.MemorySegment;

/** An attachment of a program; {@link #close} detaches it. Same threading contract as its object. */
public final class BpfLink implements AutoCloseable {
    private final BpfObject object;
    private final MemorySegment link;
    private final String program;
    private boolean closed;

    BpfLink(BpfObject object, MemorySegment link, String program) {
        this.object = object;
        this.link = link;
        this.program = program;
    }

    public String program() { return program; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        object.untrack(this);
        try {
            int rc = (int) object.lib().linkDestroy.invokeExact(link);
        } catch (Throwable ignored) {
            // detaching at close: nothing else to do
        }
    }
}

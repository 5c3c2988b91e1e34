package dev.skbscope.kernel;

import dev.skbscope.libbpf.BpfObject;
import dev.skbscope.libbpf.BpfProgram;
import dev.skbscope.libbpf.LibbpfException;
import dev.skbscope.libbpf.LinkCreate;

import java.util.Collection;

/**
 * Opens the committed object with a chosen set of programs to load, giving each the program type
 * its section needs where libbpf 1.1 has no section for it: {@code netfilter} programs are
 * {@code BPF_PROG_TYPE_NETFILTER} with {@code BPF_NETFILTER}; {@code tc} programs expect tcx.
 * Stateless.
 */
final class BpfObjects {
    static final int BPF_PROG_TYPE_NETFILTER = 32, BPF_PROG_TYPE_SCHED_CLS = 3;

    private BpfObjects() { }

    /** Opens (does not load) the object with only {@code programs} set to load. */
    static BpfObject open(String name, Collection<String> programs) throws LibbpfException {
        BpfObject obj = BpfObject.open(BpfObjectBytes.get(), name);
        try {
            for (BpfProgram p : obj.programs()) {
                boolean on = programs.contains(p.name());
                p.autoload(on);
                if (!on) continue;
                if (p.section().equals("netfilter")) p.type(BPF_PROG_TYPE_NETFILTER, LinkCreate.BPF_NETFILTER);
                else if (p.section().equals("tc")) p.type(BPF_PROG_TYPE_SCHED_CLS, LinkCreate.BPF_TCX_INGRESS);
            }
            return obj;
        } catch (LibbpfException | RuntimeException e) {
            obj.close();
            throw e;
        }
    }
}

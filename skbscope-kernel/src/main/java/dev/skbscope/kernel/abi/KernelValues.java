package dev.skbscope.kernel.abi;

import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.Verdict;

/**
 * The kernel's own numbers that events carry (netfilter hook numbers, protocol families, verdicts)
 * and their engine names: the one place that maps them, so no Java ordinal is ever written in C.
 * Stateless.
 */
public final class KernelValues {
    /** {@code NFPROTO_*}. */
    public static final int NFPROTO_IPV4 = 2, NFPROTO_NETDEV = 5, NFPROTO_IPV6 = 10;
    /** {@code enum nf_inet_hooks}. */
    public static final int NF_INET_PRE_ROUTING = 0, NF_INET_LOCAL_IN = 1, NF_INET_FORWARD = 2, NF_INET_LOCAL_OUT = 3,
            NF_INET_POST_ROUTING = 4;
    /** {@code enum nf_dev_hooks}. */
    public static final int NF_NETDEV_INGRESS = 0, NF_NETDEV_EGRESS = 1;
    /** Netfilter verdicts ({@code NF_DROP} .. {@code NF_STOP}). */
    public static final int NF_DROP = 0, NF_ACCEPT = 1, NF_STOLEN = 2, NF_QUEUE = 3, NF_REPEAT = 4, NF_STOP = 5;

    private static final Hook[] INET = {Hook.PREROUTING, Hook.INPUT, Hook.FORWARD, Hook.OUTPUT, Hook.POSTROUTING};
    private static final Verdict[] VERDICTS = {Verdict.DROP, Verdict.ACCEPT, Verdict.STOLEN, Verdict.QUEUE,
            Verdict.REPEAT, Verdict.STOP};

    private KernelValues() { }

    /** The engine's hook for a kernel (pf, hooknum), or {@link Hook#NONE}. */
    public static Hook hook(int pf, int hooknum) {
        if (pf == NFPROTO_NETDEV) {
            return hooknum == NF_NETDEV_INGRESS ? Hook.INGRESS : hooknum == NF_NETDEV_EGRESS ? Hook.EGRESS : Hook.NONE;
        }
        return hooknum >= 0 && hooknum < INET.length ? INET[hooknum] : Hook.NONE;
    }

    /** The engine's verdict for a kernel NF_* verdict, or {@link Verdict#NONE}. */
    public static Verdict verdict(int nf) {
        return nf >= 0 && nf < VERDICTS.length ? VERDICTS[nf] : Verdict.NONE;
    }

    /** The kernel's hook number for an engine hook (PREROUTING .. POSTROUTING), or -1. */
    public static int hooknum(Hook h) {
        for (int i = 0; i < INET.length; i++) if (INET[i] == h) return i;
        return -1;
    }

    /** Display name of a netfilter hook number. */
    public static String hookName(int hooknum) {
        return hooknum >= 0 && hooknum < INET.length ? INET[hooknum].name() : "hook " + hooknum;
    }
}

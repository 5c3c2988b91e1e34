package dev.skbscope.kernel.attach;

import dev.skbscope.kernel.abi.KernelValues;

import java.util.ArrayList;
import java.util.List;

/**
 * A netfilter priority the tracer links a program at, and which program: the first and last
 * priorities of a hook, and brackets just around conntrack (-200), DNAT (-100) and SNAT/masquerade
 * (+100). The kernel keeps INT_MIN and INT_MAX for itself, so first and last sit one inside.
 * Stateless.
 */
public enum HookSlot {
    FIRST("nf_hook_first", Integer.MIN_VALUE + 1, 1),
    CONNTRACK_BEGIN("nf_conntrack_begin", -201, -1),
    CONNTRACK_END("nf_conntrack_end", -199, 1),
    DNAT_BEGIN("nf_dnat_begin", -101, -1),
    DNAT_END("nf_dnat_end", -99, 1),
    SNAT_BEGIN("nf_snat_begin", 99, -1),
    SNAT_END("nf_snat_end", 101, 1),
    LAST("nf_hook_last", Integer.MAX_VALUE - 1, -1);

    /** How far a slot may move from its priority when others hold it (see {@link #step}). */
    public static final int MAX_SHIFT = 16;

    private final String program;
    private final int priority;
    private final int step;

    HookSlot(String program, int priority, int step) {
        this.program = program;
        this.priority = priority;
        this.step = step;
    }

    public String program() { return program; }
    public int priority() { return priority; }

    /**
     * Which way to move when the priority is taken: the kernel refuses a BPF link at a priority
     * another hook already holds (EBUSY), such as a second skbscope's. A stage's opening bracket and
     * a hook's last program move earlier, its closing bracket and a hook's first program later: each
     * stays on its side of what it brackets.
     */
    public int step() { return step; }

    /** One (hook, slot) link of a plan. */
    public record Link(int hooknum, HookSlot slot) {
        @Override public String toString() { return KernelValues.hookName(hooknum) + "/" + slot.name().toLowerCase(); }
    }

    /**
     * The links a namespace gets, per family. Every hook's first priority (the hook's node); the
     * INPUT hook's last (the packet goes to L4) where anything else runs at INPUT: where nothing
     * does, the first program finds itself alone in the hook's table and reports the hand-off
     * too (one program run per received packet saved). POSTROUTING's first only where anything else runs
     * at POSTROUTING (a chain, NAT, conntrack's confirmation): where nothing does, nothing can change or
     * drop the packet between the hook and the tc egress program, which reports the hook at its own
     * instant (one program run per sent packet saved). PREROUTING's first likewise only where anything
     * else runs at PREROUTING (a chain, conntrack, NAT): where nothing does, only ip_rcv_core()'s header
     * checks lie between the tc ingress program and the hook, and their drops carry their own reasons;
     * the tc ingress program reports the hook at its own instant (one program run per received packet
     * saved). Where conntrack runs: conntrack brackets on
     * PREROUTING, and PREROUTING's last priority (the routing decision starts there). Where NAT
     * runs: DNAT brackets on PREROUTING and SNAT brackets on POSTROUTING. Nothing more: each link
     * is a program run per packet (conntrack of locally made packets, at OUTPUT, stays part of the
     * OUTPUT hook's time: the pipeline has no conntrack stage on the way out).
     */
    public static List<Link> plan(boolean conntrack, boolean nat, boolean inputLast, boolean postFirst, boolean preFirst) {
        List<Link> out = new ArrayList<>();
        int pre = KernelValues.NF_INET_PRE_ROUTING, in = KernelValues.NF_INET_LOCAL_IN, fwd = KernelValues.NF_INET_FORWARD,
                outHook = KernelValues.NF_INET_LOCAL_OUT, post = KernelValues.NF_INET_POST_ROUTING;
        if (preFirst || conntrack || nat) out.add(new Link(pre, FIRST));
        for (int h : new int[]{in, fwd, outHook}) out.add(new Link(h, FIRST));
        if (postFirst || nat) out.add(new Link(post, FIRST));
        if (inputLast) out.add(new Link(in, LAST));
        if (conntrack || nat) {
            out.add(new Link(pre, CONNTRACK_BEGIN));
            out.add(new Link(pre, CONNTRACK_END));
            out.add(new Link(pre, LAST));
        }
        if (nat) {
            out.add(new Link(pre, DNAT_BEGIN));
            out.add(new Link(pre, DNAT_END));
            out.add(new Link(post, SNAT_BEGIN));
            out.add(new Link(post, SNAT_END));
        }
        return out;
    }
}

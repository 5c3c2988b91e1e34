package dev.skbscope.sources.live;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one gate of every kernel test (tag {@code kernel}), in every module: when what the test
 * needs is missing, it never passes silently. Under {@code CI=true} it fails the test with the
 * reason; elsewhere (a developer's laptop without root) it aborts the test, and says so loudly
 * ("KERNEL TEST NOT RUN") on stderr. Stateless.
 */
public final class KernelTestGate {
    private KernelTestGate() { }

    /**
     * @param what  what the test needs, e.g. "live eBPF tracing"
     * @param whyNot null when it is there, else why not
     */
    public static void require(String what, String whyNot) {
        if (whyNot == null) return;
        String msg = "KERNEL TEST NOT RUN: " + what + " unavailable here: " + whyNot;
        System.err.println("!!!!! " + msg);
        if (inCi()) Assertions.fail(msg);
        Assumptions.abort(msg);
    }

    /** Root is the least every kernel test needs. */
    public static void requireRoot(String what) {
        require(what, Privileges.isRoot() ? null : "not root");
    }

    static boolean inCi() { return "true".equalsIgnoreCase(System.getenv("CI")); }
}

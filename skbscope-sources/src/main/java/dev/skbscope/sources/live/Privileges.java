package dev.skbscope.sources.live;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process may do to the kernel, read from {@code /proc/self/status}. Stateless. */
public final class Privileges {
    private static final int CAP_NET_ADMIN = 12, CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    private Privileges() { }

    /** True when the effective user id is 0. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (IOException | RuntimeException ignored) {
            // unreadable: not root as far as we can tell
        }
        return false;
    }

    /**
     * Null if this process may load and attach tracing programs (root, or CAP_BPF with
     * CAP_PERFMON), else what is missing and what to do.
     */
    public static String tracingProblem() {
        long caps;
        try {
            caps = effectiveCapabilities();
        } catch (IOException | NumberFormatException e) {
            return "cannot read process capabilities (/proc/self/status): " + e.getMessage();
        }
        boolean admin = (caps & (1L << CAP_SYS_ADMIN)) != 0;
        boolean bpf = (caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0;
        if (admin || bpf) return null;
        return "live kernel tracing needs root, or the capabilities CAP_BPF and CAP_PERFMON (and CAP_NET_ADMIN for the "
                + "netfilter and tc links): run skbscope with sudo, or grant them (setcap cap_bpf,cap_perfmon,cap_net_admin+ep "
                + "on the java binary)";
    }

    /** True when the process has CAP_NET_ADMIN (netfilter/tc links, nftables tables, namespaces). */
    public static boolean netAdmin() {
        try {
            return (effectiveCapabilities() & (1L << CAP_NET_ADMIN)) != 0;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static long effectiveCapabilities() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("CapEff:")).findFirst()
                .map(l -> Long.parseUnsignedLong(l.substring(7).strip(), 16)).orElse(0L);
    }
}

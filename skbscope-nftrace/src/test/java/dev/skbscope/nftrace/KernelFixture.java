package dev.skbscope.nftrace;

import dev.skbscope.sources.live.KernelTestGate;
import dev.skbscope.sources.live.Privileges;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A network namespace joined to the root namespace by a veth pair, for kernel tests: root side
 * {@code skbnft-a} 198.18.5.1/24, namespace {@code skbnft-ns} with {@code skbnft-b} 198.18.5.2/24.
 * Not thread-safe; one test class at a time.
 */
final class KernelFixture implements AutoCloseable {
    static final String NS = "skbnft-ns";
    static final String ROOT_IF = "skbnft-a";
    static final String NS_IF = "skbnft-b";
    static final String ROOT_ADDR = "198.18.5.1";
    static final String NS_ADDR = "198.18.5.2";

    /** Fails when CI=true and the kernel feature is missing, skips loudly elsewhere. */
    static void requireNfTrace() {
        String why = null;
        if (!Privileges.isRoot()) why = "not root";
        else if (NftExec.binary() == null) why = "the nft tool is not installed";
        else if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip")) && !Files.isExecutable(Path.of("/usr/bin/ip"))) why = "iproute2 (ip) is not installed";
        else {
            try (NetlinkSocket s = NetlinkSocket.openTraceGroup(1 << 20, 100)) {
                // opened: nfnetlink with the nftrace group is there
            } catch (IOException e) {
                why = e.getMessage();
            }
        }
        KernelTestGate.require("nftables trace", why);
    }

    private final VethNamespace veth;

    KernelFixture() throws IOException {
        veth = new VethNamespace(NS, ROOT_IF, NS_IF, ROOT_ADDR, NS_ADDR);
        // packets sent into the namespace are dropped there, so no ICMP error comes back to be traced
        sh("ip", "netns", "exec", NS, NftExec.binary(), "add table inet sink { chain in { type filter hook input priority 0; udp dport 7100-7199 drop; }; }");
    }

    int rootIfindex() throws IOException {
        return Integer.parseInt(Files.readString(Path.of("/sys/class/net/" + ROOT_IF + "/ifindex")).strip());
    }

    /** Runs a python program inside the namespace (Debian's python, not pyenv's). */
    String inNamespace(String python) throws IOException {
        return sh("ip", "netns", "exec", NS, "/usr/bin/python3", "-c", python);
    }

    static void cleanup() { VethNamespace.remove(NS, ROOT_IF); }

    @Override public void close() { veth.close(); }

    static String sh(String... cmd) throws IOException { return VethNamespace.sh(cmd); }
}

package dev.skbscope.server;

import dev.skbscope.nftrace.VethNamespace;

import java.io.IOException;
import java.util.List;

/**
 * Three network namespaces for kernel tests, as containers behind a NAT router: a client
 * ({@code skk-client}, 10.231.1.2, fd00:231:1::2), a router ({@code skk-router}: forwarding on, an
 * nftables masquerade of what leaves towards the server) and a server ({@code skk-server},
 * 10.231.2.2, fd00:231:2::2). Root only; one at a time (the names are fixed).
 */
final class NatTopology implements AutoCloseable {
    static final String CLIENT = "skk-client", ROUTER = "skk-router", SERVER = "skk-server";
    static final String SERVER_V4 = "10.231.2.2", SERVER_V6 = "fd00:231:2::2", ROUTER_OUT_V4 = "10.231.2.1";
    static final String NAT_TABLE = "skknat";

    NatTopology() throws IOException {
        remove();
        for (String ns : List.of(CLIENT, ROUTER, SERVER)) {
            sh("ip", "netns", "add", ns);
            sh("ip", "-n", ns, "link", "set", "lo", "up");
        }
        sh("ip", "link", "add", "skk-c0", "netns", CLIENT, "type", "veth", "peer", "name", "skk-r0", "netns", ROUTER);
        sh("ip", "link", "add", "skk-r1", "netns", ROUTER, "type", "veth", "peer", "name", "skk-s0", "netns", SERVER);
        addr(CLIENT, "skk-c0", "10.231.1.2/24", "fd00:231:1::2/64");
        addr(ROUTER, "skk-r0", "10.231.1.1/24", "fd00:231:1::1/64");
        addr(ROUTER, "skk-r1", "10.231.2.1/24", "fd00:231:2::1/64");
        addr(SERVER, "skk-s0", "10.231.2.2/24", "fd00:231:2::2/64");
        sh("ip", "-n", CLIENT, "route", "add", "default", "via", "10.231.1.1");
        sh("ip", "-n", CLIENT, "-6", "route", "add", "default", "via", "fd00:231:1::1");
        sh("ip", "netns", "exec", ROUTER, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        sh("ip", "netns", "exec", ROUTER, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
        nft(ROUTER, """
                table inet %s {
                  chain post {
                    type nat hook postrouting priority 100; policy accept;
                    oifname "skk-r1" masquerade
                  }
                }
                """.formatted(NAT_TABLE));
    }

    private static void addr(String ns, String dev, String v4, String v6) throws IOException {
        sh("ip", "-n", ns, "addr", "add", v4, "dev", dev);
        sh("ip", "-n", ns, "-6", "addr", "add", v6, "dev", dev, "nodad");
        sh("ip", "-n", ns, "link", "set", dev, "up");
    }

    /** Runs python in a namespace (Debian's python, not pyenv's). */
    static Process python(String ns, String code) throws IOException {
        return new ProcessBuilder("ip", "netns", "exec", ns, "/usr/bin/python3", "-c", code).redirectErrorStream(true).start();
    }

    static void nft(String ns, String script) throws IOException {
        VethNamespace.shWithInput(script, "ip", "netns", "exec", ns, "nft", "-f", "-");
    }

    /** The nftables tables of a namespace ("inet skknat", ...). */
    static String tables(String ns) throws IOException {
        return sh("ip", "netns", "exec", ns, "nft", "list", "tables");
    }

    static String sh(String... cmd) throws IOException { return VethNamespace.sh(cmd); }

    static void remove() {
        for (String ns : List.of(CLIENT, ROUTER, SERVER)) {
            try { sh("ip", "netns", "del", ns); } catch (IOException ignored) { }
        }
    }

    @Override public void close() { remove(); }
}

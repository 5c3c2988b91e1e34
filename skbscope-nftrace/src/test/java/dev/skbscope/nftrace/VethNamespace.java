package dev.skbscope.nftrace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace joined to the root namespace by a veth pair with a /24 on each end, for
 * kernel tests (root only); the server's tests use it too, through this module's test-jar.
 * Not thread-safe: one test class at a time per namespace name.
 */
public final class VethNamespace implements AutoCloseable {
    private final String ns, rootIf;

    /** Removes leftovers of an earlier run with the same names, then creates the pair. */
    public VethNamespace(String ns, String rootIf, String nsIf, String rootAddr, String nsAddr) throws IOException {
        this.ns = ns;
        this.rootIf = rootIf;
        remove(ns, rootIf);
        sh("ip", "netns", "add", ns);
        sh("ip", "link", "add", rootIf, "type", "veth", "peer", "name", nsIf);
        sh("ip", "link", "set", nsIf, "netns", ns);
        sh("ip", "addr", "add", rootAddr + "/24", "dev", rootIf);
        sh("ip", "link", "set", rootIf, "up");
        sh("ip", "-n", ns, "addr", "add", nsAddr + "/24", "dev", nsIf);
        sh("ip", "-n", ns, "link", "set", nsIf, "up");
        sh("ip", "-n", ns, "link", "set", "lo", "up");
    }

    /** Deletes the namespace and the root end of the pair, if they exist. */
    public static void remove(String ns, String rootIf) {
        try { sh("ip", "netns", "del", ns); } catch (IOException ignored) { }
        try { sh("ip", "link", "del", rootIf); } catch (IOException ignored) { }
    }

    @Override public void close() { remove(ns, rootIf); }

    /** Runs a command, returns its output; fails with the output when it exits non-zero or takes over 30 s. */
    public static String sh(String... cmd) throws IOException { return shWithInput(null, cmd); }

    /** {@link #sh} with {@code input} (if not null) on the command's standard input ({@code nft -f -}). */
    public static String shWithInput(String input, String... cmd) throws IOException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        if (input != null) p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) { p.destroyForcibly(); throw new IOException("timed out: " + String.join(" ", cmd)); }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        return out;
    }
}

package dev.skbscope.sources.live;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Finds the network namespaces of this machine: those bind-mounted under {@code /run/netns}
 * ({@code ip netns add}) and those some process lives in ({@code /proc/PID/ns/net}: containers).
 * A namespace held only by a file descriptor is not found. The namespace of pid 1 is named
 * "host". Stateless; shared by the live backends (eBPF links, nftables trace tables).
 */
public final class NetnsScanner {
    private static final Path RUN_NETNS = Path.of("/run/netns");
    private static final Path PROC = Path.of("/proc");

    /** One namespace: its inode (what events carry), a path to open it by, and a name for people. */
    public record Netns(long inode, String path, String name) { }

    private NetnsScanner() { }

    /** Every namespace found now, by inode; named ones ({@code /run/netns}) first. */
    public static Map<Long, Netns> scan() {
        Map<Long, Netns> out = new LinkedHashMap<>();
        if (Files.isDirectory(RUN_NETNS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(RUN_NETNS)) {
                for (Path p : ds) {
                    long ino = inode(p);
                    if (ino > 0) out.putIfAbsent(ino, new Netns(ino, p.toString(), p.getFileName().toString()));
                }
            } catch (IOException ignored) {
                // no named namespaces readable: the /proc scan still finds those with processes
            }
        }
        long host = -1;
        try {
            host = parseLink(Files.readSymbolicLink(PROC.resolve("1/ns/net")).toString());
        } catch (IOException | UnsupportedOperationException ignored) {
            // no pid 1 to read: no "host" name
        }
        if (host > 0 && !out.containsKey(host)) out.put(host, new Netns(host, "/proc/1/ns/net", "host"));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC, NetnsScanner::isPid)) {
            for (Path p : ds) {
                Path ns = p.resolve("ns/net");
                long ino;
                try {
                    ino = parseLink(Files.readSymbolicLink(ns).toString());
                } catch (IOException | UnsupportedOperationException e) {
                    continue; // the process exited meanwhile
                }
                if (ino <= 0 || out.containsKey(ino)) continue;
                out.put(ino, new Netns(ino, ns.toString(), processName(p)));
            }
        } catch (IOException ignored) {
            // /proc unreadable: nothing more to find
        }
        return out;
    }

    /** The inode of the calling thread's namespace. */
    public static long self() {
        try {
            return parseLink(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
        } catch (IOException e) {
            return -1;
        }
    }

    /** "net:[4026531840]" to 4026531840, or -1. */
    static long parseLink(String link) {
        int a = link.indexOf('['), b = link.indexOf(']');
        if (!link.startsWith("net:") || a < 0 || b < a) return -1;
        try {
            return Long.parseLong(link.substring(a + 1, b));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isPid(Path p) {
        String n = p.getFileName().toString();
        if (n.isEmpty()) return false;
        for (int i = 0; i < n.length(); i++) if (!Character.isDigit(n.charAt(i))) return false;
        return true;
    }

    private static long inode(Path p) {
        try {
            Object ino = Files.getAttribute(p, "unix:ino");
            return ino instanceof Number n ? n.longValue() : -1;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    private static String processName(Path pidDir) {
        try {
            return "pid " + pidDir.getFileName() + " (" + Files.readString(pidDir.resolve("comm")).strip() + ")";
        } catch (IOException e) {
            return "pid " + pidDir.getFileName();
        }
    }
}

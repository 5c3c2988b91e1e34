package dev.skbscope.kernel;

import dev.skbscope.sources.live.KernelTestGate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;


/** Helpers for tests on the real kernel: the availability gate and shell commands. Not thread-safe. */
final class KernelTestSupport {
    private static KernelProbe probe;

    private KernelTestSupport() { }

    /** The probe result, through the one kernel test gate (fails under CI=true when BPF is unavailable). */
    static synchronized KernelProbe requireBpf() {
        if (probe == null) probe = KernelProbe.run();
        KernelTestGate.require("live eBPF tracing", probe.available() ? null : probe.reason());
        return probe;
    }

    /** Runs a command, returns stdout; throws with stderr on a non-zero exit. */
    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " -> " + p.exitValue() + ": "
                        + new String(err, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void runQuietly(String... cmd) {
        try {
            run(cmd);
        } catch (RuntimeException ignored) {
            // cleanup of something that may not exist
        }
    }

    /** Ids of the BPF links this JVM holds (from /proc/self/fdinfo: link fds show {@code link_id}). */
    static java.util.Set<Integer> ownLinkIds() {
        java.util.Set<Integer> ids = new java.util.TreeSet<>();
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fdinfo"))) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                try {
                    for (String line : java.nio.file.Files.readAllLines(f)) {
                        if (line.startsWith("link_id:")) ids.add(Integer.parseInt(line.substring(8).strip()));
                    }
                } catch (IOException | RuntimeException ignored) {
                    // the fd was closed meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ids;
    }

    /** Ids of every BPF link in the system ({@code bpftool link show}). */
    static java.util.Set<Integer> systemLinkIds() {
        String json = run("bpftool", "-j", "link", "show");
        java.util.Set<Integer> ids = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{\"id\":(\\d+)").matcher(json);
        while (m.find()) ids.add(Integer.parseInt(m.group(1)));
        return ids;
    }

    /** Two namespaces {@code a} and {@code b} joined by a veth pair: 198.18.0.1/24 and 198.18.0.2/24. */
    static void createNetnsPair(String a, String b) {
        deleteNetnsPair(a, b);
        run("ip", "netns", "add", a);
        run("ip", "netns", "add", b);
        run("ip", "link", "add", a + "-v", "netns", a, "type", "veth", "peer", "name", b + "-v", "netns", b);
        for (List<String> c : List.of(
                List.of(a, "ip", "addr", "add", "198.18.0.1/24", "dev", a + "-v"),
                List.of(b, "ip", "addr", "add", "198.18.0.2/24", "dev", b + "-v"),
                List.of(a, "ip", "link", "set", a + "-v", "up"),
                List.of(b, "ip", "link", "set", b + "-v", "up"),
                List.of(a, "ip", "link", "set", "lo", "up"),
                List.of(b, "ip", "link", "set", "lo", "up"))) {
            String[] cmd = new String[c.size() + 3];
            cmd[0] = "ip"; cmd[1] = "netns"; cmd[2] = "exec";
            for (int i = 0; i < c.size(); i++) cmd[3 + i] = c.get(i);
            run(cmd);
        }
    }

    static void deleteNetnsPair(String a, String b) {
        runQuietly("ip", "netns", "del", a);
        runQuietly("ip", "netns", "del", b);
    }

    /** Runs python code inside a namespace (Debian's python, not pyenv's). */
    static Process pythonIn(String ns, String code) throws IOException {
        return new ProcessBuilder("ip", "netns", "exec", ns, "/usr/bin/python3", "-c", code)
                .redirectErrorStream(true).start();
    }

    /** The backend's capabilities entry of the namespace named {@code name} (namespaces[]), or null. */
    @SuppressWarnings("unchecked")
    static java.util.Map<String, Object> namespaceView(KernelLiveBackend backend, String name) {
        if (!(backend.capabilities().get("namespaces") instanceof List<?> l)) return null;
        for (Object o : l) {
            java.util.Map<String, Object> m = (java.util.Map<String, Object>) o;
            if (name.equals(m.get("name"))) return m;
        }
        return null;
    }

    /** The netfilter links of a namespace's capabilities entry (namespaces[].hooks). */
    @SuppressWarnings("unchecked")
    static List<String> hooks(java.util.Map<String, Object> ns) {
        return (List<String>) ns.get("hooks");
    }
}

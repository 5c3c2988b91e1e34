package dev.skbscope.nftrace;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code nft} tool to change or list the ruleset (never to read traces). Thread-safe:
 * each call is its own process. Arguments go to the process as an argv, the ruleset on stdin:
 * no shell ever sees user input.
 */
final class NftExec {
    private static final long TIMEOUT_SECONDS = 10;
    private static final String NSENTER = new java.io.File("/usr/bin/nsenter").canExecute() ? "/usr/bin/nsenter" : "nsenter";
    private static volatile String binary;

    private NftExec() { }

    /** Path of the {@code nft} binary, or null when there is none. */
    static String binary() {
        String b = binary;
        if (b != null) return b.isEmpty() ? null : b;
        for (String c : List.of("/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/usr/local/sbin/nft")) {
            if (new java.io.File(c).canExecute()) { binary = c; return c; }
        }
        binary = "";
        return null;
    }

    /** Runs {@code nft args...} with {@code stdin} (may be null) in this process's namespace; returns stdout. */
    static String run(String stdin, String... args) throws IOException {
        return runIn(null, stdin, args);
    }

    /**
     * Runs {@code nft args...} in the network namespace at {@code netnsPath} (null: this process's),
     * through {@code nsenter --net=PATH}; returns stdout.
     */
    static String runIn(String netnsPath, String stdin, String... args) throws IOException {
        String nft = binary();
        if (nft == null) throw new IOException("the nft tool is not installed (Debian package: nftables)");
        List<String> cmd = new ArrayList<>(args.length + 3);
        if (netnsPath != null) {
            cmd.add(NSENTER);
            cmd.add("--net=" + netnsPath);
        }
        cmd.add(nft);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> out = readAsync(p.getInputStream());
        CompletableFuture<String> err = readAsync(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("nft " + String.join(" ", args) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            String stdout = out.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new IOException("nft " + String.join(" ", args) + " failed (exit " + p.exitValue() + "): "
                        + err.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).strip());
            }
            return stdout;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running nft", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("could not read nft output", e);
        }
    }

    private static CompletableFuture<String> readAsync(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                return new String(s.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}

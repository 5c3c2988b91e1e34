package dev.skbscope.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The committed BPF object (classpath {@code /bpf/skbscope.bpf.o}), read once. Thread-safe. */
final class BpfObjectBytes {
    static final String RESOURCE = "/bpf/skbscope.bpf.o";
    private static volatile byte[] bytes;

    private BpfObjectBytes() { }

    static byte[] get() {
        byte[] b = bytes;
        if (b != null) return b;
        String override = System.getProperty("skbscope.kernel.object");
        if (override != null) { // development: try a freshly built object without rebuilding the jar
            try {
                return bytes = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(override));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try (InputStream in = BpfObjectBytes.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("BPF object " + RESOURCE + " missing from the jar");
            b = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes = b;
        return b;
    }
}

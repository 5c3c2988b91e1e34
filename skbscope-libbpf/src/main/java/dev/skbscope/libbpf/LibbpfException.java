package dev.skbscope.libbpf;

/** A libbpf or system call failed; carries the positive errno and a message fit for users. */
public class LibbpfException extends Exception {
    private final int errno;

    public LibbpfException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** Positive errno, or 0 when none applies (e.g. libbpf.so.1 not found). */
    public int errno() { return errno; }
}

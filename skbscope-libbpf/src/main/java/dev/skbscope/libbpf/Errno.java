package dev.skbscope.libbpf;

/** Names and explanations of the errno values BPF loading and attaching return. Stateless. */
public final class Errno {
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, E2BIG = 7, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
            EFAULT = 14, EBUSY = 16, EINVAL = 22, ENOSPC = 28, EOPNOTSUPP = 95, ENOTSUPP = 524;

    private Errno() { }

    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case E2BIG -> "E2BIG";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case ENOTSUPP -> "ENOTSUPP";
            default -> "errno " + errno;
        };
    }

    /** "EPERM: operation not permitted" style text. */
    public static String describe(int errno) {
        String why = switch (errno) {
            case EPERM -> "operation not permitted";
            case ENOENT -> "no such file or kernel object";
            case ESRCH -> "target not found in kernel BTF";
            case E2BIG -> "program too large";
            case ENOMEM -> "out of memory (or memlock limit)";
            case EACCES -> "rejected by the verifier";
            case EINVAL -> "invalid argument (not supported by this kernel?)";
            case EOPNOTSUPP, ENOTSUPP -> "not supported by this kernel";
            case EBUSY -> "busy";
            default -> null;
        };
        return why == null ? name(errno) : name(errno) + ": " + why;
    }
}

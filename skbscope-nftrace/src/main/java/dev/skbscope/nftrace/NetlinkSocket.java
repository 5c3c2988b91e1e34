package dev.skbscope.nftrace;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * A netfilter netlink socket subscribed to the nftrace multicast group, over libc through FFM.
 * One reader thread calls {@link #receive}; {@link #close} may come from any thread once that
 * reader has stopped (the receive timeout bounds how long that takes).
 *
 * <p>Datagrams land in one reused off-heap segment, so reading allocates nothing per message.
 */
public final class NetlinkSocket implements AutoCloseable {
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_NETFILTER = 12;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVBUF = 8;
    static final int SO_RCVTIMEO = 20;
    static final int SO_RCVBUFFORCE = 33;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_ADD_MEMBERSHIP = 1;
    static final int NFNLGRP_NFTRACE = 9;
    static final int CLOCK_MONOTONIC = 1;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOBUFS = 105;

    /** {@link #receive} result: the timeout passed with nothing to read. */
    public static final int TIMEOUT = 0;
    /** {@link #receive} result: the kernel dropped messages because our buffer was full. */
    public static final int OVERRUN = -1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = downcall("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = downcall("bind",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = downcall("recv",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOCK_GETTIME = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("clock_gettime"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS), Linker.Option.critical(false));

    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, CAPTURE_ERRNO);
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = arena.allocate(CALL_STATE);
    private final MemorySegment buffer;
    private final int fd;
    private volatile boolean closed;

    private NetlinkSocket(int fd, int bufferSize) {
        this.fd = fd;
        this.buffer = arena.allocate(bufferSize, 8);
    }

    /**
     * Opens the socket, joins {@code NFNLGRP_NFTRACE}, asks for a receive buffer of
     * {@code rcvbufBytes} (forced past {@code rmem_max} when we may) and a receive timeout.
     *
     * @throws IOException naming the call that failed and its errno
     */
    public static NetlinkSocket openTraceGroup(int rcvbufBytes, int timeoutMillis) throws IOException {
        MemorySegment st = Arena.ofAuto().allocate(CALL_STATE);
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(st, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        } catch (Throwable t) {
            throw new IOException("socket(AF_NETLINK) failed", t);
        }
        if (fd < 0) throw new IOException("socket(AF_NETLINK, NETLINK_NETFILTER) failed: " + errnoName((int) ERRNO.get(st, 0L)));
        NetlinkSocket s = new NetlinkSocket(fd, 256 * 1024);
        try {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment addr = a.allocate(12, 4);   // struct sockaddr_nl, pid 0 = kernel assigns
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
                s.check("bind", (int) BIND.invokeExact(s.errno, fd, addr, 12));
                MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
                v.set(ValueLayout.JAVA_INT, 0, NFNLGRP_NFTRACE);
                s.check("setsockopt(NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTRACE)",
                        (int) SETSOCKOPT.invokeExact(s.errno, fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, v, 4));
                v.set(ValueLayout.JAVA_INT, 0, rcvbufBytes);
                int r = (int) SETSOCKOPT.invokeExact(s.errno, fd, SOL_SOCKET, SO_RCVBUFFORCE, v, 4);
                if (r < 0) {  // without CAP_NET_ADMIN the kernel caps SO_RCVBUF at rmem_max
                    s.check("setsockopt(SO_RCVBUF)", (int) SETSOCKOPT.invokeExact(s.errno, fd, SOL_SOCKET, SO_RCVBUF, v, 4));
                }
                MemorySegment tv = a.allocate(16, 8);
                tv.set(ValueLayout.JAVA_LONG, 0, timeoutMillis / 1000);
                tv.set(ValueLayout.JAVA_LONG, 8, (timeoutMillis % 1000) * 1000L);
                s.check("setsockopt(SO_RCVTIMEO)", (int) SETSOCKOPT.invokeExact(s.errno, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16));
            }
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        } catch (Throwable t) {
            s.close();
            throw new IOException("netlink setup failed", t);
        }
    }

    private void check(String what, int rc) throws IOException {
        if (rc < 0) throw new IOException(what + " failed: " + errnoName((int) ERRNO.get(errno, 0L)));
    }

    /** The segment {@link #receive} fills; valid until the next call. */
    public MemorySegment buffer() { return buffer; }

    /**
     * Receives one datagram into {@link #buffer()}.
     *
     * @return its length, {@link #TIMEOUT} when nothing came in time, or {@link #OVERRUN} when the
     *         kernel reports it dropped messages (ENOBUFS); the socket stays usable after an overrun
     * @throws IOException on any other error
     */
    public int receive() throws IOException {
        long n;
        try {
            n = (long) RECV.invokeExact(errno, fd, buffer, buffer.byteSize(), 0);
        } catch (Throwable t) {
            throw new IOException("recv failed", t);
        }
        if (n >= 0) return (int) n;
        int e = (int) ERRNO.get(errno, 0L);
        if (e == EAGAIN || e == EINTR) return TIMEOUT;
        if (e == ENOBUFS) return OVERRUN;
        if (closed) return TIMEOUT;
        throw new IOException("recv on netlink socket failed: " + errnoName(e));
    }

    /** CLOCK_MONOTONIC in ns: the clock the kernel's {@code bpf_ktime_get_ns} uses. */
    public static long monotonicNanos(MemorySegment timespec16) {
        try {
            int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_MONOTONIC, timespec16);
            if (rc != 0) return System.nanoTime();
        } catch (Throwable t) {
            return System.nanoTime();
        }
        return timespec16.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + timespec16.get(ValueLayout.JAVA_LONG, 8);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            int ignored = (int) CLOSE.invokeExact(errno, fd);
        } catch (Throwable ignored) {
            // nothing left to free on the kernel side if close itself failed
        }
        arena.close();
    }

    static String errnoName(int e) {
        return switch (e) {
            case 1 -> "EPERM (need root or CAP_NET_ADMIN)";
            case 13 -> "EACCES";
            case 93 -> "EPROTONOSUPPORT (nfnetlink not available in this kernel)";
            case 97 -> "EAFNOSUPPORT";
            case 105 -> "ENOBUFS";
            case 22 -> "EINVAL";
            case 2 -> "ENOENT (nf_tables not available)";
            default -> "errno " + e;
        };
    }
}

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
 * One reader thread calls {@link #receiveBatch}; {@link #close} may come from any thread once that
 * reader has stopped (the receive timeout bounds how long that takes).
 *
 * <p>Datagrams land in reused off-heap slots, up to {@link #BATCH} per {@code recvmmsg}, so
 * reading allocates nothing per message.
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
    static final int NETLINK_NO_ENOBUFS = 5;
    static final int NFNLGRP_NFTRACE = 9;
    /** nf_tables' ruleset notifications (a table, chain, rule or set added or deleted; each transaction's new generation). */
    static final int NFNLGRP_NFTABLES = 7;
    static final int CLOCK_MONOTONIC = 1;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOBUFS = 105;

    /** {@link #receiveBatch} result: the timeout passed with nothing to read. */
    public static final int TIMEOUT = 0;
    /** {@link #receiveBatch} result: the kernel dropped messages because our buffer was full. */
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
    private static final MethodHandle RECVMMSG = downcall("recvmmsg",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle GETSOCKNAME = downcall("getsockname",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("open"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), CAPTURE_ERRNO,
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = downcall("setns",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOCK_GETTIME = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("clock_gettime"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS), Linker.Option.critical(false));

    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, CAPTURE_ERRNO);
    }

    static final int MSG_WAITFORONE = 0x10000;
    static final int MSG_DONTWAIT = 0x40;
    /** Datagrams one {@link #receiveBatch} can return, and the room for each (traces are < 1 KiB). */
    public static final int BATCH = 64;
    static final int SLOT_BYTES = 4096;
    private static final int MMSGHDR_BYTES = 64, MSGHDR_LEN_OFFSET = 56, IOVEC_BYTES = 16;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = arena.allocate(CALL_STATE);
    /**
     * recvmmsg state, set up once: BATCH {@code struct mmsghdr} (msghdr 56 bytes + msg_len, padded to
     * 64) each pointing at one {@code struct iovec} over its own SLOT_BYTES slot.
     */
    private final MemorySegment mmsg, slots;
    private final MemorySegment[] slices = new MemorySegment[BATCH];
    private final int fd;
    private int portId;
    private int rcvbuf;
    private boolean reportsOverrun;
    private volatile boolean closed;

    private NetlinkSocket(int fd) {
        this.fd = fd;
        this.mmsg = arena.allocate((long) BATCH * MMSGHDR_BYTES, 8);
        MemorySegment iov = arena.allocate((long) BATCH * IOVEC_BYTES, 8);
        this.slots = arena.allocate((long) BATCH * SLOT_BYTES, 8);
        for (int i = 0; i < BATCH; i++) {
            MemorySegment slot = slots.asSlice((long) i * SLOT_BYTES, SLOT_BYTES);
            slices[i] = slot;
            iov.set(ValueLayout.ADDRESS, (long) i * IOVEC_BYTES, slot);
            iov.set(ValueLayout.JAVA_LONG, (long) i * IOVEC_BYTES + 8, SLOT_BYTES);
            long h = (long) i * MMSGHDR_BYTES;
            mmsg.set(ValueLayout.ADDRESS, h, MemorySegment.NULL);                  // msg_name
            mmsg.set(ValueLayout.JAVA_INT, h + 8, 0);                              // msg_namelen
            mmsg.set(ValueLayout.ADDRESS, h + 16, iov.asSlice((long) i * IOVEC_BYTES, IOVEC_BYTES)); // msg_iov
            mmsg.set(ValueLayout.JAVA_LONG, h + 24, 1);                            // msg_iovlen
            mmsg.set(ValueLayout.ADDRESS, h + 32, MemorySegment.NULL);             // msg_control
            mmsg.set(ValueLayout.JAVA_LONG, h + 40, 0);                            // msg_controllen
        }
    }

    /**
     * Opens the socket, joins {@code NFNLGRP_NFTRACE}, sets {@code NETLINK_NO_ENOBUFS} (so an
     * overflow loses only the messages that don't fit; count them with {@link #kernelDrops()}),
     * asks for a receive buffer of
     * {@code rcvbufBytes} (forced past {@code rmem_max} when we may) and a receive timeout.
     *
     * @throws IOException naming the call that failed and its errno
     */
    public static NetlinkSocket openTraceGroup(int rcvbufBytes, int timeoutMillis) throws IOException {
        return open(NFNLGRP_NFTRACE, true, rcvbufBytes, timeoutMillis);
    }

    /**
     * Opens a socket that hears the ruleset's change notifications ({@code NFNLGRP_NFTABLES}) of the
     * calling thread's namespace, for {@link #receiveQueued()} polls: any message, or an overrun
     * ({@code ENOBUFS} is kept here), says the ruleset changed.
     */
    public static NetlinkSocket openRulesetGroup() throws IOException {
        return open(NFNLGRP_NFTABLES, false, 64 * 1024, 0);
    }

    private static NetlinkSocket open(int group, boolean noEnobufs, int rcvbufBytes, int timeoutMillis) throws IOException {
        MemorySegment st = Arena.ofAuto().allocate(CALL_STATE);
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(st, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        } catch (Throwable t) {
            throw new IOException("socket(AF_NETLINK) failed", t);
        }
        if (fd < 0) throw new IOException("socket(AF_NETLINK, NETLINK_NETFILTER) failed: " + errnoName((int) ERRNO.get(st, 0L)));
        NetlinkSocket s = new NetlinkSocket(fd);
        try {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment addr = a.allocate(12, 4);   // struct sockaddr_nl, pid 0 = kernel assigns
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
                s.check("bind", (int) BIND.invokeExact(s.errno, fd, addr, 12));
                MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
                v.set(ValueLayout.JAVA_INT, 0, group);
                s.check("setsockopt(NETLINK_ADD_MEMBERSHIP, " + (group == NFNLGRP_NFTRACE ? "NFNLGRP_NFTRACE" : "NFNLGRP_NFTABLES") + ")",
                        (int) SETSOCKOPT.invokeExact(s.errno, fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, v, 4));
                // Without this, one overflow marks the socket congested and the kernel then drops
                // every message until we have emptied the whole queue, not just those that don't
                // fit. Drops stay exact in kernelDrops(); ENOBUFS is no longer reported.
                v.set(ValueLayout.JAVA_INT, 0, 1);
                s.reportsOverrun = !noEnobufs || (int) SETSOCKOPT.invokeExact(s.errno, fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, v, 4) < 0;
                v.set(ValueLayout.JAVA_INT, 0, rcvbufBytes);
                int r = (int) SETSOCKOPT.invokeExact(s.errno, fd, SOL_SOCKET, SO_RCVBUFFORCE, v, 4);
                if (r < 0) {  // without CAP_NET_ADMIN the kernel caps SO_RCVBUF at rmem_max
                    s.check("setsockopt(SO_RCVBUF)", (int) SETSOCKOPT.invokeExact(s.errno, fd, SOL_SOCKET, SO_RCVBUF, v, 4));
                }
                MemorySegment tv = a.allocate(16, 8);
                tv.set(ValueLayout.JAVA_LONG, 0, timeoutMillis / 1000);
                tv.set(ValueLayout.JAVA_LONG, 8, (timeoutMillis % 1000) * 1000L);
                s.check("setsockopt(SO_RCVTIMEO)", (int) SETSOCKOPT.invokeExact(s.errno, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16));
                MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
                len.set(ValueLayout.JAVA_INT, 0, 12);
                s.check("getsockname", (int) GETSOCKNAME.invokeExact(s.errno, fd, addr, len));
                s.portId = addr.get(ValueLayout.JAVA_INT, 4);
                len.set(ValueLayout.JAVA_INT, 0, 4);
                s.check("getsockopt(SO_RCVBUF)", (int) GETSOCKOPT.invokeExact(s.errno, fd, SOL_SOCKET, SO_RCVBUF, v, len));
                s.rcvbuf = v.get(ValueLayout.JAVA_INT, 0);
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

    /**
     * Moves the calling thread into the network namespace at {@code path} ({@code /proc/PID/ns/net},
     * {@code /run/netns/NAME}): sockets it opens from then on belong there. The thread stays there:
     * call it only on a thread of that namespace's own.
     */
    static void enterNetns(String path) throws IOException {
        MemorySegment st = Arena.ofAuto().allocate(CALL_STATE);
        int fd;
        try (Arena a = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(st, a.allocateFrom(path), 0x80000 /* O_RDONLY | O_CLOEXEC */);
            if (fd < 0) throw new IOException("open " + path + " failed: " + errnoName((int) ERRNO.get(st, 0L)));
            int rc = (int) SETNS.invokeExact(st, fd, 0x40000000 /* CLONE_NEWNET */);
            int err = (int) ERRNO.get(st, 0L);
            int closed = (int) CLOSE.invokeExact(st, fd);
            if (rc < 0) throw new IOException("setns into " + path + " failed: " + errnoName(err));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("setns into " + path + " failed", t);
        }
    }

    private void check(String what, int rc) throws IOException {
        if (rc < 0) throw new IOException(what + " failed: " + errnoName((int) ERRNO.get(errno, 0L)));
    }

    /** The netlink port id the kernel gave this socket (its line in {@code /proc/net/netlink}). */
    public int portId() { return portId; }

    /**
     * Whether an overflow shows up as {@link #OVERRUN} (the kernel refused NETLINK_NO_ENOBUFS).
     * Normally false: poll {@link #kernelDrops()} instead.
     */
    public boolean reportsOverrun() { return reportsOverrun; }

    /** The receive buffer the kernel granted, in bytes. */
    public int receiveBufferBytes() { return rcvbuf; }

    /**
     * Messages the kernel dropped for this socket so far ({@code Drops} of the netlink table of the
     * calling thread's namespace, which must be the socket's):
     * the exact count behind the ENOBUFS signal. -1 when it can't be read. Allocates; call rarely.
     */
    public long kernelDrops() {
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/thread-self/net/netlink"))) {
            String pid = Integer.toUnsignedString(portId);
            return lines.skip(1).map(l -> l.trim().split("\\s+"))
                    .filter(f -> f.length >= 9 && f[1].equals(String.valueOf(NETLINK_NETFILTER)) && f[2].equals(pid))
                    .mapToLong(f -> Long.parseLong(f[8])).findFirst().orElse(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Receives up to {@link #BATCH} datagrams with one {@code recvmmsg}: waits (up to the receive
     * timeout) for the first, then takes what is already queued. Read them with
     * {@link #message(int)} and {@link #length(int)} until the next call.
     *
     * @return how many (at least one), {@link #TIMEOUT} when nothing came in time, or
     *         {@link #OVERRUN} when the kernel reports it dropped messages (ENOBUFS); the socket
     *         stays usable after an overrun
     * @throws IOException on any other error
     */
    public int receiveBatch() throws IOException { return receive(MSG_WAITFORONE); }

    /**
     * Like {@link #receiveBatch} but never waits: {@link #TIMEOUT} when nothing is queued. A
     * reader that polls this way is not on the socket's wait queue, so the kernel's multicast
     * (run in the context of whoever sends the traced packet) wakes no one.
     */
    public int receiveQueued() throws IOException { return receive(MSG_DONTWAIT); }

    private int receive(int flags) throws IOException {
        int n;
        try {
            n = (int) RECVMMSG.invokeExact(errno, fd, mmsg, BATCH, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IOException("recvmmsg failed", t);
        }
        if (n >= 0) return n;
        int e = (int) ERRNO.get(errno, 0L);
        if (e == EAGAIN || e == EINTR) return TIMEOUT;
        if (e == ENOBUFS) return OVERRUN;
        if (closed) return TIMEOUT;
        throw new IOException("recvmmsg on netlink socket failed: " + errnoName(e));
    }

    /** The i-th datagram of the last {@link #receiveBatch}. */
    public MemorySegment message(int i) { return slices[i]; }

    /** Its length in bytes (capped at the slot's size: a longer one decodes as bad). */
    public int length(int i) {
        return Math.min(mmsg.get(ValueLayout.JAVA_INT, (long) i * MMSGHDR_BYTES + MSGHDR_LEN_OFFSET), SLOT_BYTES);
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

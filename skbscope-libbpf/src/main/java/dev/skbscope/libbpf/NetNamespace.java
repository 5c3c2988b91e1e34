package dev.skbscope.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Network namespaces of the calling thread: open one by path ({@code /proc/PID/ns/net},
 * {@code /run/netns/NAME}), switch the calling thread into it with {@code setns}, and list its
 * interfaces. Stateless; {@link #enter} changes only the calling thread, which must be a platform
 * thread (a virtual thread can move between carriers) that switches back before doing anything else.
 */
public final class NetNamespace {
    private static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, CLONE_NEWNET = 0x40000000;

    /** An interface of the namespace the caller is in. */
    public record Interface(int index, String name) { }

    /**
     * What {@code ETHTOOL_GDRVINFO} says of a device: its driver ("veth", "virtio_net"...) and bus
     * address; both empty when the device has no driver information (loopback).
     */
    public record Driver(String driver, String busInfo) {
        /** True for a device with a bus address: a NIC (hardware or paravirtual), not a software device. */
        public boolean hardware() { return !busInfo.isEmpty() && !busInfo.equals("N/A") && !busInfo.equals("tun"); }
    }

    private static final int AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    private static final long SIOCETHTOOL = 0x8946;
    private static final int ETHTOOL_GDRVINFO = 3, DRVINFO_SIZE = 196, IFREQ_SIZE = 40;

    private NetNamespace() { }

    /** Opens a namespace file; the fd must be {@link #close}d. */
    public static int open(String path) throws LibbpfException {
        Libbpf lib = Libbpf.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.captureState(a);
            int fd = (int) lib.open.invokeExact(state, a.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) throw lib.error("opening " + path, Libbpf.errno(state));
            return fd;
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    /** Moves the calling thread into the network namespace of {@code fd}. */
    public static void enter(int fd) throws LibbpfException {
        Libbpf lib = Libbpf.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.captureState(a);
            int rc = (int) lib.setns.invokeExact(state, fd, CLONE_NEWNET);
            if (rc < 0) throw lib.error("setns into a network namespace", Libbpf.errno(state));
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
    }

    public static void close(int fd) { LinkCreate.close(fd); }

    /** The driver of interface {@code name} in the calling thread's namespace. */
    public static Driver driver(String name) {
        try (Arena a = Arena.ofConfined()) {
            Libbpf lib = Libbpf.get();
            MemorySegment state = Libbpf.captureState(a);
            int fd = (int) lib.socket.invokeExact(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) return new Driver("", "");
            try {
                MemorySegment info = a.allocate(DRVINFO_SIZE, 8);
                info.set(JAVA_INT, 0, ETHTOOL_GDRVINFO);
                MemorySegment ifr = a.allocate(IFREQ_SIZE, 8);
                byte[] n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                MemorySegment.copy(n, 0, ifr, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, Math.min(15, n.length));
                ifr.set(ADDRESS, 16, info);
                int rc = (int) lib.ioctl.invokeExact(state, fd, SIOCETHTOOL, ifr);
                if (rc < 0) return new Driver("", "");
                return new Driver(info.getString(4), info.getString(4 + 32 * 3));
            } finally {
                close(fd);
            }
        } catch (Throwable t) {
            return new Driver("", "");
        }
    }

    /** The interfaces of the calling thread's namespace ({@code if_nameindex}). */
    public static List<Interface> interfaces() throws LibbpfException {
        Libbpf lib = Libbpf.get();
        List<Interface> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.captureState(a);
            MemorySegment list = (MemorySegment) lib.ifNameIndex.invokeExact(state);
            if (list.equals(MemorySegment.NULL)) throw lib.error("if_nameindex", Libbpf.errno(state));
            try {
                MemorySegment entries = list.reinterpret(16L * 4096);
                for (long i = 0; i < 4096; i++) {
                    int index = entries.get(JAVA_INT, 16 * i);
                    if (index == 0) break;
                    MemorySegment name = entries.get(ADDRESS, 16 * i + 8).reinterpret(64);
                    out.add(new Interface(index, name.getString(0)));
                }
            } finally {
                lib.ifFreeNameIndex.invokeExact(list);
            }
        } catch (LibbpfException e) {
            throw e;
        } catch (Throwable t) {
            throw BpfObject.rethrow(t);
        }
        return out;
    }
}

package dev.skbscope.kernel.attach;

import dev.skbscope.kernel.abi.KernelValues;
import dev.skbscope.libbpf.BpfMap;
import dev.skbscope.libbpf.LibbpfException;
import dev.skbscope.libbpf.LinkCreate;
import dev.skbscope.libbpf.NetNamespace;
import dev.skbscope.libbpf.ProgRun;
import dev.skbscope.libbpf.TcClassic;
import dev.skbscope.sources.live.NetnsScanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The per-namespace part of the tracer: netfilter hook links and tc links in every network
 * namespace in scope, kept up to date as namespaces and interfaces come and go. One platform
 * thread ({@code skbscope-netns}) does all the work, because a netfilter link attaches in the
 * namespace of the calling thread: it enters a namespace with {@code setns}, links, and switches
 * back. Every second (and at once when {@code /run/netns} changes) it rescans:
 * <ul>
 *   <li>a new namespace gets the plan of {@link HookSlot#plan} for IPv4 and IPv6, and a tc link on
 *       each interface, ingress and egress;</li>
 *   <li>a namespace whose registered hooks hold conntrack or NAT (map {@code netns_seen}, which the
 *       hook programs fill from the kernel's hook tables) gets their brackets, and loses them when
 *       those hooks go; INPUT's last, POSTROUTING's first and PREROUTING's first program are linked only
 *       where a hook besides ours runs there;</li>
 *   <li>a namespace that vanished (no process and no {@code /run/netns} entry) has its links
 *       closed: a netfilter link holds its namespace, which could not go away otherwise;</li>
 *   <li>an interface that vanished has its links closed; a new one is linked.</li>
 * </ul>
 * Other threads read {@link #view()}, an immutable snapshot published after each scan.
 */
public final class NamespaceAttacher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceAttacher.class);
    private static final long SCAN_PERIOD_MS = 1000;
    /** Handle and priority of our classic tc filters: what a later start removes after a crash. */
    public static final int CLASSIC_HANDLE = 0x5cb0, CLASSIC_PRIORITY = 0x5cb;
    private static final int[] FAMILIES = {KernelValues.NFPROTO_IPV4, KernelValues.NFPROTO_IPV6};
    private static final int EBUSY = 16;

    /** How TC ingress/egress is linked. */
    public enum TcMode { TCX, CLASSIC, NONE }

    /** What one interface got. */
    public record InterfaceView(int ifindex, String name, String driver, boolean hardware, String tc) { }

    /** What one namespace got. */
    public record NamespaceView(long inode, String name, boolean conntrack, boolean nat, int links,
                                List<String> hooks, List<InterfaceView> interfaces, Map<String, String> refused,
                                Map<String, String> stages) { }

    /** Why conntrack and NAT are bracketed in a namespace or not (capabilities), from its {@code netns_seen} bits. */
    static Map<String, String> stagesWhy(int seen) {
        if ((seen & SEEN_CHECKED) == 0) {
            String why = "not read yet: this namespace's hook tables are read at the attacher's next scan (within a "
                    + "second); until then every stage is linked";
            return Map.of("conntrack", why, "nat", why, "input", why, "postrouting", why, "prerouting", why);
        }
        return Map.of(
                "conntrack", (seen & SEEN_CONNTRACK) != 0
                        ? "bracketed: conntrack's hook is registered here (priority -200 of PREROUTING)"
                        : "not bracketed: no conntrack hook is registered here (nothing in this namespace needs "
                        + "connection tracking); one program per hook",
                "nat", (seen & SEEN_NAT) != 0
                        ? "bracketed: NAT's hooks are registered here (-100 of PREROUTING, +100 of POSTROUTING)"
                        : "not bracketed: no NAT hook is registered here (no NAT rule in this namespace)",
                "input", (seen & SEEN_INPUT) != 0
                        ? "two programs: a hook besides ours is registered on INPUT; the last hands the packet to L4"
                        : "one program: nothing but ours is registered on INPUT, so its first program also reports "
                        + "the hand-off to L4 (l4_rx at the same time as nf_input)",
                "postrouting", (seen & (SEEN_POST | SEEN_NAT)) != 0
                        ? "one program: a hook besides ours is registered on POSTROUTING"
                        : "seen by tcx_egress: nothing but ours would run at POSTROUTING, so no program is linked there "
                        + "and the tc egress program, which runs next with nothing between that could change or drop "
                        + "the packet, reports the hook at its own instant (nf_postrouting/nat_postrouting p50 0)",
                "prerouting", (seen & (SEEN_PRE | SEEN_CONNTRACK | SEEN_NAT)) != 0
                        ? "one program: a hook besides ours is registered on PREROUTING"
                        : "seen by tcx_ingress: nothing but ours would run at PREROUTING, so no program is linked there "
                        + "and the tc ingress program reports the hook at its own instant (nf_prerouting p50 0; only "
                        + "ip_rcv_core()'s header checks run between, and a packet they drop shows at nf_prerouting "
                        + "with its reason: IP_INHDR, IP_CSUM, ...)");
    }

    /** netns_seen bits (abi.h NS_SEEN_*). */
    static final int SEEN_CONNTRACK = 1, SEEN_NAT = 2, SEEN_CHECKED = 4, SEEN_INPUT = 8, SEEN_POST = 16, SEEN_PRE = 32;

    /**
     * Whether PREROUTING's first program is linked: until the namespace's hook tables were read, and
     * wherever a hook besides ours runs at PREROUTING (elsewhere the tc ingress program reports the hook).
     */
    static boolean preFirst(int seen) {
        return (seen & SEEN_CHECKED) == 0 || (seen & (SEEN_PRE | SEEN_CONNTRACK | SEEN_NAT)) != 0;
    }

    /**
     * Whether POSTROUTING's first program is linked: until the namespace's hook tables were read, and
     * wherever a hook besides ours runs at POSTROUTING (elsewhere the tc egress program reports the hook).
     */
    static boolean postFirst(int seen) {
        return (seen & SEEN_CHECKED) == 0 || (seen & (SEEN_POST | SEEN_NAT)) != 0;
    }

    /**
     * Whether INPUT's last program is linked: until the namespace's hook tables were read, and
     * wherever a hook besides ours runs at INPUT (elsewhere INPUT's first program reports the hand-off).
     */
    static boolean inputLast(int seen) {
        return (seen & SEEN_CHECKED) == 0 || (seen & SEEN_INPUT) != 0;
    }

    /** Everything, as of the last scan. */
    public record View(List<NamespaceView> namespaces, int links, long scans) {
        /** The interface {@code ifindex} of namespace {@code inode}, or null. */
        public InterfaceView device(long inode, int ifindex) {
            for (NamespaceView n : namespaces) {
                if (n.inode() != inode) continue;
                for (InterfaceView i : n.interfaces()) if (i.ifindex() == ifindex) return i;
            }
            return null;
        }
    }

    private final LinkCreate links;
    private final Map<String, Integer> programs;
    private final boolean netfilter;
    private final TcMode tc;
    private final BpfMap netnsSeen;
    private final int hooksScan;
    private boolean hooksScanFailed;
    private final Map<Long, NsState> attached = new LinkedHashMap<>();
    private final Thread thread;
    private final Object lock = new Object();
    private volatile View view = new View(List.of(), 0, 0);
    private volatile boolean running = true;
    /** Namespaces to follow (null: all). */
    private volatile Set<Long> scope;
    private long requested, done;
    private long homeInode;

    /**
     * @param programs  program name to fd: the netfilter slot programs and tcx_ingress/tcx_egress
     * @param netfilter whether to link netfilter programs (kernel 6.4+)
     * @param netnsSeen map {@code netns_seen}
     * @param hooksScan fd of {@code ns_hooks_scan}, run inside each namespace at every scan to fill
     *                  {@code netns_seen}; negative: none (every stage is then linked, as before a read)
     */
    public NamespaceAttacher(LinkCreate links, Map<String, Integer> programs, boolean netfilter, TcMode tc, BpfMap netnsSeen,
                             int hooksScan) {
        this.links = links;
        this.programs = Map.copyOf(programs);
        this.netfilter = netfilter;
        this.tc = tc;
        this.netnsSeen = netnsSeen;
        this.hooksScan = hooksScan;
        this.thread = Thread.ofPlatform().name("skbscope-netns").daemon().unstarted(this::run);
    }

    /** Starts the thread and waits (at most 10 s) for the first scan, so every namespace is linked on return. */
    public void start() {
        thread.start();
        rescanAndWait(10_000);
    }

    /** Follow only these namespaces (null or empty: all); takes effect at once. */
    public void scope(Set<Long> namespaces) {
        Set<Long> next = namespaces == null || namespaces.isEmpty() ? null : Set.copyOf(namespaces);
        if (java.util.Objects.equals(next, scope)) return;
        scope = next;
        rescanAndWait(10_000);
    }

    /** Asks for a scan now and waits for it (bounded). */
    public void rescanAndWait(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (lock) {
            long want = ++requested;
            lock.notifyAll();
            while (done < want && running && thread.isAlive()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) return;
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    public View view() { return view; }

    private void run() {
        int home;
        try {
            home = NetNamespace.open("/proc/thread-self/ns/net");
        } catch (LibbpfException e) {
            LOG.error("cannot open this thread's network namespace: {}", e.getMessage());
            return;
        }
        homeInode = NetnsScanner.self();
        WatchService watch = runNetnsWatch();
        try {
            cleanupClassicFilters(home);
            while (running) {
                long want;
                synchronized (lock) { want = requested; }
                try {
                    scan(home);
                } catch (RuntimeException e) {
                    LOG.warn("namespace scan failed: {}", e.toString());
                }
                synchronized (lock) {
                    done = Math.max(done, want);
                    lock.notifyAll();
                }
                if (!awaitNextScan(watch)) return;
            }
        } finally {
            detachAll(home);
            NetNamespace.close(home);
            if (watch != null) {
                try { watch.close(); } catch (IOException ignored) { }
            }
        }
    }

    /** Waits for a rescan request, a change in /run/netns, or the scan period; false when stopping. */
    private boolean awaitNextScan(WatchService watch) {
        long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SCAN_PERIOD_MS);
        while (running) {
            synchronized (lock) {
                if (requested > done) return true;
                try {
                    lock.wait(100);
                } catch (InterruptedException e) {
                    return false;
                }
            }
            if (watch != null) {
                WatchKey k = watch.poll();
                if (k != null) {
                    k.pollEvents();
                    k.reset();
                    return true;
                }
            }
            if (System.nanoTime() >= next) return true;
        }
        return false;
    }

    private WatchService runNetnsWatch() {
        Path dir = Path.of("/run/netns");
        if (!Files.isDirectory(dir)) return null;
        try {
            WatchService w = FileSystems.getDefault().newWatchService();
            dir.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
            return w;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** One pass: vanished namespaces and interfaces first (a moved interface is unlinked before it is linked again), then new ones. */
    private void scan(int home) {
        Map<Long, NetnsScanner.Netns> all = NetnsScanner.scan();
        Map<Long, NetnsScanner.Netns> found = new LinkedHashMap<>(all);
        Set<Long> want = scope;
        if (want != null) found.keySet().retainAll(want);
        for (var it = attached.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!found.containsKey(e.getKey())) {
                NsState gone = e.getValue();
                NetnsScanner.Netns stillThere = all.get(e.getKey());
                if (stillThere != null && gone.hasClassic()) inside(home, stillThere, () -> { gone.closeAll(); return null; });
                gone.closeAll();
                LOG.info("network namespace {} ({}) gone or out of scope: its links are closed", e.getKey(), e.getValue().name);
                it.remove();
            }
        }
        Map<Long, List<NetNamespace.Interface>> ifaces = new HashMap<>();
        // every namespace in scope is entered once per scan: its hook tables read (netns_seen), its interfaces listed
        for (NetnsScanner.Netns ns : found.values()) {
            NsState st = attached.get(ns.inode());
            List<NetNamespace.Interface> now = inside(home, ns, () -> {
                readHookTables(ns);
                return NetNamespace.interfaces();
            });
            if (now == null) continue;
            ifaces.put(ns.inode(), now);
            if (st != null) st.closeVanished(now);
        }
        for (NetnsScanner.Netns ns : found.values()) {
            NsState st = attached.get(ns.inode());
            boolean fresh = st == null;
            if (fresh) {
                st = new NsState(ns.inode(), ns.name());
                attached.put(ns.inode(), st);
            }
            st.name = ns.name();
            int seen = seen(ns.inode());
            st.seen = seen;
            boolean ct = (seen & SEEN_CONNTRACK) != 0, nat = (seen & SEEN_NAT) != 0, in = inputLast(seen);
            // without tc programs nothing else reports PREROUTING and POSTROUTING
            boolean post = tc == TcMode.NONE || postFirst(seen), pre = tc == TcMode.NONE || preFirst(seen);
            if (!fresh && ct == st.conntrack && nat == st.nat && in == st.inputLast && post == st.postFirst && pre == st.preFirst
                    && ifaces.containsKey(ns.inode())
                    && st.covers(ifaces.get(ns.inode()))) {
                continue; // nothing new: no need to enter it
            }
            final NsState s = st;
            inside(home, ns, () -> {
                if (netfilter) s.link(ct, nat, in, post, pre);
                if (tc != TcMode.NONE) s.linkInterfaces(NetNamespace.interfaces());
                return null;
            });
        }
        publish();
    }

    /**
     * This thread is inside {@code ns}: runs {@code ns_hooks_scan}, which reads the namespace's hook
     * tables into {@code netns_seen} (no packet pays for that read). A failure is logged once; the
     * namespace then stays unread and gets every stage's links.
     */
    private void readHookTables(NetnsScanner.Netns ns) {
        if (!netfilter || hooksScan < 0 || hooksScanFailed) return;
        try {
            ProgRun.run(hooksScan, "ns_hooks_scan");
        } catch (LibbpfException e) {
            hooksScanFailed = true;
            LOG.warn("reading the hook tables of namespace {} ({}) failed, every stage is linked: {}", ns.inode(), ns.name(),
                    e.getMessage());
        }
    }

    /** Runs {@code r} inside namespace {@code ns} on this thread, then switches back; null on failure. */
    private <T> T inside(int home, NetnsScanner.Netns ns, Inside<T> r) {
        boolean self = ns.inode() == homeInode;
        int fd = -1;
        try {
            if (!self) {
                fd = NetNamespace.open(ns.path());
                NetNamespace.enter(fd);
            }
            return r.run();
        } catch (LibbpfException e) {
            LOG.debug("namespace {} ({}): {}", ns.inode(), ns.name(), e.getMessage());
            return null;
        } finally {
            if (!self) {
                try {
                    NetNamespace.enter(home);
                } catch (LibbpfException e) {
                    // this thread must never stay elsewhere: stop everything rather than link in the wrong place
                    running = false;
                    LOG.error("could not return to the home network namespace: {}", e.getMessage());
                }
                NetNamespace.close(fd);
            }
        }
    }

    @FunctionalInterface
    private interface Inside<T> { T run() throws LibbpfException; }

    private final MemorySegment seenKey = Arena.global().allocate(4, 4), seenValue = Arena.global().allocate(4, 4);

    private int seen(long inode) {
        if (netnsSeen == null) return 0;
        seenKey.set(JAVA_INT, 0, (int) inode);
        try {
            return netnsSeen.lookup(seenKey, seenValue) ? seenValue.get(JAVA_INT, 0) : 0;
        } catch (LibbpfException e) {
            return 0;
        }
    }

    private void publish() {
        List<NamespaceView> out = new ArrayList<>();
        int total = 0;
        for (NsState s : attached.values()) {
            NamespaceView v = s.view();
            total += v.links();
            out.add(v);
        }
        view = new View(Collections.unmodifiableList(out), total, view.scans() + 1);
    }

    /** A classic filter of ours left by a process that did not get to remove it (kill -9): removed in every namespace. */
    private void cleanupClassicFilters(int home) {
        for (NetnsScanner.Netns ns : NetnsScanner.scan().values()) {
            inside(home, ns, () -> {
                for (NetNamespace.Interface i : NetNamespace.interfaces()) {
                    // a look on every interface: "no such qdisc/filter" is the usual answer, not worth a warning
                    boolean removed = dev.skbscope.libbpf.Libbpf.quietly(
                            () -> TcClassic.detach(i.index(), TcClassic.INGRESS, CLASSIC_HANDLE, CLASSIC_PRIORITY)
                                    | TcClassic.detach(i.index(), TcClassic.EGRESS, CLASSIC_HANDLE, CLASSIC_PRIORITY));
                    if (removed) LOG.info("removed a tc filter an earlier skbscope left on {} in {}", i.name(), ns.name());
                }
                return null;
            });
        }
    }

    private void detachAll(int home) {
        for (NsState s : attached.values()) {
            if (s.hasClassic()) {
                Map<Long, NetnsScanner.Netns> now = NetnsScanner.scan();
                NetnsScanner.Netns ns = now.get(s.inode);
                if (ns != null) inside(home, ns, () -> { s.closeAll(); return null; });
            }
            s.closeAll();
        }
        attached.clear();
        publish();
    }

    /** Stops the thread; every link and classic filter is gone when this returns. */
    @Override
    public void close() {
        synchronized (lock) {
            running = false;
            lock.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One namespace's links. Attacher thread only. */
    private final class NsState {
        final long inode;
        String name;
        boolean conntrack, nat, inputLast, postFirst, preFirst;
        boolean planned;
        int seen;
        /** "IPv4 PREROUTING/first" to link fd. */
        final Map<String, Integer> nf = new LinkedHashMap<>();
        final Map<String, String> refused = new LinkedHashMap<>();
        /** Links not at their slot's priority (it was taken), by key: the priority they got. */
        final Map<String, Integer> moved = new LinkedHashMap<>();
        final Map<Integer, Iface> ifaces = new LinkedHashMap<>();

        NsState(long inode, String name) {
            this.inode = inode;
            this.name = name;
        }

        /** Links the plan for these stages and closes the links of stages whose hooks went. */
        void link(boolean ct, boolean natSeen, boolean in, boolean post, boolean pre) {
            if (planned && ct == conntrack && natSeen == nat && in == inputLast && post == postFirst && pre == preFirst) return;
            planned = true;
            conntrack = ct;
            nat = natSeen;
            inputLast = in;
            postFirst = post;
            preFirst = pre;
            Set<String> want = new HashSet<>();
            for (HookSlot.Link l : HookSlot.plan(conntrack, nat, inputLast, postFirst, preFirst)) {
                for (int pf : FAMILIES) want.add((pf == KernelValues.NFPROTO_IPV4 ? "IPv4 " : "IPv6 ") + l);
            }
            for (var it = nf.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (want.contains(e.getKey())) continue;
                LinkCreate.close(e.getValue());
                it.remove();
            }
            refused.keySet().retainAll(want);
            moved.keySet().retainAll(nf.keySet());
            for (HookSlot.Link l : HookSlot.plan(conntrack, nat, inputLast, postFirst, preFirst)) {
                Integer prog = programs.get(l.slot().program());
                if (prog == null) continue;
                for (int pf : FAMILIES) {
                    String key = (pf == KernelValues.NFPROTO_IPV4 ? "IPv4 " : "IPv6 ") + l;
                    if (nf.containsKey(key) || refused.containsKey(key)) continue;
                    try {
                        nf.put(key, linkAt(prog, pf, l, key));
                    } catch (LibbpfException e) {
                        refused.put(key, e.getMessage());
                    }
                }
            }
        }

        /**
         * Links at the slot's priority or, where another hook holds it (a second tracer's link: the
         * kernel refuses a BPF link at a taken priority with EBUSY), at the nearest free one on the
         * slot's side ({@link HookSlot#step}), remembered for the capabilities.
         */
        private int linkAt(int prog, int pf, HookSlot.Link l, String key) throws LibbpfException {
            int p = l.slot().priority();
            for (int shift = 0; ; shift++) {
                try {
                    int fd = links.netfilter(prog, pf, l.hooknum(), p);
                    if (shift > 0) moved.put(key, p);
                    return fd;
                } catch (LibbpfException e) {
                    if (e.errno() != EBUSY || shift == HookSlot.MAX_SHIFT) throw e;
                    p += l.slot().step();
                }
            }
        }

        boolean covers(List<NetNamespace.Interface> now) {
            if (tc == TcMode.NONE) return true;
            for (NetNamespace.Interface i : now) if (!ifaces.containsKey(i.index())) return false;
            return true;
        }

        void closeVanished(List<NetNamespace.Interface> now) {
            Set<Integer> present = new HashSet<>();
            for (NetNamespace.Interface i : now) present.add(i.index());
            for (var it = ifaces.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                Iface f = e.getValue();
                if (present.contains(e.getKey())) {
                    // an index reused by another device: relink
                    boolean same = now.stream().anyMatch(i -> i.index() == e.getKey() && i.name().equals(f.name));
                    if (same) continue;
                }
                f.close(false);
                it.remove();
            }
        }

        void linkInterfaces(List<NetNamespace.Interface> now) {
            for (NetNamespace.Interface i : now) {
                if (ifaces.containsKey(i.index())) continue;
                Iface f = new Iface(i.index(), i.name(), NetNamespace.driver(i.name()));
                ifaces.put(i.index(), f);
                f.link();
            }
        }

        boolean hasClassic() {
            for (Iface f : ifaces.values()) if (f.classic) return true;
            return false;
        }

        void closeAll() {
            for (int fd : nf.values()) LinkCreate.close(fd);
            nf.clear();
            for (Iface f : ifaces.values()) f.close(true);
            ifaces.clear();
        }

        NamespaceView view() {
            List<InterfaceView> iv = new ArrayList<>();
            int n = nf.size();
            for (Iface f : ifaces.values()) {
                iv.add(new InterfaceView(f.index, f.name, f.driver.driver(), f.driver.hardware(), f.describe()));
                n += f.linkCount();
            }
            Map<String, String> why = new LinkedHashMap<>(refused);
            for (Iface f : ifaces.values()) if (f.refused != null) why.put(f.name, f.refused);
            List<String> hooks = new ArrayList<>();
            for (String k : nf.keySet()) hooks.add(moved.containsKey(k) ? k + " at " + moved.get(k) + " (its priority was taken)" : k);
            return new NamespaceView(inode, name, conntrack, nat, n, List.copyOf(hooks), List.copyOf(iv), Map.copyOf(why),
                    netfilter ? stagesWhy(seen) : Map.of());
        }
    }

    /** One interface's tc links. Attacher thread only. */
    private final class Iface {
        final int index;
        final String name;
        final NetNamespace.Driver driver;
        int ingress = -1, egress = -1;
        boolean classic;
        String refused;

        Iface(int index, String name, NetNamespace.Driver driver) {
            this.index = index;
            this.name = name;
            this.driver = driver;
        }

        void link() {
            Integer in = programs.get("tcx_ingress"), out = programs.get("tcx_egress");
            if (in == null || out == null) return;
            try {
                if (tc == TcMode.TCX) {
                    ingress = links.tcx(in, index, LinkCreate.BPF_TCX_INGRESS);
                    egress = links.tcx(out, index, LinkCreate.BPF_TCX_EGRESS);
                } else if (tc == TcMode.CLASSIC) {
                    classic = true;
                    TcClassic.attach(index, TcClassic.INGRESS, in, CLASSIC_HANDLE, CLASSIC_PRIORITY);
                    TcClassic.attach(index, TcClassic.EGRESS, out, CLASSIC_HANDLE, CLASSIC_PRIORITY);
                }
            } catch (LibbpfException e) {
                refused = e.getMessage();
            }
        }

        int linkCount() { return (ingress >= 0 ? 1 : 0) + (egress >= 0 ? 1 : 0); }

        String describe() {
            if (refused != null) return "refused: " + refused;
            return classic ? "clsact filter" : linkCount() == 2 ? "tcx" : "none";
        }

        /** @param inNamespace whether this thread is in the interface's namespace (classic filters need it) */
        void close(boolean inNamespace) {
            LinkCreate.close(ingress);
            LinkCreate.close(egress);
            ingress = egress = -1;
            if (classic && inNamespace) {
                TcClassic.detach(index, TcClassic.INGRESS, CLASSIC_HANDLE, CLASSIC_PRIORITY);
                TcClassic.detach(index, TcClassic.EGRESS, CLASSIC_HANDLE, CLASSIC_PRIORITY);
                classic = false;
            }
        }
    }
}

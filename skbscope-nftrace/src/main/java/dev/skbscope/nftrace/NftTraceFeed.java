package dev.skbscope.nftrace;

import dev.skbscope.engine.event.EventSink;
import dev.skbscope.engine.event.SymbolTable;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.filter.PacketFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import dev.skbscope.sources.live.NetnsScanner;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The readers of the kernel's nftrace netlink group in this process, one per network namespace
 * traced (the group is per namespace: a socket hears only its own namespace's traces), fanning
 * decoded traces out to every subscriber whose filter matches. Thread-safe: {@link #subscribe} and
 * {@link Subscription#close} may be called from any thread; subscribers are called on the reader
 * threads and must return quickly without blocking (copy the event, don't keep it).
 *
 * <p>Readers start with the first subscriber and stop, closing their sockets, when the last one
 * leaves. While subscribers are there, a watcher looks for namespaces every second: a new one gets
 * a reader and every subscriber's marking table ({@link Subscriber#table}); a vanished one loses
 * its reader. Rules of a namespace other than this process's are named {@code table@namespace}. Full-mode sessions can enrich their netfilter nodes with
 * {@code NftTraceFeed.shared().subscribe(filter, sink)}; note that the kernel sends traces only
 * for packets whose {@code nftrace} bit is set, which an nft-mode session's table does
 * ({@link SessionTraceTable}). Events of skbscope's own {@code skbscope_*} tables are not passed
 * on: they only mark packets, and they supply the packet headers that later messages lack.
 */
public final class NftTraceFeed {
    private static final Logger log = LoggerFactory.getLogger(NftTraceFeed.class);
    private static final NftTraceFeed SHARED = new NftTraceFeed();
    /** The probe name of every event this feed produces. */
    public static final String PROBE = "nft_trace";
    static final int PROBE_ID = SymbolTable.PROBES.intern(PROBE);
    static final String OWN_TABLE_PREFIX = "skbscope_";
    /**
     * Requested receive buffer; the kernel doubles it. A trace message takes ~1,280 bytes of it, so
     * 256 MiB hold ~210,000 messages: 0.7 s of backlog at 100k traced loopback packets/s.
     */
    private static final int RCVBUF = 128 << 20;
    private static final int RECV_TIMEOUT_MS = 100;
    /**
     * While traces flow the reader empties the socket, then sleeps this long instead of blocking:
     * a blocked reader makes the kernel wake it (an IPI to the other core) from the sending
     * thread's context for nearly every message, which slows the traced traffic itself. At
     * 300,000 messages/s this much backlog is ~0.8 MiB, against a 256 MiB buffer.
     */
    static final long POLL_SLEEP_NS = Long.getLong("skbscope.nftrace.pollNs", 2_000_000);   // 0: always block
    /**
     * Polling pays from this many messages per {@link #RATE_WINDOW_NS} (2,000/s) up; below it the
     * reader blocks. Measured on a 2-vCPU VM: polling every 2 ms costs the reader ~22 ms of CPU a
     * second, a blocked reader ~10 µs per wake-up (one per message at low rates).
     */
    static final int POLL_MIN_MESSAGES = 200;
    static final long RATE_WINDOW_NS = 100_000_000;

    /** What a subscriber receives, on the reader thread. */
    public interface Subscriber {
        /** A trace that matches the subscriber's filter; the event is reused after return. */
        void onTrace(TraceEvent event);
        /** The end of one batch of messages read together: the time to wake a consumer, if any. */
        default void onBatchEnd() { }
        /** The kernel dropped {@code n} trace messages (our socket buffer overflowed); of any session. */
        default void onLost(long n) { }
        /** A message that could not be decoded. */
        default void onBad() { }
        /** The table that marks this subscriber's packets, installed in every traced namespace; or null. */
        default SessionTraceTable table() { return null; }
    }

    /** A subscriber's place in the feed; closing it unsubscribes. */
    public interface Subscription extends AutoCloseable {
        @Override void close();
    }


    private final Object lock = new Object();
    private volatile TraceDispatcher.Target[] entries = new TraceDispatcher.Target[0];
    /** Namespace inode to its reader; guarded by lock. */
    private final Map<Long, Reader> readers = new HashMap<>();
    private Thread watcher;            // guarded by lock
    /** Held by a reader while it hands a batch to the subscribers (one producer at a time for them). */
    private final Object delivery = new Object();
    /** This process's namespace: its tables and rules keep their plain names. */
    private final long home = NetnsScanner.self();

    /** Counters over the feed's whole life. */
    public final AtomicLong traces = new AtomicLong();
    /** ENOBUFS reports; stays 0 where the kernel takes NETLINK_NO_ENOBUFS (drops are still counted). */
    public final AtomicLong overruns = new AtomicLong();
    /** Trace messages the kernel dropped for our sockets (their exact drop counters). */
    public final AtomicLong droppedMessages = new AtomicLong();
    public final AtomicLong badMessages = new AtomicLong();
    public final AtomicLong datagrams = new AtomicLong();

    NftTraceFeed() { }

    /** The process-wide feed. */
    public static NftTraceFeed shared() { return SHARED; }

    /**
     * Adds a subscriber for traces matching {@code filter}, told also of losses and bad messages;
     * opens the readers of every namespace in scope if this is the first, and installs the
     * subscriber's table in each. Returns once traces can flow.
     *
     * @throws IOException when this process's own namespace can't be read (not root, no nf_tables...)
     */
    public Subscription attach(PacketFilter filter, Subscriber subscriber) throws IOException {
        TraceDispatcher.Target e = new TraceDispatcher.Target(filter == null ? PacketFilter.ANY : filter, subscriber);
        synchronized (lock) {
            if (readers.isEmpty()) {
                ReaderWarmup.once();  // before any table is installed: then traces start
            }
            TraceDispatcher.Target[] cur = entries;
            TraceDispatcher.Target[] next = Arrays.copyOf(cur, cur.length + 1);
            next[cur.length] = e;
            entries = next;
            try {
                sync(subscriber.table());
            } catch (IOException | RuntimeException ex) {
                entries = cur;
                if (cur.length == 0) stopAll();
                throw ex;
            }
            if (watcher == null) {
                watcher = Thread.ofPlatform().name("skbscope-nftrace-netns").daemon().start(this::watch);
            }
        }
        return () -> unsubscribe(e);
    }

    /** Subscribes a plain {@link EventSink} (e.g. a full-mode session enriching netfilter nodes). */
    public Subscription subscribe(PacketFilter filter, EventSink sink) throws IOException {
        return attach(filter, sink::accept);
    }

    private void unsubscribe(TraceDispatcher.Target e) {
        synchronized (lock) {
            TraceDispatcher.Target[] cur = entries;
            int i = Arrays.asList(cur).indexOf(e);
            if (i < 0) return;
            TraceDispatcher.Target[] next = new TraceDispatcher.Target[cur.length - 1];
            System.arraycopy(cur, 0, next, 0, i);
            System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
            entries = next;
            if (next.length == 0) stopAll();
        }
    }

    /** Caller holds lock. */
    private void stopAll() {
        for (Reader r : readers.values()) r.stopAndJoin();
        readers.clear();
        if (watcher != null) watcher.interrupt();
        watcher = null;
    }

    /** The watcher: every second, the namespaces again. */
    private void watch() {
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                if (watcher != Thread.currentThread()) return;
                try {
                    sync(null);
                } catch (IOException | RuntimeException e) {
                    log.warn("nftrace namespace scan failed: {}", e.getMessage());
                }
            }
        }
    }

    /**
     * Caller holds lock. A reader for every namespace the subscribers want (all, unless every one
     * filters on a namespace), every subscriber's table in it; vanished namespaces' readers stop.
     * {@code added}: a new subscriber's table, installed in the namespaces already read.
     */
    private void sync(SessionTraceTable added) throws IOException {
        Map<Long, NetnsScanner.Netns> found = NetnsScanner.scan();
        Set<Long> scope = new HashSet<>();
        boolean all = false;
        for (TraceDispatcher.Target t : entries) {
            Long ns = t.filter().netns();
            if (ns == null) all = true; else scope.add(ns);
        }
        if (!all) found.keySet().retainAll(scope);
        for (var it = readers.entrySet().iterator(); it.hasNext(); ) {
            var r = it.next();
            if (!found.containsKey(r.getKey())) {
                r.getValue().stopAndJoin();
                it.remove();
            }
        }
        IOException homeFailure = null;
        for (NetnsScanner.Netns ns : found.values()) {
            Reader r = readers.get(ns.inode());
            boolean fresh = r == null;
            if (fresh) {
                try {
                    r = new Reader(ns, ns.inode() == home);
                } catch (IOException e) {
                    if (ns.inode() == home) homeFailure = e;
                    else log.debug("no nftrace reader in namespace {} ({}): {}", ns.name(), ns.inode(), e.getMessage());
                    continue;
                }
                readers.put(ns.inode(), r);
            }
            // a changed ruleset: learn its chains (their hooks, and whether any is not ours) again
            if (!fresh && r.rulesetChanged()) r.hooks.refresh();
            for (TraceDispatcher.Target t : entries) {
                SessionTraceTable table = t.subscriber().table();
                if (table == null) continue;
                if (table.onlyWhereRuleset()) {
                    boolean want = r.hooks.foreignChains(), has = table.installedIn(ns.inode());
                    if (want == has) continue;
                    try {
                        if (want) table.install(r.netnsPath(), ns.inode());
                        else table.removeFrom(ns.inode());
                        log.info("table inet {} {} namespace {}: its ruleset {}", table.name(), want ? "installed in" : "removed from",
                                ns.name(), want ? "has chains to trace" : "has no chain but skbscope's");
                    } catch (IOException e) {
                        log.warn("could not {} nftables table {} in namespace {}: {}", want ? "install" : "remove", table.name(),
                                ns.name(), e.getMessage());
                    }
                    continue;
                }
                if (!fresh && table != added) continue;
                try {
                    table.install(r.netnsPath(), ns.inode());
                } catch (IOException e) {
                    log.warn("could not install nftables table {} in namespace {}: {}", table.name(), ns.name(), e.getMessage());
                }
            }
        }
        if (homeFailure != null && readers.isEmpty()) throw homeFailure;
    }

    /** True while readers run (some subscriber is present). */
    public boolean running() {
        synchronized (lock) { return !readers.isEmpty(); }
    }

    /** The receive buffer the kernel granted this process's namespace's trace socket, or 0 when not running. */
    public int receiveBufferBytes() {
        synchronized (lock) {
            Reader r = readers.get(home);
            return r == null ? 0 : r.socket.receiveBufferBytes();
        }
    }

    /** Re-reads which chain sits on which hook now, in every namespace read (after changing a ruleset). */
    public void ruleChanged() {
        List<Reader> rs;
        synchronized (lock) { rs = List.copyOf(readers.values()); }
        for (Reader r : rs) r.hooks.refresh();
    }

    /** Names of the namespaces read now, by inode. */
    public Map<Long, String> namespaces() {
        Map<Long, String> out = new HashMap<>();
        synchronized (lock) { readers.forEach((k, r) -> out.put(k, r.ns.name())); }
        return out;
    }

    /** The path to enter the namespace named {@code name} by (as rule tables name it), or null. */
    String netnsPath(String name) {
        synchronized (lock) {
            for (Reader r : readers.values()) if (r.ns.name().equals(name)) return r.netnsPath();
        }
        return null;
    }

    /** Reader thread state: everything here is touched by that thread only. */
    private final class Reader extends Thread implements NftTraceDecoder.Handler {
        private final NetnsScanner.Netns ns;
        private final boolean homeNs;
        private NetlinkSocket socket;
        /** The namespace's ruleset notifications; polled by the watcher (under lock), null if it could not be opened. */
        private volatile NetlinkSocket ruleset;
        private final NftTraceDecoder decoder = new NftTraceDecoder();
        private final ChainHooks hooks;
        private final TraceDispatcher dispatcher;
        private final MemorySegment timespec = Arena.ofAuto().allocate(16, 8);
        private final java.util.concurrent.CompletableFuture<Void> opened = new java.util.concurrent.CompletableFuture<>();
        private volatile boolean running = true;
        private long tsNs;
        private long dropsSeen, lastDropCheckNs;

        /** Starts the reader thread, which enters the namespace and opens its socket there; returns when it is open. */
        Reader(NetnsScanner.Netns ns, boolean homeNs) throws IOException {
            super("skbscope-nftrace-" + ns.inode());
            setDaemon(true);
            this.ns = ns;
            this.homeNs = homeNs;
            String path = netnsPath();
            this.hooks = new ChainHooks(() -> NftExec.runIn(path, null, "-j", "list", "chains"));
            this.dispatcher = new TraceDispatcher(hooks, () -> entries, ns.inode(), homeNs ? null : ns.name());
            start();
            try {
                opened.get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                running = false;
                throw new IOException("nftrace reader of namespace " + ns.name() + " did not start", e);
            }
            hooks.refresh();   // here, not on the reader: listing takes a while, traces don't wait
        }

        /** Null for this process's namespace, else the path to enter it by. */
        String netnsPath() { return homeNs ? null : ns.path(); }

        @Override public void run() {
            try {
                if (!homeNs) NetlinkSocket.enterNetns(ns.path());
                socket = NetlinkSocket.openTraceGroup(RCVBUF, RECV_TIMEOUT_MS);
                try {
                    ruleset = NetlinkSocket.openRulesetGroup();
                } catch (IOException e) {
                    log.warn("namespace {}: ruleset changes will not be seen ({})", ns.name(), e.getMessage());
                }
                opened.complete(null);
            } catch (IOException | RuntimeException e) {
                opened.completeExceptionally(e);
                return;
            }
            read();
        }

        private void read() {
            log.info("reading nftables traces of namespace {} ({}): netlink port {}, receive buffer {} KiB", ns.name(),
                    ns.inode(), socket.portId(), socket.receiveBufferBytes() / 1024);
            dropsSeen = Math.max(0, socket.kernelDrops());

            boolean polling = false;   // start blocked: nothing flows yet
            long windowStart = System.nanoTime(), windowMessages = 0;
            try {
                while (running) {
                    int n = polling ? socket.receiveQueued() : socket.receiveBatch();
                    if (n > 0) windowMessages += n;
                    long now = System.nanoTime();
                    if (now - windowStart >= RATE_WINDOW_NS) {
                        polling = POLL_SLEEP_NS > 0 && windowMessages >= POLL_MIN_MESSAGES;
                        windowStart = now;
                        windowMessages = 0;
                    }
                    if (n == NetlinkSocket.TIMEOUT) {
                        accountDrops(false);
                        if (polling) LockSupport.parkNanos(POLL_SLEEP_NS);
                        continue;
                    }
                    if (n == NetlinkSocket.OVERRUN) {
                        overruns.incrementAndGet();
                        accountDrops(true);
                        continue;
                    }
                    datagrams.lazySet(datagrams.get() + n);
                    tsNs = NetlinkSocket.monotonicNanos(timespec);  // one clock read per batch
                    // subscribers have one producer at a time: the readers of all namespaces take turns per batch
                    synchronized (delivery) {
                        for (int i = 0; i < n; i++) decoder.decode(socket.message(i), socket.length(i), this);
                        for (TraceDispatcher.Target e : entries) e.subscriber().onBatchEnd();
                    }
                    accountDrops(false);   // a saturated reader never times out, yet must report drops
                }
            } catch (IOException e) {
                log.error("nftrace reader stopped: {}", e.getMessage());
            } catch (RuntimeException e) {
                log.error("nftrace reader failed", e);
            } finally {
                socket.close();
                NetlinkSocket rs = ruleset;
                ruleset = null;
                if (rs != null) rs.close();
            }
        }

        /**
         * Whether the namespace's ruleset changed since the last call (a notification or an overrun
         * of them); the watcher's, under lock. Without the socket: every call says yes.
         */
        boolean rulesetChanged() {
            NetlinkSocket rs = ruleset;
            if (rs == null) return true;
            boolean changed = false;
            try {
                for (int n; (n = rs.receiveQueued()) != NetlinkSocket.TIMEOUT; ) changed = true;
            } catch (IOException e) {
                return true;
            }
            return changed;
        }

        /** Passes on what the kernel dropped since the last look; after ENOBUFS at least one. */
        private void accountDrops(boolean overrun) {
            long now = System.nanoTime();
            if (!overrun && now - lastDropCheckNs < 1_000_000_000L) return;
            lastDropCheckNs = now;
            long drops = socket.kernelDrops();
            long delta = drops >= 0 ? drops - dropsSeen : 0;
            if (drops >= 0) dropsSeen = drops;
            if (overrun && delta <= 0) delta = 1;
            if (delta <= 0) return;
            droppedMessages.addAndGet(delta);
            synchronized (delivery) {
                for (TraceDispatcher.Target e : entries) e.subscriber().onLost(delta);
            }
        }

        void stopAndJoin() {
            running = false;
            if (Thread.currentThread() == this) return;
            try {
                join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override public void onBad(String why) {
            badMessages.incrementAndGet();
            log.debug("undecodable nftrace message: {}", why);
            for (TraceDispatcher.Target e : entries) e.subscriber().onBad();
        }

        @Override public void onTrace(NftTraceMessage m) {
            traces.lazySet(traces.get() + 1);
            dispatcher.onTrace(m, tsNs);
        }
    }
}

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
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one reader of the kernel's nftrace netlink group in this process, fanning decoded traces out
 * to every subscriber whose filter matches. Thread-safe: {@link #subscribe} and
 * {@link Subscription#close} may be called from any thread; subscribers are called on the single
 * reader thread and must return quickly without blocking (copy the event, don't keep it).
 *
 * <p>The reader starts with the first subscriber and stops, closing the socket, when the last one
 * leaves. Full-mode sessions can enrich their netfilter nodes with
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
    }

    /** A subscriber's place in the feed; closing it unsubscribes. */
    public interface Subscription extends AutoCloseable {
        @Override void close();
    }


    private final Object lock = new Object();
    private volatile TraceDispatcher.Target[] entries = new TraceDispatcher.Target[0];
    private Reader reader;            // guarded by lock

    /** Counters over the feed's whole life. */
    public final AtomicLong traces = new AtomicLong();
    /** ENOBUFS reports; stays 0 where the kernel takes NETLINK_NO_ENOBUFS (drops are still counted). */
    public final AtomicLong overruns = new AtomicLong();
    /** Trace messages the kernel dropped for our socket (its exact drop counter). */
    public final AtomicLong droppedMessages = new AtomicLong();
    public final AtomicLong badMessages = new AtomicLong();
    public final AtomicLong datagrams = new AtomicLong();

    NftTraceFeed() { }

    /** The process-wide feed. */
    public static NftTraceFeed shared() { return SHARED; }

    /**
     * Adds a subscriber for traces matching {@code filter}, told also of losses and bad messages;
     * opens the netlink socket if this is the first.
     *
     * @throws IOException when the socket can't be opened (not root, no nf_tables...)
     */
    public Subscription attach(PacketFilter filter, Subscriber subscriber) throws IOException {
        TraceDispatcher.Target e = new TraceDispatcher.Target(filter == null ? PacketFilter.ANY : filter, subscriber);
        synchronized (lock) {
            if (reader == null) {
                Reader r = new Reader(NetlinkSocket.openTraceGroup(RCVBUF, RECV_TIMEOUT_MS));
                r.hooks.refresh();   // here, not on the reader: listing takes a while, traces don't wait
                ReaderWarmup.once();  // and before the caller installs its table: then traces start
                r.start();
                reader = r;
            }
            TraceDispatcher.Target[] cur = entries;
            TraceDispatcher.Target[] next = Arrays.copyOf(cur, cur.length + 1);
            next[cur.length] = e;
            entries = next;
        }
        return () -> unsubscribe(e);
    }

    /** Subscribes a plain {@link EventSink} (e.g. a full-mode session enriching netfilter nodes). */
    public Subscription subscribe(PacketFilter filter, EventSink sink) throws IOException {
        return attach(filter, sink::accept);
    }

    private void unsubscribe(TraceDispatcher.Target e) {
        Reader stop = null;
        synchronized (lock) {
            TraceDispatcher.Target[] cur = entries;
            int i = Arrays.asList(cur).indexOf(e);
            if (i < 0) return;
            TraceDispatcher.Target[] next = new TraceDispatcher.Target[cur.length - 1];
            System.arraycopy(cur, 0, next, 0, i);
            System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
            entries = next;
            if (next.length == 0) { stop = reader; reader = null; }
        }
        if (stop != null) stop.stopAndJoin();
    }

    /** True while the reader thread runs (some subscriber is present). */
    public boolean running() {
        synchronized (lock) { return reader != null; }
    }

    /** The receive buffer the kernel granted the trace socket, or 0 when not running. */
    public int receiveBufferBytes() {
        synchronized (lock) { return reader == null ? 0 : reader.socket.receiveBufferBytes(); }
    }

    /** Re-reads which chain sits on which hook now, on the caller's thread (after changing the ruleset). */
    public void ruleChanged() {
        Reader r;
        synchronized (lock) { r = reader; }
        if (r != null) r.hooks.refresh();
    }

    /** Reader thread state: everything here is touched by that thread only. */
    private final class Reader extends Thread implements NftTraceDecoder.Handler {
        private final NetlinkSocket socket;
        private final NftTraceDecoder decoder = new NftTraceDecoder();
        private final ChainHooks hooks = new ChainHooks();
        private final TraceDispatcher dispatcher = new TraceDispatcher(hooks, () -> entries);
        private final MemorySegment timespec = Arena.ofAuto().allocate(16, 8);
        private volatile boolean running = true;
        private long tsNs;
        private long dropsSeen, lastDropCheckNs;

        Reader(NetlinkSocket socket) {
            super("skbscope-nftrace-reader");
            setDaemon(true);
            this.socket = socket;
        }

        @Override public void run() {
            log.info("reading nftables traces: netlink port {}, receive buffer {} KiB", socket.portId(),
                    socket.receiveBufferBytes() / 1024);
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
                    for (int i = 0; i < n; i++) decoder.decode(socket.message(i), socket.length(i), this);
                    for (TraceDispatcher.Target e : entries) e.subscriber().onBatchEnd();
                    accountDrops(false);   // a saturated reader never times out, yet must report drops
                }
            } catch (IOException e) {
                log.error("nftrace reader stopped: {}", e.getMessage());
            } catch (RuntimeException e) {
                log.error("nftrace reader failed", e);
            } finally {
                socket.close();
            }
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
            for (TraceDispatcher.Target e : entries) e.subscriber().onLost(delta);
        }

        void stopAndJoin() {
            running = false;
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

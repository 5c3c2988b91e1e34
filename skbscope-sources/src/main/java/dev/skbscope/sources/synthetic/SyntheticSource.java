package dev.skbscope.sources.synthetic;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.sources.EventSource;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Deterministic model of inbound (local delivery, NO_SOCKET and netfilter drops), forward and
 * outbound traffic. Single reader: one thread calls {@link #poll}; {@link #close} may come from
 * any thread.
 *
 * <p>Packets arrive as a Poisson process at {@code rate}; each follows a {@link PacketPath} with a
 * lognormal gap per step, so many packets are in flight at once and their events interleave in
 * time order. Each packet is handed out with a small per-packet delay (0-4 µs, as per-CPU buffers
 * do), so events of different CPUs come slightly out of order while each packet's own events stay
 * in order. For one seed the events are identical (timestamps too, when unpaced). Paced, it
 * hands out the events due by now in batches, waking at most every {@link #PACE_QUANTUM_NS}.
 *
 * <p>Unpaced, it allocates nothing per event once its in-flight tables have grown to the rate's
 * needs: packet state lives in parallel primitive arrays and a binary heap of slot numbers.
 */
public final class SyntheticSource implements EventSource {
    /** Where unpaced event time starts (1000 s of "uptime"), so that timestamps are reproducible. */
    static final long UNPACED_EPOCH_NS = 1_000_000_000_000L;
    /**
     * Paced: the shortest wait for the next due event. Sleeping until each event (~100 µs apart at
     * 10,000 events/s) cost a wake-up and two context switches per event, which on a busy server
     * was most of a paced session's CPU; waking every 5 ms hands out the events due by then as one
     * batch, ~50 of them at that rate. Event timestamps keep the model's times, so only delivery is
     * batched, 5 ms late at most.
     */
    static final long PACE_QUANTUM_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final int CPUS = 4;
    private static final long NETNS = 4026531840L;
    private static final long LOCAL_ADDR = 0xC6120001L;                 // 198.18.0.1
    private static final int[] TCP_SERVICES = {443, 80, 22, 5201, 8080};
    private static final int[] UDP_SERVICES = {53, 123, 443, 5353};
    private static final int[] UDP_CLOSED = {161, 514, 4789, 7777};

    private final SyntheticConfig config;
    private final SourceCounters counters = new SourceCounters("synthetic");
    private final SplittableRandom random;
    private final double meanGapNs;
    private final long endNs;           // no packet arrives at or after this event time; MAX = forever
    private final double[] deliveredCdf = cdf(PacketPath.DELIVERED_WEIGHTS);
    private final double[] droppedCdf = cdf(PacketPath.DROPPED_WEIGHTS);
    private final PacketPath[] paths;
    /** ln of the median gap after each step, per path: the model's, shifted for slowed nodes. */
    private final double[][] mu;
    private volatile boolean closed;

    private boolean started;
    private long epochNs;
    private double nextArrivalNs;       // absolute event time of the next new packet
    private long packetSeq;

    // in-flight packets, struct-of-arrays, indexed by slot
    private int[] path = new int[0], step = new int[0], cpu = new int[0], sport = new int[0], dport = new int[0],
            len = new int[0], pid = new int[0], ifindex = new int[0];
    private long[] ts = new long[0], key = new long[0], skb = new long[0], src = new long[0], dst = new long[0];
    private int[] free = new int[0];
    private int freeCount;
    private int[] heap = new int[0];
    private int heapSize;

    public SyntheticSource(SyntheticConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.meanGapNs = 1e9 / config.rate();
        this.endNs = config.seconds() > 0 ? (long) (config.seconds() * 1e9) : Long.MAX_VALUE;
        PacketPath[] all = new PacketPath[PacketPath.DELIVERED.length + PacketPath.DROPPED.length];
        System.arraycopy(PacketPath.DELIVERED, 0, all, 0, PacketPath.DELIVERED.length);
        System.arraycopy(PacketPath.DROPPED, 0, all, PacketPath.DELIVERED.length, PacketPath.DROPPED.length);
        this.paths = all;
        this.mu = new double[all.length][];
        for (int p = 0; p < all.length; p++) mu[p] = slowed(all[p], config.slowNodes());
        grow(256);
        counters.detail(String.format("synthetic: %.0f packets/s, drop share %.2f, seed %d%s",
                config.rate(), config.dropShare(), config.seed(), config.paced() ? "" : ", unpaced"));
    }

    public SyntheticConfig config() { return config; }

    @Override
    public int poll(EventBatch batch) {
        if (closed) return -1;
        if (!started) {
            started = true;
            epochNs = config.paced() ? System.nanoTime() : UNPACED_EPOCH_NS;
            nextArrivalNs = epochNs + exponentialGap();
        }
        long horizon = config.paced() ? System.nanoTime() : Long.MAX_VALUE;
        int n = 0;
        while (!batch.isFull()) {
            long next = nextDue();
            if (next == Long.MAX_VALUE) {
                if (n == 0) return -1;
                break;
            }
            if (next > horizon) {
                if (n > 0) break;
                LockSupport.parkNanos(Math.clamp(next - horizon, PACE_QUANTUM_NS, MAX_BLOCK_NANOS));
                if (closed) return -1;
                horizon = System.nanoTime();
                if (next > horizon) return 0;
            }
            step(batch.next());
            n++;
        }
        counters.eventsRead.addAndGet(n);
        return n;
    }

    /** The time at which the next event or arrival is due; MAX when everything is done. */
    private long nextDue() {
        long arrival = nextArrivalNs - epochNs < endNs ? (long) nextArrivalNs : Long.MAX_VALUE;
        long event = heapSize > 0 ? key[heap[0]] : Long.MAX_VALUE;
        return Math.min(arrival, event);
    }

    /** Produces the next event into {@code e}: admits new packets until an event is the earliest. */
    private void step(TraceEvent e) {
        while (true) {
            long arrival = nextArrivalNs - epochNs < endNs ? (long) nextArrivalNs : Long.MAX_VALUE;
            if (heapSize > 0 && key[heap[0]] <= arrival) break;
            admit((long) nextArrivalNs);
            nextArrivalNs += exponentialGap();
        }
        int s = heap[0];
        emit(s, e);
        PacketPath p = paths[path[s]];
        int i = step[s];
        if (i + 1 >= p.length()) {
            heapPop();
            free[freeCount++] = s;
            return;
        }
        double z = Math.min(random.nextGaussian(), 5.0);   // keep the tail long but finite
        long gap = Math.max(50, (long) Math.exp(mu[path[s]][i] + p.sigma[i] * z));
        long delay = key[s] - ts[s];
        ts[s] += gap;
        key[s] = ts[s] + delay;
        step[s] = i + 1;
        siftDown(0);
    }

    private void emit(int s, TraceEvent e) {
        PacketPath p = paths[path[s]];
        int i = step[s];
        e.tsNs = ts[s];
        e.skb = skb[s];
        e.hasSkb = true;
        e.probe = p.probe[i];
        e.hook = p.hook[i];
        e.verdict = p.verdict[i];
        e.dropReason = p.dropReason[i];
        e.ifindex = ifindex[s];
        e.len = len[s];
        e.cpu = cpu[s];
        e.pid = pid[s];
        e.netns = NETNS;
        e.proto = p.proto;
        e.ipVersion = 4;
        e.srcLo = src[s];
        e.dstLo = dst[s];
        e.sport = sport[s];
        e.dport = dport[s];
        if (p.proto == 6) e.tcpFlags = (len[s] > 80) ? 0x18 : 0x10;
    }

    /** A new packet arriving at {@code at}: picks its path and 5-tuple, schedules its first event. */
    private void admit(long at) {
        if (freeCount == 0) grow(path.length * 2);
        int s = free[--freeCount];
        boolean dropped = config.dropShare() > 0 && random.nextDouble() < config.dropShare();
        int pi = dropped ? PacketPath.DELIVERED.length + pick(droppedCdf) : pick(deliveredCdf);
        PacketPath p = paths[pi];
        path[s] = pi;
        step[s] = 0;
        ts[s] = at;
        key[s] = at + random.nextInt(4_000);      // per-packet hand-off delay: cross-CPU disorder
        skb[s] = 0xffff888100000000L | ((packetSeq++ & 0xfffffffL) << 8);
        int proto = p.proto;
        long remote = 0xC6120000L | (2 + random.nextInt(0x1fffd));          // 198.18.0.2 - 198.19.255.254
        int ephemeral = 32768 + random.nextInt(28232);
        switch (p.direction) {
            case INBOUND -> {
                src[s] = remote;
                dst[s] = LOCAL_ADDR;
                sport[s] = ephemeral;
                dport[s] = proto == 6 ? TCP_SERVICES[random.nextInt(TCP_SERVICES.length)]
                        : p.drop ? UDP_CLOSED[random.nextInt(UDP_CLOSED.length)]
                        : UDP_SERVICES[random.nextInt(UDP_SERVICES.length)];
                cpu[s] = rss(src[s], sport[s]);
                pid[s] = TraceEvent.UNKNOWN;
                ifindex[s] = 2;
            }
            case FORWARD -> {
                src[s] = 0xC6128000L | random.nextInt(0x8000);              // 198.18.128.0/17 (inside)
                dst[s] = 0xC6130000L | (1 + random.nextInt(0xfffe));         // 198.19.0.0/16 (outside)
                sport[s] = ephemeral;
                dport[s] = TCP_SERVICES[random.nextInt(TCP_SERVICES.length)];
                cpu[s] = rss(src[s], sport[s]);
                pid[s] = TraceEvent.UNKNOWN;
                ifindex[s] = 3;
            }
            case OUTBOUND -> {
                src[s] = LOCAL_ADDR;
                dst[s] = remote;
                sport[s] = ephemeral;
                dport[s] = proto == 6 ? TCP_SERVICES[random.nextInt(TCP_SERVICES.length)]
                        : UDP_SERVICES[random.nextInt(UDP_SERVICES.length)];
                cpu[s] = random.nextInt(CPUS);
                pid[s] = 1000 + random.nextInt(64);
                ifindex[s] = 2;
            }
        }
        len[s] = proto == 6 ? (random.nextInt(4) == 0 ? 52 + random.nextInt(40) : 600 + random.nextInt(900))
                : 64 + random.nextInt(448);
        heap[heapSize] = s;
        siftUp(heapSize++);
    }

    /** The path's log-median gaps, each step at a slowed node shifted by ln(factor): its node's time scales by the factor. */
    private static double[] slowed(PacketPath p, java.util.Map<String, Double> slow) {
        double[] out = p.mu.clone();
        if (slow.isEmpty()) return out;
        dev.skbscope.engine.PipelineNode.Path side = switch (p.direction) {
            case INBOUND -> dev.skbscope.engine.PipelineNode.Path.INBOUND;
            case FORWARD -> dev.skbscope.engine.PipelineNode.Path.FORWARD;
            case OUTBOUND -> dev.skbscope.engine.PipelineNode.Path.OUTBOUND;
        };
        for (int i = 0; i < p.length(); i++) {
            dev.skbscope.engine.PipelineNode node = dev.skbscope.engine.ProbeTable.classify(
                    dev.skbscope.engine.event.SymbolTable.PROBES.name(p.probe[i]), p.hook[i], side);
            Double f = node == null ? null : slow.get(node.id());
            if (f != null) out[i] += Math.log(f);
        }
        return out;
    }

    private static int rss(long addr, int port) {
        long h = (addr * 0x9E3779B97F4A7C15L) ^ (port * 0xC2B2AE3D27D4EB4FL);
        return (int) ((h >>> 40) % CPUS);
    }

    private double exponentialGap() {
        return -Math.log(1.0 - random.nextDouble()) * meanGapNs;
    }

    private int pick(double[] cdf) {
        double u = random.nextDouble();
        for (int i = 0; i < cdf.length - 1; i++) if (u < cdf[i]) return i;
        return cdf.length - 1;
    }

    private static double[] cdf(double[] weights) {
        double total = 0;
        for (double w : weights) total += w;
        double[] c = new double[weights.length];
        double run = 0;
        for (int i = 0; i < weights.length; i++) c[i] = (run += weights[i]) / total;
        return c;
    }

    // ---- binary min-heap of slots by key ----

    private void siftUp(int i) {
        int s = heap[i];
        long k = key[s];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            int ps = heap[parent];
            if (key[ps] <= k) break;
            heap[i] = ps;
            i = parent;
        }
        heap[i] = s;
    }

    private void siftDown(int i) {
        int s = heap[i];
        long k = key[s];
        int half = heapSize >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int cs = heap[child];
            int right = child + 1;
            if (right < heapSize && key[heap[right]] < key[cs]) cs = heap[child = right];
            if (k <= key[cs]) break;
            heap[i] = cs;
            i = child;
        }
        heap[i] = s;
    }

    private void heapPop() {
        heap[0] = heap[--heapSize];
        if (heapSize > 0) siftDown(0);
    }

    /** Grows the slot tables (the only allocation, until the in-flight count stops rising). */
    private void grow(int capacity) {
        int old = path.length;
        path = Arrays.copyOf(path, capacity);
        step = Arrays.copyOf(step, capacity);
        cpu = Arrays.copyOf(cpu, capacity);
        sport = Arrays.copyOf(sport, capacity);
        dport = Arrays.copyOf(dport, capacity);
        len = Arrays.copyOf(len, capacity);
        pid = Arrays.copyOf(pid, capacity);
        ifindex = Arrays.copyOf(ifindex, capacity);
        ts = Arrays.copyOf(ts, capacity);
        key = Arrays.copyOf(key, capacity);
        skb = Arrays.copyOf(skb, capacity);
        src = Arrays.copyOf(src, capacity);
        dst = Arrays.copyOf(dst, capacity);
        heap = Arrays.copyOf(heap, capacity);
        int[] f = new int[capacity];
        System.arraycopy(free, 0, f, 0, freeCount);
        for (int s = capacity - 1; s >= old; s--) f[freeCount++] = s;
        free = f;
    }

    @Override public SourceCounters counters() { return counters; }

    @Override public void close() { closed = true; }
}

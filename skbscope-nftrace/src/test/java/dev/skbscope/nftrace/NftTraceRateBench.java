package dev.skbscope.nftrace;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend.LiveRequest;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends UDP packets over loopback at a fixed rate through an nft-mode session and reports how many
 * were traced, how many trace messages the kernel dropped, and the reader's CPU. Needs root.
 * Run through {@code scripts/bench/nft-trace-rate.sh RATE SECONDS}.
 */
public final class NftTraceRateBench {
    private static final int PORT = 9999;

    /** One thread sending from this JVM; unpaced when the rate can't be reached. */
    private static long sendFromJava(DatagramChannel tx, int rate, int seconds) throws java.io.IOException {
        ByteBuffer payload = ByteBuffer.allocateDirect(16);
        long sent = 0;
        long start = System.nanoTime(), end = start + seconds * 1_000_000_000L;
        long now;
        while ((now = System.nanoTime()) < end) {
            long due = (now - start) * rate / 1_000_000_000L;
            for (int k = 0; k < 256 && sent < due; k++) {
                payload.clear();
                tx.write(payload);
                sent++;
            }
            Thread.onSpinWait();
        }
        return sent;
    }

    /**
     * Runs {@code command ADDR PORT RATE SECONDS} (scripts/bench/udp-flood.c, possibly behind
     * taskset) and returns the "sent=" figure it prints.
     */
    private static long sendExternal(String command, int rate, int seconds) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(command.trim().split("\\s+")));
        cmd.addAll(java.util.List.of("127.0.0.1", String.valueOf(PORT), String.valueOf(rate), String.valueOf(seconds)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (p.waitFor() != 0) throw new IllegalStateException("sender failed: " + out);
        System.out.println("sender: " + String.join(" ", cmd) + " -> " + out);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("sent=(\\d+)").matcher(out);
        if (!m.find()) throw new IllegalStateException("sender printed no sent=: " + out);
        return Long.parseLong(m.group(1));
    }

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        NftExec.run("table inet skbbench {}\ndelete table inet skbbench\n"
                + "table inet skbbench {\n chain input {\n  type filter hook input priority 0; policy accept;\n"
                + "  udp dport " + PORT + " counter accept\n }\n}\n", "-f", "-");
        long t0 = System.nanoTime();
        NftLiveBackend backend = new NftLiveBackend();
        PacketFilter f = new PacketFilter("udp", null, null, null, null, PORT, null, null, null);
        EventSource src = backend.open(new LiveRequest("bench", "nft", f, 0));
        AtomicLong traced = new AtomicLong(), events = new AtomicLong();
        Thread consumer = new Thread(() -> {
            EventBatch batch = new EventBatch(4096);
            try {
                while (true) {
                    batch.reset();
                    int n = src.poll(batch);
                    if (n < 0) return;
                    for (int i = 0; i < n; i++) {
                        TraceEvent e = batch.get(i);
                        if (e.hook == Hook.INPUT && e.dport == PORT) traced.incrementAndGet();
                    }
                    events.addAndGet(n);
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "bench-consumer");
        consumer.start();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Thread reader = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("skbscope-nftrace-reader")).findFirst().orElseThrow();
        long readerCpu0 = mx.getThreadCpuTime(reader.threadId());
        long consumerCpu0 = mx.getThreadCpuTime(consumer.threadId());
        NftTraceFeed feed = NftTraceFeed.shared();
        long msgs0 = feed.traces.get();
        System.out.printf("socket receive buffer: %d KiB%n", feed.receiveBufferBytes() / 1024);

        Thread monitor = new Thread(() -> {
            long last = 0;
            while (!Thread.currentThread().isInterrupted()) {
                try { Thread.sleep(500); } catch (InterruptedException e) { return; }
                long t = feed.traces.get();
                System.out.printf("  +%.1fs trace_messages/0.5s=%d dropped_total=%d overruns=%d%n",
                        (System.nanoTime() - t0) / 1e9, t - last, feed.droppedMessages.get(), feed.overruns.get());
                last = t;
            }
        }, "bench-monitor");
        monitor.setDaemon(true);
        if (Boolean.getBoolean("bench.verbose")) monitor.start();
        long sent = 0;
        try (DatagramChannel sink = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", PORT));
             DatagramChannel tx = DatagramChannel.open()) {
            sink.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);   // never read: full-queue drops come after INPUT
            tx.connect(new InetSocketAddress("127.0.0.1", PORT));
            long start = System.nanoTime();
            String external = System.getProperty("bench.sender", "");
            if (external.isBlank()) {
                sent = sendFromJava(tx, rate, seconds);
            } else {
                sent = sendExternal(external, rate, seconds);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            boolean tablePresent = SessionTraceTable.exists(NftLiveBackend.tableName(src));
            Thread.sleep(1500);
            long readerCpu = mx.getThreadCpuTime(reader.threadId()) - readerCpu0;
            long consumerCpu = mx.getThreadCpuTime(consumer.threadId()) - consumerCpu0;
            long msgs = feed.traces.get() - msgs0;
            System.out.printf("target_rate=%d/s seconds=%.1f sent=%d sent_rate=%.0f/s%n", rate, elapsed, sent, sent / elapsed);
            System.out.printf("traced_packets=%d (INPUT verdicts of the session) missing=%d%n", traced.get(), sent - traced.get());
            System.out.printf("session_events=%d trace_messages=%d (%.1f per packet, %.0f/s)%n", events.get(), msgs,
                    (double) msgs / Math.max(1, sent), msgs / elapsed);
            System.out.printf("lost_events=%d (kernel-dropped trace messages=%d in %d ENOBUFS overruns) bad=%d%n",
                    src.counters().lostEvents.get(), feed.droppedMessages.get(), feed.overruns.get(), src.counters().badLines.get());
            String counter = NftExec.run(null, "list", "chain", "inet", "skbbench", "input");
            System.out.println("nft counter: " + counter.lines().filter(l -> l.contains("counter")).findFirst().orElse("?").strip());
            System.out.println("session table still installed at the end: " + tablePresent);
            System.out.printf("reader_cpu=%.2f s (%.0f%% of one core) session_consumer_cpu=%.2f s (%.0f%%)%n", readerCpu / 1e9,
                    100.0 * readerCpu / 1e9 / elapsed, consumerCpu / 1e9, 100.0 * consumerCpu / 1e9 / elapsed);
        } finally {
            src.close();
            consumer.join(2000);
            backend.shutdown();
            NftExec.run(null, "delete", "table", "inet", "skbbench");
        }
    }
}

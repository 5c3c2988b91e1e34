package dev.skbscope.bench;

import dev.skbscope.engine.packet.PacketPage;
import dev.skbscope.engine.packet.PacketQueryParser;
import dev.skbscope.server.packets.IndexWorkerClient;
import dev.skbscope.server.packets.RecordingIndexes;
import dev.skbscope.sources.recording.RecordingFormat;
import dev.skbscope.sources.recording.RecordingPackets;

import java.lang.management.ManagementFactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Post-hoc packet queries over a recording: how long the first answer takes (the index built
 * then) and how long later queries take, for skbscope's own index ({@link RecordingPackets}: the
 * engine's journeys kept in flat columns, queried by a scan) and for DuckDB (the same journeys
 * appended into DuckDB tables and queried in SQL; and DuckDB reading the JSON lines itself, which
 * gives raw events, not journeys). One fresh JVM per run, so the first answer includes JIT warm-up,
 * as a user's first query does; single-threaded queries.
 *
 * <p>Run: {@code java -cp skbscope-bench/target/benchmarks.jar dev.skbscope.bench.PacketQueryBench ENGINE FILE [LATER]}
 * with ENGINE {@code index}, {@code index-warm} (the same after one build in this JVM, as a server that
 * indexed a recording before), {@code duckdb} (journeys in DuckDB) or {@code duckdb-json} (DuckDB's
 * read_json of the raw events); DuckDB's driver comes with {@code mvn -Pduckdb}. Prints one line
 * of figures; {@code scripts/bench/packet-query.sh} runs it.
 */
public final class PacketQueryBench {
    /** The questions asked, as REST query parameters: the UI's and CLI's usual ones. */
    static final List<Map<String, String>> QUERIES = List.of(
            Map.of("node", "l4_rx", "min_latency_us", "100"),
            Map.of("drop_reason", "NO_SOCKET"),
            Map.of("proto", "udp", "dport", "53"),
            Map.of("host", "198.18.5.0/24"),
            Map.of("path", "forward", "end", "dropped"),
            Map.of("since", "+500ms", "until", "+510ms"),
            Map.of("node", "conntrack", "min_latency_us", "20", "max_latency_us", "50"),
            Map.of());

    private PacketQueryBench() { }

    public static void main(String[] args) throws Throwable {
        String engine = args[0];
        Path file = Path.of(args[1]);
        int later = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        switch (engine) {
            case "index" -> index(file, later, "index");
            case "index-warm" -> {
                // a server that has indexed (or replayed) a recording before: the code is compiled
                RecordingPackets.index(file, RecordingFormat.AUTO, null, RecordingPackets.DEFAULT_KEEP);
                System.gc();
                index(file, later, "index-warm");
            }
            case "worker" -> worker(file, later);
            case "duckdb" -> duckdbJourneys(file, later);
            case "duckdb-json" -> duckdbJson(file, later);
            default -> throw new IllegalArgumentException("engine: index, index-warm, worker, duckdb or duckdb-json");
        }
    }

    private static PacketQueryParser.Request request(Map<String, String> q) {
        Map<String, List<String>> m = new HashMap<>();
        q.forEach((k, v) -> m.put(k, List.of(v)));
        m.put("limit", List.of("100"));
        return PacketQueryParser.parse(m, Set.of());
    }

    private static void index(Path file, int later, String label) throws Exception {
        long t0 = System.nanoTime();
        long cpu0 = processCpuNs(), main0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        RecordingPackets rec = RecordingPackets.index(file, RecordingFormat.AUTO, null, RecordingPackets.DEFAULT_KEEP);
        long built = System.nanoTime();
        long cpu = processCpuNs() - cpu0, main = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - main0;
        PacketQueryParser.Request first = request(QUERIES.get(0));
        PacketPage p = rec.packets(first.query(), first.before(), first.limit(), false);
        long answered = System.nanoTime();
        double[] ms = new double[later];
        long matched = 0;
        for (int i = 0; i < later; i++) {
            PacketQueryParser.Request r = request(QUERIES.get(i % QUERIES.size()));
            long q0 = System.nanoTime();
            PacketPage page = rec.packets(r.query(), r.before(), r.limit(), false);
            ms[i] = (System.nanoTime() - q0) / 1e6;
            matched += page.matched();
        }
        report(label, file, rec.totalEvents(), rec.totalPackets(), (built - t0) / 1e6,
                (answered - t0) / 1e6, p.matched(), ms, matched);
        System.out.printf("%s: index build CPU %.0f ms (process, since main), of which %.0f ms on the engine's thread%n",
                label, cpu / 1e6, main / 1e6);
    }

    /** CPU time of the whole process (every thread: decoders, compilers, GC). */
    private static long processCpuNs() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * The server's recording queries: an index worker process (started and answering first, as the
     * server starts it with itself), asked over its pipe; JVM flags from SKBSCOPE_WORKER_JAVA_OPTS as
     * the launcher passes them.
     */
    private static void worker(Path file, int later) throws Exception {
        try (IndexWorkerClient w = IndexWorkerClient.ofThisJvm(new RecordingIndexes())) {
            if (!w.ready()) throw new IllegalStateException("the index worker did not start");
            long t0 = System.nanoTime();
            Map<String, List<String>> first = params(QUERIES.get(0));
            var page = w.packets(file, first, false);
            long answered = System.nanoTime();
            double[] ms = new double[later];
            long matched = 0;
            for (int i = 0; i < later; i++) {
                Map<String, List<String>> q = params(QUERIES.get(i % QUERIES.size()));
                long q0 = System.nanoTime();
                matched += w.packets(file, q, false).path("matched").asLong();
                ms[i] = (System.nanoTime() - q0) / 1e6;
            }
            report("worker", file, -1, -1, -1, (answered - t0) / 1e6, page.path("matched").asLong(), ms, matched);
        }
    }

    private static Map<String, List<String>> params(Map<String, String> q) {
        Map<String, List<String>> m = new HashMap<>();
        q.forEach((k, v) -> m.put(k, List.of(v)));
        m.put("limit", List.of("100"));
        return m;
    }

    /** The engine's journeys appended into DuckDB (journeys and hops tables), then SQL. */
    private static void duckdbJourneys(Path file, int later) throws Throwable {
        long t0 = System.nanoTime();
        RecordingPackets rec = RecordingPackets.index(file, RecordingFormat.AUTO, null, RecordingPackets.DEFAULT_KEEP);
        long replayed = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE journeys (id BIGINT, finish BIGINT, start_ns BIGINT, end_ns BIGINT, info INTEGER, proto INTEGER,"
                        + " src_lo BIGINT, dst_lo BIGINT, sport INTEGER, dport INTEGER, drop_reason INTEGER, visited INTEGER)");
                s.execute("CREATE TABLE hops (id BIGINT, node INTEGER, spent_ns BIGINT)");
            }
            Appender j = new Appender(c, "journeys"), h = new Appender(c, "hops");
            // every journey of the index, newest first, with its hops (whole views, pages of 10,000)
            PacketQueryParser.Request all = request(Map.of());
            long before = Long.MAX_VALUE;
            do {
                PacketPage page = rec.packets(all.query(), before, 10_000, true);
                if (page.count() == 0) break;
                for (var full : page.packets()) {
                    long id = Long.parseLong(full.id());
                    j.row(id, 0L, full.startNs(), full.endNs(), 0, full.proto() == null ? -1 : 0,
                            0L, 0L, full.sport() == null ? -1 : full.sport(), full.dport() == null ? -1 : full.dport(), 0, 0);
                    for (var hop : full.hops()) {
                        h.row(id, hop.node().hashCode(), hop.spentUs() == null ? -1L : Math.round(hop.spentUs() * 1000));
                    }
                }
                before = page.nextCursor() == null ? 0
                        : PacketQueryParser.parse(Map.of("cursor", List.of(page.nextCursor())), Set.of()).before();
            } while (before > 0);
            j.close();
            h.close();
            long loaded = System.nanoTime();
            String firstSql = "SELECT j.id FROM journeys j WHERE j.id IN (SELECT id FROM hops WHERE node = " + "l4_rx".hashCode()
                    + " AND spent_ns >= 100000) ORDER BY j.end_ns DESC LIMIT 100";
            int n = count(c, firstSql);
            long answered = System.nanoTime();
            double[] ms = new double[later];
            String[] sql = {firstSql,
                    "SELECT id FROM journeys WHERE dport = 53 ORDER BY end_ns DESC LIMIT 100",
                    "SELECT id FROM journeys WHERE start_ns BETWEEN 1000500000000 AND 1000510000000 ORDER BY end_ns DESC LIMIT 100",
                    "SELECT count(*) FROM journeys j WHERE j.id IN (SELECT id FROM hops WHERE node = " + "conntrack".hashCode()
                            + " AND spent_ns BETWEEN 20000 AND 50000)"};
            for (int i = 0; i < later; i++) {
                long q0 = System.nanoTime();
                count(c, sql[i % sql.length]);
                ms[i] = (System.nanoTime() - q0) / 1e6;
            }
            System.out.printf("duckdb: replay+index %.0f ms, appended into DuckDB in %.0f ms%n",
                    (replayed - t0) / 1e6, (loaded - replayed) / 1e6);
            report("duckdb", file, rec.totalEvents(), rec.totalPackets(), (loaded - t0) / 1e6,
                    (answered - t0) / 1e6, n, ms, 0);
        }
    }

    /** DuckDB's own JSON reader over the raw events (no journeys: skbscope's engine is not in SQL). */
    private static void duckdbJson(Path file, int later) throws Exception {
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ev AS SELECT * FROM read_json('" + file.toAbsolutePath().toString().replace("'", "''")
                        + "', format='newline_delimited', ignore_errors=true)");
            }
            long loaded = System.nanoTime();
            String q = "SELECT skb, max(ts_ns) - min(ts_ns) AS d FROM ev WHERE dport = 53 GROUP BY skb ORDER BY d DESC LIMIT 100";
            int n = count(c, q);
            long answered = System.nanoTime();
            double[] ms = new double[later];
            for (int i = 0; i < later; i++) {
                long q0 = System.nanoTime();
                count(c, q);
                ms[i] = (System.nanoTime() - q0) / 1e6;
            }
            report("duckdb-json", file, -1, -1, (loaded - t0) / 1e6, (answered - t0) / 1e6, n, ms, 0);
        }
    }

    private static int count(Connection c, String sql) throws Exception {
        int n = 0;
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) n++;
        }
        return n;
    }

    private static void report(String engine, Path file, long events, long packets, double buildMs, double firstMs, long firstMatched,
                               double[] laterMs, long laterMatched) {
        double[] s = laterMs.clone();
        Arrays.sort(s);
        System.out.printf("%s: %s events=%d packets=%d index_built_ms=%.0f first_answer_ms=%.0f (matched %d) later_ms median=%.2f p90=%.2f max=%.2f over %d queries (matched %d)%n",
                engine, file.getFileName(), events, packets, buildMs, firstMs, firstMatched, s[s.length / 2],
                s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.9) - 1)], s[s.length - 1], s.length, laterMatched);
    }

    /** DuckDB's Appender through method handles: its driver is only on the classpath with -Pduckdb. */
    private static final class Appender {
        private final Object appender;
        private final MethodHandle begin, end, close, appendLong, appendInt;

        Appender(Connection c, String table) throws Throwable {
            Class<?> conn = Class.forName("org.duckdb.DuckDBConnection");
            Object dc = c.unwrap(conn);
            appender = conn.getMethod("createAppender", String.class, String.class).invoke(dc, "main", table);
            Class<?> a = appender.getClass();
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            begin = l.findVirtual(a, "beginRow", MethodType.methodType(a)).bindTo(appender);
            end = l.findVirtual(a, "endRow", MethodType.methodType(a)).bindTo(appender);
            close = l.findVirtual(a, "close", MethodType.methodType(void.class)).bindTo(appender);
            appendLong = l.findVirtual(a, "append", MethodType.methodType(a, long.class)).bindTo(appender);
            appendInt = l.findVirtual(a, "append", MethodType.methodType(a, int.class)).bindTo(appender);
        }

        void row(Object... values) throws Exception {
            try {
                begin.invoke();
                for (Object v : values) {
                    if (v instanceof Long x) appendLong.invoke((long) x);
                    else appendInt.invoke((int) (Integer) v);
                }
                end.invoke();
            } catch (Throwable t) {
                throw new Exception(t);
            }
        }

        void close() throws Exception {
            try {
                close.invoke();
            } catch (Throwable t) {
                throw new Exception(t);
            }
        }
    }
}

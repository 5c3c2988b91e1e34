package dev.skbscope.bench;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.StatsInterval;
import dev.skbscope.server.history.HistoryDatabase;
import dev.skbscope.server.history.HistoryQuery;
import dev.skbscope.server.history.HistorySample;
import dev.skbscope.server.history.HistoryTiers;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * History storage cost: CPU of writing N sessions' history once per tick, and the time of a
 * 3-day query of one session over a full database (1 h of seconds, 24 h of minutes, 3 days of
 * 5-minute sums for every session).
 *
 * <pre>
 * java -cp skbscope-bench/target/benchmarks.jar dev.skbscope.bench.HistoryStoreBench [product|sqlite|duckdb] [sessions] [ticks]
 * </pre>
 * {@code product} measures skbscope's own {@link HistoryDatabase} (SQLite, with downsampling);
 * {@code sqlite} and {@code duckdb} run the same plain JDBC statements against either engine, to
 * compare them (DuckDB's driver is only on the class path with {@code mvn -Pduckdb}).
 * Single-threaded; run alone.
 */
public final class HistoryStoreBench {
    private static final int NODES = 12;          // nodes a busy full-mode session has traffic at
    private static final int BUCKETS = 14;
    private static final String[] VERDICTS = {"ACCEPT", "DROP", "STOLEN"};
    private static final long T0 = 1_700_006_400L;

    public static void main(String[] args) throws Exception {
        String engine = args.length > 0 ? args[0] : "product";
        int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int ticks = args.length > 2 ? Integer.parseInt(args[2]) : 600;
        Path dir = Files.createTempDirectory("history-bench");
        try {
            if (engine.equals("product")) product(dir, sessions, ticks);
            else jdbc(engine, dir, sessions, ticks);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // ---- skbscope's HistoryDatabase ---------------------------------------------------------------

    private static void product(Path dir, int sessions, int ticks) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (HistoryDatabase db = HistoryDatabase.open(dir.resolve("history.db"), HistoryTiers.DEFAULT)) {
            SplittableRandom r = new SplittableRandom(1);
            // a full database first: 3 days of 5-minute sums, 24 h of minutes, and the hour of seconds
            long now = T0 + 3 * 86400;
            fill(db, sessions, now - 3 * 86400, now - 86400, 300, r);
            fill(db, sessions, now - 86400, now - 3600, 60, r);
            long warm = Math.min(ticks, 60);
            tick(db, sessions, now - 3600, warm, r);   // warm-up
            long cpu0 = mx.getCurrentThreadCpuTime(), wall0 = System.nanoTime();
            tick(db, sessions, now - 3600 + warm, ticks, r);
            double cpuMsPerTick = (mx.getCurrentThreadCpuTime() - cpu0) / 1e6 / ticks;
            double wallMsPerTick = (System.nanoTime() - wall0) / 1e6 / ticks;
            System.out.printf("product (SQLite) write: %d sessions, %d ticks: %.3f ms CPU per tick = %.2f %% of a core at 1 tick/s (wall %.3f ms)%n",
                    sessions, ticks, cpuMsPerTick, cpuMsPerTick / 10, wallMsPerTick);
            HistoryQuery q = new HistoryQuery(db);
            double nowQ = now - 3600 + warm + ticks;
            for (int i = 0; i < 5; i++) q.answer("session_1", "-3d", null, null, null, nowQ);
            long[] times = new long[20];
            int points = 0;
            for (int i = 0; i < times.length; i++) {
                long t0 = System.nanoTime();
                points = q.answer("session_1", "-3d", null, null, null, nowQ).path("points").asInt();
                times[i] = System.nanoTime() - t0;
            }
            Arrays.sort(times);
            System.out.printf("product (SQLite) 3-day query, every series: %d points, median %.1f ms, max %.1f ms; 1-hour query: %.1f ms%n",
                    points, times[times.length / 2] / 1e6, times[times.length - 1] / 1e6, timeOnce(q, "-1h", nowQ));
            System.out.printf("database file: %.1f MB%n", Files.size(db.file()) / 1e6);
        }
    }

    private static double timeOnce(HistoryQuery q, String from, double now) throws Exception {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            q.answer("session_1", from, null, null, null, now);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e6;
    }

    private static void tick(HistoryDatabase db, int sessions, long from, long ticks, SplittableRandom r) throws Exception {
        for (long t = from; t < from + ticks; t++) {
            List<HistorySample> batch = new ArrayList<>(sessions);
            for (int s = 1; s <= sessions; s++) batch.add(new HistorySample("session_" + s, t, interval(1, r)));
            db.write(batch);
            db.downsample(t);
            if (t % 60 == 0) db.expire(t);
        }
    }

    /** Writes samples stamped every {@code step} as if they were seconds, then sums them into that tier. */
    private static void fill(HistoryDatabase db, int sessions, long from, long to, long step, SplittableRandom r) throws Exception {
        // written into the finest tier, then summed: the same rows the server would have produced
        for (long t = from; t < to; t += step) {
            List<HistorySample> batch = new ArrayList<>(sessions);
            for (int s = 1; s <= sessions; s++) batch.add(new HistorySample("session_" + s, t, interval(step, r)));
            db.write(batch);
        }
        db.downsample(to - 1);
        db.expire(to + 3600);   // keep only the summed tiers of this range
    }

    private static StatsInterval interval(double seconds, SplittableRandom r) {
        int n = PipelineNode.COUNT;
        long[] packets = new long[n], drops = new long[n], errors = new long[n];
        long[][] lat = new long[n][BUCKETS];
        for (int i = 0; i < NODES; i++) {
            packets[i] = r.nextLong(10_000);
            drops[i] = r.nextLong(100);
            for (int k = 0; k < 6; k++) lat[i][r.nextInt(BUCKETS)] += r.nextLong(1000);
        }
        return new StatsInterval(seconds, r.nextLong(10_000), r.nextLong(100), 0, 0, r.nextLong(10_000), 1,
                Map.of("ACCEPT", r.nextLong(10_000), "DROP", r.nextLong(100), "STOLEN", 1L), Map.of(), Map.of(), Map.of(),
                new StatsInterval.Nodes(packets, drops, errors, lat));
    }

    // ---- the same plain statements on SQLite or DuckDB -------------------------------------------

    private static void jdbc(String engine, Path dir, int sessions, int ticks) throws Exception {
        String url = engine.equals("duckdb") ? "jdbc:duckdb:" + dir.resolve("h.duckdb") : "jdbc:sqlite:" + dir.resolve("h.sqlite");
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        SplittableRandom r = new SplittableRandom(1);
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                if (engine.equals("sqlite")) {
                    s.execute("PRAGMA journal_mode=WAL");
                    s.execute("PRAGMA synchronous=NORMAL");
                }
                s.execute("CREATE TABLE session_sample (session VARCHAR, step INTEGER, t BIGINT, seconds DOUBLE, packets BIGINT,"
                        + " drops BIGINT, in_flight BIGINT, PRIMARY KEY (session, step, t))");
                s.execute("CREATE TABLE verdict_sample (session VARCHAR, step INTEGER, t BIGINT, verdict VARCHAR, count BIGINT,"
                        + " PRIMARY KEY (session, step, t, verdict))");
                StringBuilder lat = new StringBuilder();
                for (int b = 0; b < BUCKETS; b++) lat.append(", l").append(b).append(" BIGINT");
                s.execute("CREATE TABLE node_sample (session VARCHAR, step INTEGER, t BIGINT, node VARCHAR, packets BIGINT, drops BIGINT"
                        + lat + ", PRIMARY KEY (session, step, t, node))");
            }
            c.setAutoCommit(false);
            StringBuilder q = new StringBuilder();
            for (int b = 0; b < BUCKETS; b++) q.append(", ?");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO session_sample VALUES (?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement pv = c.prepareStatement("INSERT INTO verdict_sample VALUES (?, ?, ?, ?, ?)");
                 PreparedStatement pn = c.prepareStatement("INSERT INTO node_sample VALUES (?, ?, ?, ?, ?, ?" + q + ")")) {
                long now = T0 + 3 * 86400;
                for (long t = now - 3 * 86400; t < now - 86400; t += 300) rows(c, ps, pv, pn, sessions, 300, t, r);
                for (long t = now - 86400; t < now - 3600; t += 60) rows(c, ps, pv, pn, sessions, 60, t, r);
                long warm = Math.min(ticks, 60);
                for (long t = now - 3600; t < now - 3600 + warm; t++) rows(c, ps, pv, pn, sessions, 1, t, r);
                long cpu0 = mx.getCurrentThreadCpuTime();
                for (long t = now - 3600 + warm; t < now - 3600 + warm + ticks; t++) rows(c, ps, pv, pn, sessions, 1, t, r);
                double cpuMs = (mx.getCurrentThreadCpuTime() - cpu0) / 1e6 / ticks;
                System.out.printf("%s write: %d sessions, %d ticks: %.3f ms CPU per tick = %.2f %% of a core%n",
                        engine, sessions, ticks, cpuMs, cpuMs / 10);
            }
            long[] times = new long[20];
            for (int i = -5; i < times.length; i++) {
                long t0 = System.nanoTime();
                query(c, "session_1", 300, T0, T0 + 3 * 86400);
                if (i >= 0) times[i] = System.nanoTime() - t0;
            }
            Arrays.sort(times);
            System.out.printf("%s 3-day query (5-minute rows, with verdicts and nodes): median %.1f ms, max %.1f ms%n",
                    engine, times[times.length / 2] / 1e6, times[times.length - 1] / 1e6);
        }
    }

    private static void rows(Connection c, PreparedStatement ps, PreparedStatement pv, PreparedStatement pn, int sessions,
                             int step, long t, SplittableRandom r) throws Exception {
        for (int s = 1; s <= sessions; s++) {
            String id = "session_" + s;
            ps.setString(1, id);
            ps.setInt(2, step);
            ps.setLong(3, t);
            ps.setDouble(4, step);
            ps.setLong(5, r.nextLong(10_000));
            ps.setLong(6, r.nextLong(100));
            ps.setLong(7, r.nextLong(10_000));
            ps.addBatch();
            for (String v : VERDICTS) {
                pv.setString(1, id);
                pv.setInt(2, step);
                pv.setLong(3, t);
                pv.setString(4, v);
                pv.setLong(5, r.nextLong(10_000));
                pv.addBatch();
            }
            for (int n = 0; n < NODES; n++) {
                pn.setString(1, id);
                pn.setInt(2, step);
                pn.setLong(3, t);
                pn.setString(4, PipelineNode.of(n).id());
                pn.setLong(5, r.nextLong(10_000));
                pn.setLong(6, r.nextLong(100));
                for (int b = 0; b < BUCKETS; b++) pn.setLong(7 + b, r.nextLong(1000));
                pn.addBatch();
            }
        }
        ps.executeBatch();
        pv.executeBatch();
        pn.executeBatch();
        c.commit();
    }

    private static void query(Connection c, String session, int step, long from, long to) throws Exception {
        StringBuilder sums = new StringBuilder();
        for (int b = 0; b < BUCKETS; b++) sums.append(", SUM(l").append(b).append(')');
        String[] sql = {
                "SELECT t, SUM(seconds), SUM(packets), SUM(drops), MAX(in_flight) FROM session_sample WHERE session = ? AND step = ? AND t >= ? AND t < ? GROUP BY t ORDER BY t",
                "SELECT t, verdict, SUM(count) FROM verdict_sample WHERE session = ? AND step = ? AND t >= ? AND t < ? GROUP BY t, verdict ORDER BY t",
                "SELECT t, node, SUM(packets), SUM(drops)" + sums + " FROM node_sample WHERE session = ? AND step = ? AND t >= ? AND t < ? GROUP BY t, node ORDER BY t"};
        for (String q : sql) {
            try (PreparedStatement p = c.prepareStatement(q)) {
                p.setString(1, session);
                p.setInt(2, step);
                p.setLong(3, from);
                p.setLong(4, to);
                try (ResultSet rs = p.executeQuery()) {
                    int cols = rs.getMetaData().getColumnCount();
                    long sink = 0;
                    while (rs.next()) for (int i = 2; i <= cols; i++) sink += rs.getObject(i).hashCode();
                    if (sink == 42) System.out.print("");
                }
            }
        }
    }
}

package dev.skbscope.server.history;

import dev.skbscope.engine.PipelineNode;
import dev.skbscope.engine.StatsInterval;
import dev.skbscope.engine.StatsSnapshot.LatencyBuckets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The history database: one SQLite file ({@code <data-dir>/history.db}, WAL journal) holding each
 * session's per-tick samples in tiers (1 s, then sums per minute, then per 5 minutes by default) and
 * the alert log. Counters are stored as increases and latency as counts per fixed bucket, so a
 * coarser tier is the exact sum of the finer one and a percentile over any range is computed from
 * the merged buckets.
 *
 * <p>Threading: one writer thread calls {@link #write}, {@link #downsample}, {@link #expire} and
 * the alert-log writes (each commits before returning, so a kill -9 loses at most what was not yet
 * handed over); any thread may read ({@link #query}, {@link #alertLog}), on a pool of read-only
 * connections that WAL lets run beside the writer. {@link #deleteSession} may come from any thread
 * (it takes the writer's lock).
 */
public final class HistoryDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HistoryDatabase.class);
    /** Bumped when the tables change; an older file is moved aside and a new one started. */
    static final int SCHEMA = 1;
    static final int BUCKETS = LatencyBuckets.UPPER_BOUNDS_US.size();
    private static final int READERS = 2;

    private final Path file;
    private final HistoryTiers tiers;
    private final Connection writer;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private final Object writeLock = new Object();
    private final PreparedStatement insertSession, insertVerdict, insertNode;
    /** Per tier (by index; 0 unused): up to where (exclusive, epoch s) it was summed from the tier below; -1 never. */
    private final long[] until;

    private HistoryDatabase(Path file, HistoryTiers tiers) throws SQLException {
        this.file = file;
        this.tiers = tiers;
        this.writer = connect(file, false);
        createSchema(writer);
        for (int i = 0; i < READERS; i++) readers.add(connect(file, true));
        until = new long[tiers.tiers().size()];
        for (int i = 1; i < until.length; i++) until[i] = loadUntil(tiers.tiers().get(i).stepSeconds());
        insertSession = writer.prepareStatement("""
                INSERT INTO session_sample (session, step, t, seconds, packets, drops, lost_events, errors, in_flight_sum, in_flight_max)
                VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (session, step, t) DO UPDATE SET seconds = seconds + excluded.seconds,
                  packets = packets + excluded.packets, drops = drops + excluded.drops,
                  lost_events = lost_events + excluded.lost_events, errors = errors + excluded.errors,
                  in_flight_sum = in_flight_sum + excluded.in_flight_sum, in_flight_max = max(in_flight_max, excluded.in_flight_max)""");
        insertVerdict = writer.prepareStatement("""
                INSERT INTO verdict_sample (session, step, t, verdict, count) VALUES (?, 1, ?, ?, ?)
                ON CONFLICT (session, step, t, verdict) DO UPDATE SET count = count + excluded.count""");
        StringBuilder cols = new StringBuilder(), qs = new StringBuilder(), upd = new StringBuilder();
        for (int b = 0; b < BUCKETS; b++) {
            cols.append(", l").append(b);
            qs.append(", ?");
            upd.append(", l").append(b).append(" = l").append(b).append(" + excluded.l").append(b);
        }
        insertNode = writer.prepareStatement("INSERT INTO node_sample (session, step, t, node, packets, drops" + cols
                + ") VALUES (?, 1, ?, ?, ?, ?" + qs + ") ON CONFLICT (session, step, t, node) DO UPDATE SET"
                + " packets = packets + excluded.packets, drops = drops + excluded.drops" + upd);
    }

    /**
     * Opens (creating if needed) the database at {@code file}. A file of another schema version, or
     * one SQLite cannot read, is moved aside as {@code history.db.<time>.old} and a new one started,
     * so a damaged history never keeps the server from starting.
     */
    public static HistoryDatabase open(Path file, HistoryTiers tiers) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
            return new HistoryDatabase(file, tiers);
        } catch (SQLException e) {
            if (!Files.exists(file)) throw new IOException("cannot create " + file + ": " + e.getMessage(), e);
            Path aside = file.resolveSibling(file.getFileName() + "." + Instant.now().toString().replace(':', '-') + ".old");
            log.warn("[History] {} unusable ({}): moved to {}, starting a new history", file, e.getMessage(), aside);
            Files.move(file, aside);
            for (String suffix : List.of("-wal", "-shm")) Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
            try {
                return new HistoryDatabase(file, tiers);
            } catch (SQLException again) {
                throw new IOException("cannot create " + file + ": " + again.getMessage(), again);
            }
        }
    }

    public HistoryTiers tiers() { return tiers; }

    private static Connection connect(Path file, boolean readOnly) throws SQLException {
        SQLiteConfig c = new SQLiteConfig();
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // NORMAL in WAL mode: a commit survives the process being killed (not a power cut), at no fsync per tick
        c.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        c.setBusyTimeout(5000);
        c.setReadOnly(readOnly);
        Connection conn = c.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
        if (!readOnly) conn.setAutoCommit(false);
        return conn;
    }

    private void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            int version;
            try (ResultSet r = s.executeQuery("PRAGMA user_version")) {
                version = r.next() ? r.getInt(1) : 0;
            }
            if (version != 0 && version != SCHEMA) throw new SQLException("schema version " + version + ", expected " + SCHEMA);
            StringBuilder lat = new StringBuilder();
            for (int b = 0; b < BUCKETS; b++) lat.append(", l").append(b).append(" INTEGER NOT NULL");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS session_sample (session TEXT NOT NULL, step INTEGER NOT NULL, t INTEGER NOT NULL,
                      seconds REAL NOT NULL, packets INTEGER NOT NULL, drops INTEGER NOT NULL, lost_events INTEGER NOT NULL,
                      errors INTEGER NOT NULL, in_flight_sum REAL NOT NULL, in_flight_max INTEGER NOT NULL,
                      PRIMARY KEY (session, step, t)) WITHOUT ROWID""");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS verdict_sample (session TEXT NOT NULL, step INTEGER NOT NULL, t INTEGER NOT NULL,
                      verdict TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (session, step, t, verdict)) WITHOUT ROWID""");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS node_sample (session TEXT NOT NULL, step INTEGER NOT NULL, t INTEGER NOT NULL,"
                    + " node TEXT NOT NULL, packets INTEGER NOT NULL, drops INTEGER NOT NULL" + lat
                    + ", PRIMARY KEY (session, step, t, node)) WITHOUT ROWID");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS downsampled (step INTEGER PRIMARY KEY, until INTEGER NOT NULL)");
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS alert_log (id INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL,
                      rule TEXT NOT NULL, title TEXT NOT NULL, severity TEXT NOT NULL, expression TEXT NOT NULL,
                      comparison TEXT NOT NULL, threshold REAL NOT NULL, node TEXT, hook TEXT, reason TEXT, value REAL,
                      since_ms INTEGER NOT NULL, fired_ms INTEGER NOT NULL, resolved_ms INTEGER, resolution TEXT)""");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS alert_log_fired ON alert_log (fired_ms)");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS alert_log_session ON alert_log (session, fired_ms)");
            s.executeUpdate("PRAGMA user_version = " + SCHEMA);
        }
        c.commit();
    }

    /** Writer thread: appends one tick's samples (finest tier) and commits. */
    public void write(List<HistorySample> samples) throws SQLException {
        if (samples.isEmpty()) return;
        transaction(() -> {
            long oldest = Long.MAX_VALUE;
            for (HistorySample h : samples) {
                addSample(h);
                oldest = Math.min(oldest, h.t());
            }
            insertSession.executeBatch();
            insertVerdict.executeBatch();
            insertNode.executeBatch();
            resumLate(oldest);
            return null;
        });
    }

    /**
     * A sample stamped inside a step a coarser tier has already summed (a session's last, partial
     * second written after its tick): sums that step again, and the ones above it, so every tier
     * keeps counting everything.
     */
    private void resumLate(long t) throws SQLException {
        List<HistoryTiers.Tier> all = tiers.tiers();
        for (int i = 1; i < all.size() && t < until[i]; i++) {
            long step = all.get(i).stepSeconds();
            long start = Math.floorDiv(t, step) * step;
            aggregate(all.get(i - 1).stepSeconds(), step, start, start + step);
        }
    }

    private void addSample(HistorySample h) throws SQLException {
        StatsInterval iv = h.interval();
        insertSession.setString(1, h.session());
        insertSession.setLong(2, h.t());
        insertSession.setDouble(3, iv.seconds());
        insertSession.setLong(4, iv.packets());
        insertSession.setLong(5, iv.drops());
        insertSession.setLong(6, iv.lostEvents());
        insertSession.setLong(7, iv.errors());
        insertSession.setDouble(8, iv.inFlight() * iv.seconds());
        insertSession.setLong(9, iv.inFlight());
        insertSession.addBatch();
        for (Map.Entry<String, Long> v : iv.verdicts().entrySet()) {
            if (v.getValue() == 0) continue;
            insertVerdict.setString(1, h.session());
            insertVerdict.setLong(2, h.t());
            insertVerdict.setString(3, v.getKey());
            insertVerdict.setLong(4, v.getValue());
            insertVerdict.addBatch();
        }
        StatsInterval.Nodes n = iv.nodes();
        for (PipelineNode p : PipelineNode.values()) {
            int i = p.ordinal();
            if (!n.active(i)) continue;
            insertNode.setString(1, h.session());
            insertNode.setLong(2, h.t());
            insertNode.setString(3, p.id());
            insertNode.setLong(4, n.packets()[i]);
            insertNode.setLong(5, n.drops()[i]);
            long[] b = n.latencyBuckets()[i];
            for (int k = 0; k < BUCKETS; k++) insertNode.setLong(6 + k, b[k]);
            insertNode.addBatch();
        }
    }

    /**
     * Writer thread: sums every closed step of each coarser tier from the tier below it, up to
     * {@code nowSeconds} (samples stamped at or before it are all written). A step is summed once,
     * when it has closed, and again after a restart only if it was not; returns the steps written.
     */
    public int downsample(long nowSeconds) throws SQLException {
        List<HistoryTiers.Tier> all = tiers.tiers();
        try {
            return transaction(() -> {
                int rows = 0;
                long finerUntil = nowSeconds + 1;   // finest tier: complete up to the tick just written
                for (int i = 1; i < all.size(); i++) {
                    long fromStep = all.get(i - 1).stepSeconds(), step = all.get(i).stepSeconds();
                    long end = Math.floorDiv(finerUntil, step) * step;
                    long start = until[i];
                    if (start < 0) {
                        long first = firstSample(fromStep);
                        start = first < 0 ? end : Math.floorDiv(first, step) * step;
                    }
                    if (end > start) rows += aggregate(fromStep, step, start, end);
                    if (end != until[i] && end >= start) setUntil(i, end);
                    finerUntil = Math.max(0, until[i]);
                }
                return rows;
            });
        } catch (SQLException e) {
            synchronized (writeLock) {   // rolled back: the watermarks are what the file says
                for (int i = 1; i < until.length; i++) until[i] = loadUntil(all.get(i).stepSeconds());
            }
            throw e;
        }
    }

    private int aggregate(long fromStep, long step, long start, long end) throws SQLException {
        int rows;
        String bucket = "(t / " + step + ") * " + step;
        try (PreparedStatement p = writer.prepareStatement("INSERT INTO session_sample (session, step, t, seconds, packets, drops,"
                + " lost_events, errors, in_flight_sum, in_flight_max) SELECT session, " + step + ", " + bucket + ", SUM(seconds),"
                + " SUM(packets), SUM(drops), SUM(lost_events), SUM(errors), SUM(in_flight_sum), MAX(in_flight_max)"
                + " FROM session_sample WHERE step = ? AND t >= ? AND t < ? GROUP BY session, " + bucket
                + " ON CONFLICT (session, step, t) DO UPDATE SET seconds = excluded.seconds, packets = excluded.packets,"
                + " drops = excluded.drops, lost_events = excluded.lost_events, errors = excluded.errors,"
                + " in_flight_sum = excluded.in_flight_sum, in_flight_max = excluded.in_flight_max")) {
            bind(p, fromStep, start, end);
            rows = p.executeUpdate();
        }
        try (PreparedStatement p = writer.prepareStatement("INSERT INTO verdict_sample (session, step, t, verdict, count)"
                + " SELECT session, " + step + ", " + bucket + ", verdict, SUM(count) FROM verdict_sample"
                + " WHERE step = ? AND t >= ? AND t < ? GROUP BY session, " + bucket + ", verdict"
                + " ON CONFLICT (session, step, t, verdict) DO UPDATE SET count = excluded.count")) {
            bind(p, fromStep, start, end);
            p.executeUpdate();
        }
        StringBuilder cols = new StringBuilder(), sums = new StringBuilder(), upd = new StringBuilder();
        for (int b = 0; b < BUCKETS; b++) {
            cols.append(", l").append(b);
            sums.append(", SUM(l").append(b).append(')');
            upd.append(", l").append(b).append(" = excluded.l").append(b);
        }
        try (PreparedStatement p = writer.prepareStatement("INSERT INTO node_sample (session, step, t, node, packets, drops" + cols
                + ") SELECT session, " + step + ", " + bucket + ", node, SUM(packets), SUM(drops)" + sums
                + " FROM node_sample WHERE step = ? AND t >= ? AND t < ? GROUP BY session, " + bucket + ", node"
                + " ON CONFLICT (session, step, t, node) DO UPDATE SET packets = excluded.packets, drops = excluded.drops" + upd)) {
            bind(p, fromStep, start, end);
            p.executeUpdate();
        }
        return rows;
    }

    private static void bind(PreparedStatement p, long step, long start, long end) throws SQLException {
        p.setLong(1, step);
        p.setLong(2, start);
        p.setLong(3, end);
    }

    /** Where the tier of {@code step} has been summed up to (exclusive) as stored, or -1 if never. */
    private long loadUntil(long step) throws SQLException {
        try (PreparedStatement p = writer.prepareStatement("SELECT until FROM downsampled WHERE step = ?")) {
            p.setLong(1, step);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : -1;
            }
        }
    }

    private void setUntil(int tier, long end) throws SQLException {
        try (PreparedStatement p = writer.prepareStatement(
                "INSERT INTO downsampled (step, until) VALUES (?, ?) ON CONFLICT (step) DO UPDATE SET until = excluded.until")) {
            p.setLong(1, tiers.tiers().get(tier).stepSeconds());
            p.setLong(2, end);
            p.executeUpdate();
        }
        until[tier] = end;
    }

    private long firstSample(long step) throws SQLException {
        try (PreparedStatement p = writer.prepareStatement("SELECT MIN(t) FROM session_sample WHERE step = ?")) {
            p.setLong(1, step);
            try (ResultSet r = p.executeQuery()) {
                if (!r.next()) return -1;
                long t = r.getLong(1);
                return r.wasNull() ? -1 : t;
            }
        }
    }

    /**
     * Writer thread: deletes samples older than their tier keeps them (a finer sample only once the
     * coarser tier has summed it), and alert-log entries older than the longest tier.
     */
    public void expire(long nowSeconds) throws SQLException {
        transaction(() -> {
            List<HistoryTiers.Tier> all = tiers.tiers();
            for (int i = 0; i < all.size(); i++) {
                HistoryTiers.Tier t = all.get(i);
                long cut = nowSeconds - t.keepSeconds();
                if (i + 1 < all.size()) cut = Math.min(cut, until[i + 1]);
                for (String table : List.of("session_sample", "verdict_sample", "node_sample")) {
                    try (PreparedStatement p = writer.prepareStatement("DELETE FROM " + table + " WHERE step = ? AND t < ?")) {
                        p.setLong(1, t.stepSeconds());
                        p.setLong(2, cut);
                        p.executeUpdate();
                    }
                }
            }
            try (PreparedStatement p = writer.prepareStatement("DELETE FROM alert_log WHERE COALESCE(resolved_ms, fired_ms) < ?")) {
                p.setLong(1, (nowSeconds - tiers.keepSeconds()) * 1000);
                p.executeUpdate();
            }
            return null;
        });
    }

    /** Deletes everything recorded about a session (its samples and alert log). Any thread. */
    public void deleteSession(String session) throws SQLException {
        transaction(() -> {
            for (String table : List.of("session_sample", "verdict_sample", "node_sample", "alert_log")) {
                try (PreparedStatement p = writer.prepareStatement("DELETE FROM " + table + " WHERE session = ?")) {
                    p.setString(1, session);
                    p.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Rows of one query, summed per {@code step} from the tier of {@code tierStep}. */
    public record Rows(List<SessionRow> sessions, List<VerdictRow> verdicts, List<NodeRow> nodes) { }

    public record SessionRow(long t, double seconds, long packets, long drops, long lostEvents, long errors,
                             double inFlightSum, long inFlightMax) { }

    public record VerdictRow(long t, String verdict, long count) { }

    public record NodeRow(long t, String node, long packets, long drops, long[] latencyBuckets) { }

    /**
     * Any thread: a session's samples of the tier {@code tierStep} with {@code from <= t < to},
     * summed per {@code step} (a multiple of {@code tierStep}), oldest first; {@code withVerdicts} and
     * {@code withNodes} say which detail tables to read.
     */
    public Rows query(String session, long tierStep, long step, long from, long to, boolean withVerdicts, boolean withNodes)
            throws SQLException {
        return read(c -> {
            // a step of the tier itself needs no summing: rows come in key order, with no sort
            boolean sum = step != tierStep;
            String bucket = sum ? "(t / " + step + ") * " + step : "t";
            String group = sum ? " GROUP BY b" : "";
            List<SessionRow> sessions = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement(sum
                    ? "SELECT " + bucket + " AS b, SUM(seconds), SUM(packets), SUM(drops), SUM(lost_events), SUM(errors),"
                      + " SUM(in_flight_sum), MAX(in_flight_max) FROM session_sample WHERE session = ? AND step = ? AND t >= ? AND t < ?"
                      + group + " ORDER BY b"
                    : "SELECT t, seconds, packets, drops, lost_events, errors, in_flight_sum, in_flight_max FROM session_sample"
                      + " WHERE session = ? AND step = ? AND t >= ? AND t < ? ORDER BY t")) {
                bindQuery(p, session, tierStep, from, to);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) sessions.add(new SessionRow(r.getLong(1), r.getDouble(2), r.getLong(3), r.getLong(4),
                            r.getLong(5), r.getLong(6), r.getDouble(7), r.getLong(8)));
                }
            }
            List<VerdictRow> verdicts = new ArrayList<>();
            if (withVerdicts) {
                try (PreparedStatement p = c.prepareStatement(sum
                        ? "SELECT " + bucket + " AS b, verdict, SUM(count) FROM verdict_sample"
                          + " WHERE session = ? AND step = ? AND t >= ? AND t < ? GROUP BY b, verdict ORDER BY b"
                        : "SELECT t, verdict, count FROM verdict_sample WHERE session = ? AND step = ? AND t >= ? AND t < ? ORDER BY t")) {
                    bindQuery(p, session, tierStep, from, to);
                    try (ResultSet r = p.executeQuery()) {
                        while (r.next()) verdicts.add(new VerdictRow(r.getLong(1), r.getString(2), r.getLong(3)));
                    }
                }
            }
            List<NodeRow> nodes = new ArrayList<>();
            if (withNodes) {
                StringBuilder cols = new StringBuilder();
                for (int b = 0; b < BUCKETS; b++) cols.append(sum ? ", SUM(l" + b + ")" : ", l" + b);
                try (PreparedStatement p = c.prepareStatement(sum
                        ? "SELECT " + bucket + " AS b, node, SUM(packets), SUM(drops)" + cols
                          + " FROM node_sample WHERE session = ? AND step = ? AND t >= ? AND t < ? GROUP BY b, node ORDER BY b"
                        : "SELECT t, node, packets, drops" + cols
                          + " FROM node_sample WHERE session = ? AND step = ? AND t >= ? AND t < ? ORDER BY t")) {
                    bindQuery(p, session, tierStep, from, to);
                    try (ResultSet r = p.executeQuery()) {
                        while (r.next()) {
                            long[] lat = new long[BUCKETS];
                            for (int b = 0; b < BUCKETS; b++) lat[b] = r.getLong(5 + b);
                            nodes.add(new NodeRow(r.getLong(1), r.getString(2), r.getLong(3), r.getLong(4), lat));
                        }
                    }
                }
            }
            return new Rows(sessions, verdicts, nodes);
        });
    }

    /** Any thread: the first and last sample time (epoch s) of a session in any tier, or null if none. */
    public long[] extent(String session) throws SQLException {
        return read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT MIN(t), MAX(t + step) FROM session_sample WHERE session = ?")) {
                p.setString(1, session);
                try (ResultSet r = p.executeQuery()) {
                    if (!r.next()) return null;
                    long first = r.getLong(1);
                    if (r.wasNull()) return null;
                    return new long[]{first, r.getLong(2)};
                }
            }
        });
    }

    private static void bindQuery(PreparedStatement p, String session, long step, long from, long to) throws SQLException {
        p.setString(1, session);
        p.setLong(2, step);
        p.setLong(3, from);
        p.setLong(4, to);
    }

    // ---- alert log ---------------------------------------------------------------------------------

    /** One entry of the alert log: an alert that fired, and when and why it resolved (null while firing). */
    public record AlertEntry(long id, String session, String rule, String title, String severity, String expression,
                             String comparison, double threshold, String node, String hook, String reason, double value,
                             long sinceMs, long firedMs, Long resolvedMs, String resolution) { }

    /** Writer thread: logs a fired alert; returns its id. */
    public long logFired(AlertEntry e) throws SQLException {
        return transaction(() -> {
            try (PreparedStatement p = writer.prepareStatement("INSERT INTO alert_log (session, rule, title, severity, expression,"
                    + " comparison, threshold, node, hook, reason, value, since_ms, fired_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                p.setString(1, e.session());
                p.setString(2, e.rule());
                p.setString(3, e.title());
                p.setString(4, e.severity());
                p.setString(5, e.expression());
                p.setString(6, e.comparison());
                p.setDouble(7, e.threshold());
                p.setString(8, e.node());
                p.setString(9, e.hook());
                p.setString(10, e.reason());
                p.setDouble(11, finite(e.value()));
                p.setLong(12, e.sinceMs());
                p.setLong(13, e.firedMs());
                p.executeUpdate();
                try (ResultSet k = p.getGeneratedKeys()) {
                    return k.next() ? k.getLong(1) : -1L;
                }
            }
        });
    }

    /** Writer thread: marks a logged alert resolved. */
    public void logResolved(long id, double value, long resolvedMs, String resolution) throws SQLException {
        transaction(() -> {
            try (PreparedStatement p = writer.prepareStatement(
                    "UPDATE alert_log SET value = ?, resolved_ms = ?, resolution = ? WHERE id = ?")) {
                p.setDouble(1, finite(value));
                p.setLong(2, resolvedMs);
                p.setString(3, resolution);
                p.setLong(4, id);
                p.executeUpdate();
                return null;
            }
        });
    }

    /**
     * Resolves every alert the log still shows firing (the server stopped while they fired) at the
     * last sample of their session, or {@code fallbackMs}; returns how many. Called once at start.
     */
    public int resolveDangling(long fallbackMs, String resolution) throws SQLException {
        return transaction(() -> {
            try (PreparedStatement p = writer.prepareStatement("UPDATE alert_log SET resolution = ?, resolved_ms = MAX(fired_ms,"
                    + " COALESCE((SELECT MAX(t + step) * 1000 FROM session_sample s WHERE s.session = alert_log.session), ?))"
                    + " WHERE resolved_ms IS NULL")) {
                p.setString(1, resolution);
                p.setLong(2, fallbackMs);
                return p.executeUpdate();
            }
        });
    }

    /** Any thread: deletes the alert log (of one session, or all when null) except entries still firing. */
    public int clearAlertLog(String session) throws SQLException {
        return transaction(() -> {
            try (PreparedStatement p = writer.prepareStatement("DELETE FROM alert_log WHERE resolved_ms IS NOT NULL"
                    + (session == null ? "" : " AND session = ?"))) {
                if (session != null) p.setString(1, session);
                return p.executeUpdate();
            }
        });
    }

    /**
     * Any thread: the newest {@code limit} log entries, newest first, of one session (or all when
     * null) that fired or resolved at or after {@code sinceMs}.
     */
    public List<AlertEntry> alertLog(String session, long sinceMs, int limit) throws SQLException {
        return read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT id, session, rule, title, severity, expression, comparison, threshold,"
                    + " node, hook, reason, value, since_ms, fired_ms, resolved_ms, resolution FROM alert_log"
                    + " WHERE (fired_ms >= ? OR resolved_ms >= ?)" + (session == null ? "" : " AND session = ?")
                    + " ORDER BY fired_ms DESC, id DESC LIMIT ?")) {
                p.setLong(1, sinceMs);
                p.setLong(2, sinceMs);
                int i = 3;
                if (session != null) p.setString(i++, session);
                p.setInt(i, limit);
                List<AlertEntry> out = new ArrayList<>();
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        long resolved = r.getLong(15);
                        Long resolvedMs = r.wasNull() ? null : resolved;
                        out.add(new AlertEntry(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                                r.getString(6), r.getString(7), r.getDouble(8), r.getString(9), r.getString(10), r.getString(11),
                                r.getDouble(12), r.getLong(13), r.getLong(14), resolvedMs, r.getString(16)));
                    }
                }
                return out;
            }
        });
    }

    private static double finite(double v) { return Double.isFinite(v) ? v : 0; }

    /** Work on the writer connection, inside a transaction. */
    @FunctionalInterface
    private interface WriteWork<T> {
        T run() throws SQLException;
    }

    /** Work on a read-only connection. */
    @FunctionalInterface
    private interface ReadWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} as one write transaction: committed, or rolled back and rethrown. */
    private <T> T transaction(WriteWork<T> work) throws SQLException {
        synchronized (writeLock) {
            try {
                T result = work.run();
                writer.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback();
                throw e;
            }
        }
    }

    /** Runs {@code work} on a pooled read-only connection (WAL lets it read beside the writer). */
    private <T> T read(ReadWork<T> work) throws SQLException {
        Connection c = takeReader();
        try {
            return work.run(c);
        } finally {
            readers.add(c);
        }
    }

    private Connection takeReader() throws SQLException {
        try {
            Connection c = readers.poll(10, TimeUnit.SECONDS);
            if (c == null) throw new SQLException("history database busy");
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted");
        }
    }

    private void rollback() {
        try {
            writer.rollback();
        } catch (SQLException e) {
            log.warn("[History] rollback failed: {}", e.getMessage());
        }
    }

    public Path file() { return file; }

    @Override
    public void close() {
        synchronized (writeLock) {
            try {
                writer.close();
            } catch (SQLException e) {
                log.warn("[History] close failed: {}", e.getMessage());
            }
        }
        for (Connection c : readers) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing a read-only connection cannot lose data
            }
        }
    }
}

package dev.skbscope.server;

import dev.skbscope.server.http.DeclaredBodyLimit;
import dev.skbscope.server.http.HostOriginGuard;
import dev.skbscope.server.http.JsonErrorHandler;
import dev.skbscope.server.fleet.FleetHosts;
import dev.skbscope.server.fleet.FleetRoutes;
import dev.skbscope.server.fleet.PrometheusClient;
import dev.skbscope.server.alert.AlertJson;
import dev.skbscope.server.alert.AlertService;
import dev.skbscope.server.alert.RuleBook;
import dev.skbscope.server.history.HistoryDatabase;
import dev.skbscope.server.metrics.ServerMetrics;
import dev.skbscope.server.metrics.StatsCollector;
import dev.skbscope.server.rest.AccessGuard;
import dev.skbscope.server.packets.IndexWorkerClient;
import dev.skbscope.server.packets.RecordingIndexes;
import dev.skbscope.server.rest.AlertRoutes;
import dev.skbscope.server.rest.ApiRoutes;
import dev.skbscope.server.rest.PacketRoutes;
import dev.skbscope.server.session.SessionRegistry;
import dev.skbscope.server.session.SessionSpec;
import dev.skbscope.server.session.SessionSpecParser;
import dev.skbscope.server.session.SourceSpec;
import dev.skbscope.server.socketio.EngineIoSessions;
import dev.skbscope.server.socketio.SocketIoLoop;
import dev.skbscope.server.socketio.SocketIoMetrics;
import dev.skbscope.server.socketio.SocketIoServlet;
import dev.skbscope.server.socketio.StatsBroadcaster;
import dev.skbscope.server.stats.TickSchedule;
import dev.skbscope.server.store.SessionStore;
import dev.skbscope.server.tick.IntervalTicker;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend;
import dev.skbscope.sources.live.LiveUnavailableException;
import dev.skbscope.sources.recording.RecordingFormat;
import dev.skbscope.sources.recording.ReplaySource;
import dev.skbscope.sources.synthetic.SyntheticConfig;
import dev.skbscope.sources.synthetic.SyntheticSource;
import io.javalin.Javalin;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The realtime server: REST, Socket.IO and the static UI on one Jetty port, over a registry of
 * sessions kept in the data directory. {@link #start()} and {@link #close()} from one thread;
 * everything else runs on Jetty threads, session threads and the Socket.IO loop.
 */
public final class SkbscopeServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SkbscopeServer.class);
    private static final String WEB_INDEX = "/web/index.html";

    private final ServerConfig config;
    private final LiveBackends live;
    private final SessionStore store;
    private final SessionRegistry registry;
    /** Packet queries over recordings, answered by a child process with the batch JVM flags. */
    private final IndexWorkerClient recordings = IndexWorkerClient.ofThisJvm(new RecordingIndexes());
    private final SocketIoLoop loop = new SocketIoLoop();
    private final SocketIoMetrics socketIoMetrics = new SocketIoMetrics();
    private final ServerMetrics serverMetrics = new ServerMetrics();
    private final PrometheusRegistry prometheus = new PrometheusRegistry();
    private final StatsBroadcaster broadcaster;
    private final EngineIoSessions engineIoSessions;
    private final ExecutorService pollWriters = Executors.newVirtualThreadPerTaskExecutor();
    private final HistoryDatabase history;
    private final AlertService alerts;
    private final IntervalTicker ticker;
    private final boolean uiBuilt;
    private Javalin app;
    private final ConnectorBuffers connectorBuffers = new ConnectorBuffers();
    private volatile ServerConnector connector;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    public SkbscopeServer(ServerConfig config, LiveBackends live) throws IOException {
        if (!config.loopbackOnly() && config.token() == null)
            throw new IllegalArgumentException("listening on " + config.listen() + " requires a token");
        this.config = config;
        this.live = live;
        Files.createDirectories(config.dataDir());
        Path recordings = config.dataDir().resolve("recordings");
        Files.createDirectories(recordings);
        List<Path> dirs = new ArrayList<>();
        dirs.add(recordings.toAbsolutePath().normalize());
        for (Path d : config.allowDirs()) dirs.add(d.toAbsolutePath().normalize());
        this.store = new SessionStore(config.dataDir());
        // one schedule for the sessions that publish and every reader that delivers
        TickSchedule schedule = TickSchedule.everyMillisFromNow(config.emitMillis());
        this.registry = new SessionRegistry(store, new SessionSpecParser(dirs), this::openSource,
                config.maxSessions(), config.persistMillis(), schedule);
        this.broadcaster = new StatsBroadcaster(registry, loop, socketIoMetrics, schedule, config.token(),
                config.limits().pingIntervalMillis(), config.limits().pingTimeoutMillis(), config.limits().connectTimeoutMillis(),
                serverMetrics.emitLoopSeconds::observe, serverMetrics.emitLateSeconds::observe);
        registry.addStatsListener(broadcaster);
        this.engineIoSessions = new EngineIoSessions(broadcaster.engine(), loop, socketIoMetrics,
                config.limits().connectTimeoutMillis(), config.limits().pingIntervalMillis(), config.limits().pingTimeoutMillis());
        this.history = HistoryDatabase.open(config.dataDir().resolve("history.db"), config.history());
        try {
            int n = history.resolveDangling(System.currentTimeMillis(), "server stopped");
            if (n > 0) log.info("[Alert] {} alert(s) were firing when the server stopped: marked resolved", n);
        } catch (java.sql.SQLException e) {
            log.warn("[Alert] cannot update the alert log: {}", e.getMessage());
        }
        this.alerts = new AlertService(new RuleBook(config.dataDir().resolve("alerts").resolve("rules.json"), store::dir,
                registry.list().stream().map(dev.skbscope.server.session.Session::id).toList()), history);
        this.ticker = new IntervalTicker(history, alerts, registry.schedule(), System::currentTimeMillis);
        registry.addStatsListener(ticker);
        alerts.addListener((session, a) -> broadcaster.sendAlert(session, AlertJson.event(session, a).toString()));
        registry.onPurge(ticker::purged);
        prometheus.register(serverMetrics.emitLoopSeconds);
        prometheus.register(serverMetrics.emitLateSeconds);
        prometheus.register(new StatsCollector(registry, socketIoMetrics, alerts::firingCounts, config.metrics(),
                java.time.InstantSource.system(), ApiRoutes.VERSION));
        this.uiBuilt = SkbscopeServer.class.getResource(WEB_INDEX) != null;
    }

    public SessionRegistry registry() { return registry; }
    public AlertService alerts() { return alerts; }
    public IntervalTicker ticker() { return ticker; }
    public HistoryDatabase history() { return history; }
    public ServerConfig config() { return config; }
    public boolean uiBuilt() { return uiBuilt; }

    private EventSource openSource(SessionSpec spec) {
        SourceSpec src = spec.source();
        try {
            return switch (src) {
                case SourceSpec.Live l -> live.open(new LiveBackend.LiveRequest(spec.id(), spec.mode(), spec.filter(), spec.maxFunctions()));
                case SourceSpec.Replay r -> ReplaySource.open(r.resolved(), RecordingFormat.AUTO, r.speed());
                case SourceSpec.Synthetic s -> new SyntheticSource(new SyntheticConfig(s.rate(), s.seed(), s.dropShare(), 0, true));
            };
        } catch (LiveUnavailableException e) {
            throw new ApiException(503, "source: live tracing is unavailable: " + e.getMessage());
        } catch (IOException e) {
            // the reader's messages name the file by its real path: show the client its own name for it
            String m = String.valueOf(e.getMessage());
            if (src instanceof SourceSpec.Replay r) m = m.replace(r.resolved().toString(), r.path());
            throw ApiException.badRequest("source.path: " + m);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("source: " + e.getMessage());
        }
    }

    /** Binds and starts serving; returns the bound port. */
    public int start() {
        AccessGuard guard = new AccessGuard(config.token());
        ServerConfig.Limits limits = config.limits();
        SocketIoServlet servlet = new SocketIoServlet(broadcaster, loop, socketIoMetrics, pollWriters,
                (int) Math.min(Integer.MAX_VALUE, config.maxBodyBytes()),
                java.time.Duration.ofMillis(limits.pingIntervalMillis() + limits.pingTimeoutMillis()),
                limits.handshakesPerSecond(), limits.handshakeBurst(), guard::tokenMatches);
        HostOriginGuard hostOrigin = new HostOriginGuard(config.loopbackOnly(), config.access());
        ApiRoutes api = new ApiRoutes(registry, store, live, socketIoMetrics);
        PacketRoutes packetRoutes = new PacketRoutes(registry, store, recordings);
        FleetRoutes fleet = new FleetRoutes(config.prometheus() == null ? null
                : new FleetHosts(new PrometheusClient(config.prometheus(), java.time.Duration.ofSeconds(10))));
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            cfg.jetty.threadPool = httpThreads();
            cfg.jetty.host = config.listen();
            cfg.jetty.port = config.port();
            cfg.jsonMapper(new JacksonJsonMapper());
            cfg.jetty.addConnector((server, http) -> {
                // Jetty 12.1.13 can release a refused request's buffer (431, 414) twice, from two
                // threads; a pool then hands that one buffer to two connections at once, and one
                // client reads another's request bytes (ConnectionIsolationTest). Request buffers
                // are therefore heap buffers that nobody pools (ConnectorBuffers): one released
                // twice is only garbage. Response buffers stay direct and pooled, as unpooled
                // direct buffers are freed only after a GC finds them and malloc keeps their pages
                // (RSS +42 % a minute after 1,000 clients left, scripts/bench/churn.sh).
                http.setUseInputDirectByteBuffers(false);
                connector = new ServerConnector(server, null, null, connectorBuffers, -1, -1,
                        new HttpConnectionFactory(http));
                connector.setHost(config.listen());
                connector.setPort(config.port());
                return connector;
            });
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            cfg.jetty.modifyHttpConfiguration(http -> http.setIdleTimeout(config.limits().idleMillis()));
            cfg.jetty.modifyServletContextHandler(h -> {
                h.setErrorHandler(new JsonErrorHandler());
                // first in line for every route: REST, Socket.IO (polling and websocket upgrades), static files, metrics
                h.addFilter(new FilterHolder(hostOrigin), "/*", EnumSet.of(DispatcherType.REQUEST));
                h.addFilter(new FilterHolder(new DeclaredBodyLimit(config.maxBodyBytes())), "/*", EnumSet.of(DispatcherType.REQUEST));
                ServletHolder holder = new ServletHolder("socketio", servlet);
                holder.setAsyncSupported(true);
                h.addServlet(holder, "/socket.io/*");
            });
            if (uiBuilt) cfg.staticFiles.add("/web", Location.CLASSPATH);
            cfg.routes.before("/api/*", guard::check);
            cfg.routes.before("/metrics", guard::check);
            cfg.routes.options("/api/*", ctx -> ctx.status(204));
            cfg.routes.get("/metrics", this::metrics);
            api.register(cfg.routes);
            packetRoutes.register(cfg.routes);
            new AlertRoutes(registry, alerts, history, ticker).register(cfg.routes);
            fleet.register(cfg.routes);
            cfg.routes.exception(ApiException.class, (e, ctx) -> ctx.status(e.status()).json(java.util.Map.of("error", e.getMessage())));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                String ref = Long.toString(System.nanoTime() & 0xffffff, 36);
                log.error("[API] {} {} failed (ref {})", ctx.method(), ctx.path(), ref, e);
                ctx.status(500).json(java.util.Map.of("error", "internal error (ref " + ref + " in the server log)"));
            });
            cfg.routes.error(404, this::notFound);
            cfg.routes.error(413, ctx -> ctx.json(java.util.Map.of("error", "body: larger than " + config.maxBodyBytes() + " bytes")));
            // every other error status Javalin or Jetty sets without a body (405, 408 for a body that never came, ...)
            for (int status = 400; status < 600; status++) {
                if (status == 404 || status == 413) continue;
                cfg.routes.error(status, SkbscopeServer::jsonErrorIfEmpty);
            }
        });
        app.start();
        broadcaster.start();
        engineIoSessions.start();
        ticker.start();
        return app.port();
    }

    public int port() { return app.port(); }

    /** The buffers the HTTP connector reads requests and writes responses into (see {@link #start()}). */
    ByteBufferPool connectorBufferPool() { return connectorBuffers; }

    /**
     * The HTTP connector's buffers: heap ones unpooled, direct ones pooled; thread-safe (the pool is
     * Jetty's own concurrent one). The connector asks for heap buffers to read requests into: a heap
     * buffer nobody holds belongs to the collector, so a request buffer Jetty releases twice can
     * never serve a second connection, and it leaves no native memory behind.
     */
    static final class ConnectorBuffers implements ByteBufferPool {
        private final ByteBufferPool pooled = new org.eclipse.jetty.io.ArrayByteBufferPool();
        private final ByteBufferPool unpooled = new ByteBufferPool.NonPooling();

        @Override
        public org.eclipse.jetty.io.RetainableByteBuffer.Mutable acquire(int size, boolean direct) {
            return direct ? pooled.acquire(size, true) : unpooled.acquire(size, false);
        }

        @Override
        public void clear() { pooled.clear(); }
    }

    /** Whether the connector reads requests into direct buffers (it must not: see {@link ConnectorBuffers}). */
    boolean readsRequestsIntoDirectBuffers() {
        return connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration().isUseInputDirectByteBuffers();
    }

    /**
     * Jetty's request threads. A crowd of clients (1,000 connecting at once) makes the pool grow;
     * Jetty's default retires one idle thread per minute, so 90 extra threads stayed for an hour and
     * a half with their stacks. Here idle threads are retired within 10 s, all that are idle at once.
     */
    private static org.eclipse.jetty.util.thread.QueuedThreadPool httpThreads() {
        org.eclipse.jetty.util.thread.QueuedThreadPool pool = new org.eclipse.jetty.util.thread.QueuedThreadPool(200, 8, 10_000);
        pool.setMaxEvictCount(200);
        pool.setName("JettyServerThreadPool");
        return pool;
    }

    /**
     * The Prometheus text format, or OpenMetrics when the scraper asks for it (Prometheus does
     * first): only OpenMetrics carries the node latency histograms' exemplars (packet ids).
     */
    private void metrics(Context ctx) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        String accept = ctx.header("Accept");
        boolean openMetrics = accept != null && OPEN_METRICS.accepts(accept);
        var writer = openMetrics ? OPEN_METRICS : PrometheusTextFormatWriter.create();
        writer.write(out, prometheus.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
        ctx.contentType(writer.getContentType()).result(out.toByteArray());
    }

    /** Javalin error handler: an error response without a body gets {@code {"error": "<reason>"}}. */
    private static void jsonErrorIfEmpty(Context ctx) {
        String r = ctx.result();
        if (r != null && !r.isEmpty()) return;
        int status = ctx.statusCode();
        String reason = org.eclipse.jetty.http.HttpStatus.getMessage(status);
        String msg = status == 408 ? "body: not received in time (is Content-Length larger than the body sent?)" : "http: " + reason;
        ctx.json(java.util.Map.of("error", msg));
    }

    private static final io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter OPEN_METRICS =
            io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter.create();

    private void notFound(Context ctx) throws IOException {
        String p = ctx.path();
        if (p.startsWith("/api/") || p.equals("/api") || p.startsWith("/socket.io") || p.equals("/metrics")) {
            if (ctx.result() == null || ctx.result().isEmpty() || ctx.result().equals("Endpoint " + ctx.method() + " " + p + " not found")
                    || !ctx.result().startsWith("{"))
                ctx.json(java.util.Map.of("error", "not found: " + ctx.method() + " " + dev.skbscope.server.http.Echo.of(p)));
            return;
        }
        if (!ctx.method().name().equals("GET") && !ctx.method().name().equals("HEAD")) {
            ctx.status(405).json(java.util.Map.of("error", "http: method " + ctx.method().name() + " is not allowed here"));
            return;
        }
        // single-page app: the UI's client-side routes all load index.html
        if (uiBuilt) {
            InputStream in = SkbscopeServer.class.getResourceAsStream(WEB_INDEX);
            ctx.status(200).contentType(ContentType.TEXT_HTML).result(in);
        } else {
            ctx.status(200).contentType(ContentType.TEXT_HTML).result(NO_UI_PAGE);
        }
    }

    private static final String NO_UI_PAGE = """
            <!doctype html><html><head><meta charset="utf-8"><title>skbscope</title></head>
            <body style="font-family:sans-serif;max-width:40em;margin:3em auto">
            <h1>skbscope server is running</h1>
            <p>The web UI is not built into this jar. Build it (see README) and restart, or use the API:</p>
            <ul><li><a href="/api/health">/api/health</a></li><li><a href="/api/sessions">/api/sessions</a></li>
            <li><a href="/api/capabilities">/api/capabilities</a></li><li><a href="/metrics">/metrics</a></li></ul>
            <p>Socket.IO v4 is served at <code>/socket.io</code> (events: join_session, session_stats_update).</p>
            </body></html>
            """;

    /**
     * Starts the process that indexes recordings for packet queries now instead of at the first
     * query (the server command does; see {@link IndexWorkerClient}).
     */
    public void startIndexWorker() { recordings.startInBackground(); }

    /**
     * Stops everything: sessions are stopped ("server shutdown") and flushed, clients disconnected,
     * live backends detached. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        engineIoSessions.close();
        broadcaster.close();
        registry.close();
        ticker.close();   // after the sessions stopped: their last seconds and resolved alerts are written
        history.close();
        if (app != null) {
            try {
                app.stop();
            } catch (RuntimeException e) {
                log.warn("HTTP server did not stop cleanly: {}", e.toString());
            }
        }
        loop.close();
        pollWriters.shutdownNow();
        live.shutdown();
        recordings.close();
    }
}

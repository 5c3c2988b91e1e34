package dev.skbscope.cli;

import dev.skbscope.server.LiveBackends;
import dev.skbscope.server.ServerConfig;
import dev.skbscope.server.SkbscopeServer;
import dev.skbscope.server.history.HistoryTiers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code skbscope serve}: REST, Socket.IO and the web UI on one port until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Start the realtime server: REST API, Socket.IO stats and the web UI on one port.")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "5000", description = "TCP port (default: ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = "--listen", defaultValue = "127.0.0.1",
            description = "Address to bind (default: ${DEFAULT-VALUE}). Any non-loopback address requires a token.")
    String listen;

    @Option(names = "--token", description = "Access token for REST and Socket.IO. Generated when --listen is not loopback and none is given.")
    String token;

    @Option(names = "--data-dir", defaultValue = "data", description = "Sessions and recordings (default: ./${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--allow-dir", description = "Extra directory replay sessions may read recordings from (repeatable)")
    List<Path> allowDirs = new ArrayList<>();

    @Option(names = "--log-dir", defaultValue = "logs", description = "Where app.log is written (default: ./${DEFAULT-VALUE})")
    Path logDir;

    @Option(names = "--max-sessions", defaultValue = "64", description = "Sessions that may run at once (default: ${DEFAULT-VALUE})")
    int maxSessions;

    @Option(names = "--live-max-events", defaultValue = "50000", paramLabel = "N",
            description = "Kernel events per second live tracing passes to userspace before it samples packets "
                    + "(one in 2^k, counts scaled; shown as stats.source.sample_one_in). 0 = never sample. "
                    + "Default: ${DEFAULT-VALUE}")
    long liveMaxEvents;

    @Option(names = "--history-retention", defaultValue = "1s:1h,1m:24h,5m:3d", paramLabel = "STEP:KEEP,...",
            description = "History kept per session: each tier's step and how long it is kept, finest first "
                    + "(default: ${DEFAULT-VALUE}: every second for an hour, per minute for a day, per 5 minutes for 3 days)")
    String historyRetention;

    @Override
    public Integer call() {
        if (port < 0 || port > 65535) {
            System.err.println("skbscope serve: --port must be within 0..65535");
            return 2;
        }
        if (maxSessions < 1 || maxSessions > 64) {
            System.err.println("skbscope serve: --max-sessions must be within 1..64");
            return 2;
        }
        if (liveMaxEvents < 0) {
            System.err.println("skbscope serve: --live-max-events must be >= 0");
            return 2;
        }
        HistoryTiers tiers;
        try {
            tiers = HistoryTiers.parse(historyRetention);
        } catch (IllegalArgumentException e) {
            System.err.println("skbscope serve: --history-retention: " + e.getMessage());
            return 2;
        }
        // read by the kernel tracer when the first live session attaches it
        System.setProperty("skbscope.kernel.maxEventsPerSecond", Long.toString(liveMaxEvents));
        Path logFile = ServeLogging.configure(logDir);
        ServerConfig cfg = ServerConfig.defaults(dataDir.toAbsolutePath().normalize())
                .withPort(port).withAllowDirs(allowDirs).withMaxSessions(maxSessions).withHistory(tiers);
        String tok = token;
        boolean generated = false;
        ServerConfig probe = cfg.withListen(listen, tok);
        if (!probe.loopbackOnly() && tok == null) {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            tok = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            generated = true;
        }
        ServerConfig config = cfg.withListen(listen, tok);
        LiveBackends live = LiveBackends.load();
        SkbscopeServer server;
        int bound;
        try {
            server = new SkbscopeServer(config, live);
            bound = server.start();
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            System.err.println("skbscope serve: cannot listen on " + listen + ":" + port + ": " + root.getMessage());
            live.shutdown();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        SkbscopeServer s = server;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("skbscope serve: stopping (sessions are flushed to " + config.dataDir() + ")");
            s.close();
            stopped.countDown();
        }, "shutdown"));

        String host = listen.contains(":") ? "[" + listen + "]" : listen;
        String base = "http://" + host + ":" + bound;
        System.out.println("skbscope serve: listening on " + base);
        System.out.println("  web UI      " + base + "/" + (server.uiBuilt() ? "" : "   (UI not built into this jar: a placeholder page is served)"));
        System.out.println("  REST API    " + base + "/api   (e.g. " + base + "/api/health)");
        System.out.println("  Socket.IO   " + base + "/socket.io   (v4; join_session -> session_stats_update every 1 s)");
        System.out.println("  metrics     " + base + "/metrics");
        System.out.println("  data dir    " + config.dataDir() + "   logs " + logFile);
        System.out.println("  alerts      " + base + "/api/alerts   (rules: /api/alerts/rules; history kept " + config.history() + ")");
        if (tok != null) {
            System.out.println("  token       " + tok + (generated ? "   (generated; pass --token to choose one)" : ""));
            System.out.println("              send 'Authorization: Bearer <token>' or ?token=<token>; Socket.IO: auth {token}");
        }
        boolean anyLive = false;
        for (String line : live.describe()) {
            System.out.println("  live " + line);
            anyLive |= line.contains(": available");
        }
        if (!anyLive) System.out.println("  live tracing is unavailable here; replay and the synthetic demo source work.");
        else System.out.println("  live        " + (liveMaxEvents == 0 ? "traces every packet (--live-max-events 0)"
                : "samples packets above " + liveMaxEvents + " kernel events/s, counts scaled (--live-max-events)"));
        System.out.println("  demo        curl -s -X POST " + base + "/api/sessions -H 'Content-Type: application/json'"
                + (tok != null ? " -H 'Authorization: Bearer " + tok + "'" : "")
                + " -d '{\"source\":{\"kind\":\"synthetic\",\"rate\":2000}}'");
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}

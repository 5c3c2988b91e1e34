package dev.skbscope.cli;

import dev.skbscope.server.LiveBackends;
import dev.skbscope.server.ServerConfig;
import dev.skbscope.server.SkbscopeServer;
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

    @Option(names = "--allow-host", paramLabel = "NAME",
            description = "A host name clients may use to reach the server (Host header), e.g. the name of a reverse proxy "
                    + "or of this machine (repeatable). Loopback addresses and localhost always work; beyond loopback, IP addresses too.")
    List<String> allowHosts = new ArrayList<>();

    @Option(names = "--allow-origin", paramLabel = "ORIGIN",
            description = "A web origin (scheme://host[:port]) whose pages may use the API, e.g. a reverse proxy's (repeatable). "
                    + "The server's own origin and loopback origins always may.")
    List<String> allowOrigins = new ArrayList<>();

    @Option(names = "--log-dir", defaultValue = "logs", description = "Where app.log is written (default: ./${DEFAULT-VALUE})")
    Path logDir;

    @Option(names = "--max-sessions", defaultValue = "64", description = "Sessions that may run at once (default: ${DEFAULT-VALUE})")
    int maxSessions;

    @Option(names = "--live-max-events", defaultValue = "50000", paramLabel = "N",
            description = "Kernel events per second live tracing passes to userspace before it samples packets "
                    + "(one in 2^k, counts scaled; shown as stats.source.sample_one_in). 0 = never sample. "
                    + "Default: ${DEFAULT-VALUE}")
    long liveMaxEvents;

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
        for (String o : allowOrigins) {
            if (dev.skbscope.server.http.HostOriginGuard.originKey(o) == null) {
                System.err.println("skbscope serve: --allow-origin " + o + ": not an origin like https://skbscope.example.org[:port]");
                return 2;
            }
        }
        for (String h : allowHosts) {
            if (!h.equals("*") && !h.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")) {
                System.err.println("skbscope serve: --allow-host " + h + ": not a host name (no scheme, port or path)");
                return 2;
            }
        }
        // read by the kernel tracer when the first live session attaches it
        System.setProperty("skbscope.kernel.maxEventsPerSecond", Long.toString(liveMaxEvents));
        Path logFile = ServeLogging.configure(logDir);
        ServerConfig cfg = ServerConfig.defaults(dataDir.toAbsolutePath().normalize())
                .withPort(port).withAllowDirs(allowDirs).withMaxSessions(maxSessions)
                .withAccess(new ServerConfig.Access(allowHosts, allowOrigins));
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
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable shutdown = () -> {
            if (!once.compareAndSet(false, true)) return;
            System.out.println("skbscope serve: stopping (sessions are flushed to " + config.dataDir() + ")");
            s.close();
            stopped.countDown();
        };
        ShutdownSignals.onTermOrInt(shutdown);
        // other exits (System.exit elsewhere, SIGHUP): the same, from a hook
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "shutdown"));

        String host = listen.contains(":") ? "[" + listen + "]" : listen;
        String base = "http://" + host + ":" + bound;
        System.out.println("skbscope serve: listening on " + base);
        System.out.println("  web UI      " + base + "/" + (server.uiBuilt() ? "" : "   (UI not built into this jar: a placeholder page is served)"));
        System.out.println("  REST API    " + base + "/api   (e.g. " + base + "/api/health)");
        System.out.println("  Socket.IO   " + base + "/socket.io   (v4; join_session -> session_stats_update every 1 s)");
        System.out.println("  metrics     " + base + "/metrics");
        System.out.println("  data dir    " + config.dataDir() + "   logs " + logFile);
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

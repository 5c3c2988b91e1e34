package dev.skbscope.cli;

import dev.skbscope.server.LiveBackends;
import dev.skbscope.server.ServerConfig;
import dev.skbscope.server.SkbscopeServer;
import dev.skbscope.server.history.HistoryTiers;
import dev.skbscope.server.metrics.MetricsPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/** {@code skbscope serve}: REST, Socket.IO and the web UI on one port until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Start the realtime server: REST API, Socket.IO stats and the web UI on one port.",
                "Settings come from the flags, then --config FILE (TOML), then the defaults shown."})
public final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "TOML settings file (e.g. /etc/skbscope/skbscope.toml); flags given here override it")
    Path config;

    @Option(names = "--port", defaultValue = "5000", description = "TCP port (default: ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = "--listen", defaultValue = "127.0.0.1",
            description = "Address to bind (default: ${DEFAULT-VALUE}). Any non-loopback address requires a token.")
    String listen;

    @Option(names = "--token", description = "Access token for REST, /metrics and Socket.IO. Generated when --listen is not loopback and none is given.")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Read the access token from this file (its first line); keeps it out of `ps`")
    Path tokenFile;

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

    @Option(names = "--log-format", defaultValue = "text", paramLabel = "text|json",
            description = "text: plain lines (under systemd: no timestamp, the journal adds it, and a syslog priority); "
                    + "json: one JSON object per line on stdout and in app.log, for log shippers (default: ${DEFAULT-VALUE})")
    String logFormat;

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

    @Option(names = "--prometheus", paramLabel = "URL",
            description = "A Prometheus that scrapes skbscope hosts (e.g. http://127.0.0.1:9090): adds the Hosts page")
    String prometheus;

    @Option(names = "--metrics-max-sessions", defaultValue = "64", paramLabel = "N",
            description = "Sessions /metrics exports at once, running ones first (default: ${DEFAULT-VALUE})")
    int metricsMaxSessions;

    @Option(names = "--metrics-grace-seconds", defaultValue = "300", paramLabel = "S",
            description = "How long a stopped session's series stay in /metrics (default: ${DEFAULT-VALUE})")
    long metricsGraceSeconds;

    /** What a server runs with once flags, the config file and defaults are merged. */
    record Settings(String listen, int port, String token, Path tokenFile, Path dataDir, List<Path> allowDirs, Path logDir,
                    ServeLogging.Format logFormat, int maxSessions, long liveMaxEvents, HistoryTiers history, URI prometheus,
                    MetricsPolicy metrics, ServerConfig.Access access) { }

    /** A setting that can't be used; the message names the flag or key. */
    static final class BadSetting extends Exception {
        BadSetting(String message) {
            super(message, null, false, false);
        }
    }

    private boolean given(String option) {
        CommandLine.ParseResult r = spec.commandLine().getParseResult();
        return r != null && r.hasMatchedOption(option);
    }

    /** The flag's value if it was given, else the file's if set, else the flag's default. */
    private <T> T pick(String option, T flag, T file) {
        return given(option) || file == null ? flag : file;
    }

    /** Merges flags, the config file and defaults, and checks the result. */
    Settings settings() throws BadSetting {
        ConfigFile f;
        try {
            f = config == null ? ConfigFile.EMPTY : ConfigFile.read(config);
        } catch (ConfigFile.Invalid e) {
            throw new BadSetting(e.getMessage());
        }
        ConfigFile.Live live = f.live() == null ? new ConfigFile.Live(null) : f.live();
        ConfigFile.Metrics m = f.metrics() == null ? new ConfigFile.Metrics(null, null, null) : f.metrics();
        String where = config == null ? "" : " (in " + config + " or the flag)";

        int p = pick("--port", port, f.port());
        if (p < 0 || p > 65535) throw new BadSetting("port must be within 0..65535" + where);
        int max = pick("--max-sessions", maxSessions, f.maxSessions());
        if (max < 1 || max > 64) throw new BadSetting("max-sessions must be within 1..64" + where);
        long liveMax = pick("--live-max-events", liveMaxEvents, live.maxEvents());
        if (liveMax < 0) throw new BadSetting("live-max-events must be >= 0" + where);
        String formatText = pick("--log-format", logFormat, f.logFormat());
        ServeLogging.Format format = ServeLogging.Format.parse(formatText);
        if (format == null) throw new BadSetting("log-format must be text or json, not '" + formatText + "'" + where);

        String tok = token;
        Path tokFile = given("--token-file") ? tokenFile : ConfigFile.resolve(config, f.tokenFile());
        if (tok != null && tokFile != null && given("--token-file")) throw new BadSetting("give --token or --token-file, not both");
        if (tok == null && tokFile != null) tok = readToken(tokFile);
        else tokFile = null;

        List<Path> dirs = given("--allow-dir") || f.allowDirs() == null ? allowDirs
                : f.allowDirs().stream().map(d -> ConfigFile.resolve(config, d)).toList();
        Path data = given("--data-dir") || f.dataDir() == null ? dataDir : ConfigFile.resolve(config, f.dataDir());
        Path logs = given("--log-dir") || f.logDir() == null ? logDir : ConfigFile.resolve(config, f.logDir());

        String historyText = pick("--history-retention", historyRetention, f.historyRetention());
        HistoryTiers tiers;
        try {
            tiers = HistoryTiers.parse(historyText);
        } catch (IllegalArgumentException e) {
            throw new BadSetting("history-retention: " + e.getMessage() + where);
        }

        String promText = pick("--prometheus", prometheus, f.prometheusUrl());
        URI prom = null;
        if (promText != null && !promText.isBlank()) {
            try {
                prom = URI.create(promText.strip());
            } catch (IllegalArgumentException e) {
                throw new BadSetting("prometheus: not a URL: " + promText + where);
            }
            if (!("http".equals(prom.getScheme()) || "https".equals(prom.getScheme())) || prom.getHost() == null
                    || prom.getRawQuery() != null || prom.getRawFragment() != null)
                throw new BadSetting("prometheus: need an http(s) URL such as http://127.0.0.1:9090, not " + promText + where);
        }
        MetricsPolicy policy;
        try {
            long grace = pick("--metrics-grace-seconds", metricsGraceSeconds, m.graceSeconds());
            policy = new MetricsPolicy(pick("--metrics-max-sessions", metricsMaxSessions, m.maxSessions()),
                    Duration.ofSeconds(grace), m.dropSeries() == null ? MetricsPolicy.DEFAULT.maxDropSeries() : m.dropSeries());
        } catch (IllegalArgumentException e) {
            throw new BadSetting(e.getMessage() + where);
        }
        List<String> hosts = given("--allow-host") || f.allowHosts() == null ? allowHosts : f.allowHosts();
        for (String h : hosts) {
            if (!h.equals("*") && !h.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})"))
                throw new BadSetting("allow-host: " + h + " is not a host name (no scheme, port or path)" + where);
        }
        List<String> origins = given("--allow-origin") || f.allowOrigins() == null ? allowOrigins : f.allowOrigins();
        for (String o : origins) {
            if (dev.skbscope.server.http.HostOriginGuard.originKey(o) == null)
                throw new BadSetting("allow-origin: " + o + " is not an origin like https://skbscope.example.org[:port]" + where);
        }
        return new Settings(pick("--listen", listen, f.listen()), p, tok, tokFile, data.toAbsolutePath().normalize(), dirs, logs,
                format, max, liveMax, tiers, prom, policy, new ServerConfig.Access(hosts, origins));
    }

    private static String readToken(Path file) throws BadSetting {
        String t;
        try {
            t = Files.readAllLines(file).stream().findFirst().orElse("").strip();
        } catch (IOException e) {
            throw new BadSetting("token-file: cannot read " + file + ": " + e.getMessage());
        }
        if (t.isEmpty()) throw new BadSetting("token-file: " + file + " is empty");
        if (t.length() < 16) throw new BadSetting("token-file: the token in " + file + " is shorter than 16 characters");
        return t;
    }

    /** Whether others than the owner may read the token file (said at start; the token is a password). */
    private static boolean readableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.GROUP_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public Integer call() {
        Settings s;
        try {
            s = settings();
        } catch (BadSetting e) {
            System.err.println("skbscope serve: " + e.getMessage());
            return 2;
        }
        // read by the kernel tracer when the first live session attaches it
        System.setProperty("skbscope.kernel.maxEventsPerSecond", Long.toString(s.liveMaxEvents()));
        Path logFile = ServeLogging.configure(s.logDir(), s.logFormat(), ServeLogging.underJournald());
        Logger log = LoggerFactory.getLogger("serve");
        // the banner: plain lines on stdout, or log records where stdout must be JSON only
        Consumer<String> say = s.logFormat() == ServeLogging.Format.JSON ? log::info : System.out::println;
        if (s.tokenFile() != null && readableByOthers(s.tokenFile()))
            log.warn("token file {} is readable by group or others; chmod 600 it", s.tokenFile());

        ServerConfig cfg = ServerConfig.defaults(s.dataDir())
                .withPort(s.port()).withAllowDirs(s.allowDirs()).withMaxSessions(s.maxSessions())
                .withHistory(s.history()).withMetrics(s.metrics()).withPrometheus(s.prometheus()).withAccess(s.access());
        String tok = s.token();
        boolean generated = false;
        ServerConfig probe = cfg.withListen(s.listen(), tok);
        if (!probe.loopbackOnly() && tok == null) {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            tok = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            generated = true;
        }
        ServerConfig serverConfig = cfg.withListen(s.listen(), tok);
        LiveBackends live = LiveBackends.load();
        SkbscopeServer server;
        int bound;
        try {
            server = new SkbscopeServer(serverConfig, live);
            bound = server.start();
            server.startIndexWorker();   // ready before the first packet query of a recording
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            System.err.println("skbscope serve: cannot listen on " + s.listen() + ":" + s.port() + ": " + root.getMessage());
            live.shutdown();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        SkbscopeServer srv = server;
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable shutdown = () -> {
            if (!once.compareAndSet(false, true)) return;
            say.accept("skbscope serve: stopping (sessions are flushed to " + serverConfig.dataDir() + ")");
            srv.close();
            stopped.countDown();
        };
        ShutdownSignals.onTermOrInt(shutdown);
        // other exits (System.exit elsewhere, SIGHUP): the same, from a hook
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "shutdown"));

        String host = s.listen().contains(":") ? "[" + s.listen() + "]" : s.listen();
        String base = "http://" + host + ":" + bound;
        say.accept("skbscope serve: listening on " + base);
        say.accept("  web UI      " + base + "/" + (server.uiBuilt() ? "" : "   (UI not built into this jar: a placeholder page is served)"));
        say.accept("  REST API    " + base + "/api   (e.g. " + base + "/api/health)");
        say.accept("  Socket.IO   " + base + "/socket.io   (v4; join_session -> session_stats_update every 1 s)");
        say.accept("  metrics     " + base + "/metrics");
        say.accept("  data dir    " + serverConfig.dataDir() + "   logs " + logFile + (config != null ? "   config " + config : ""));
        say.accept("  alerts      " + base + "/api/alerts   (rules: /api/alerts/rules; history kept " + serverConfig.history() + ")");
        if (s.prometheus() != null) say.accept("  hosts page  " + base + "/#/hosts   (from Prometheus " + s.prometheus() + ")");
        if (tok != null) {
            if (generated) say.accept("  token       " + tok + "   (generated; pass --token or --token-file to choose one)");
            else say.accept("  token       " + (s.tokenFile() == null ? tok : "from " + s.tokenFile() + " (not shown)"));
            say.accept("              send 'Authorization: Bearer <token>' or ?token=<token>; Socket.IO: auth {token}");
        }
        boolean anyLive = false;
        for (String line : live.describe()) {
            say.accept("  live " + line);
            anyLive |= line.contains(": available");
        }
        if (!anyLive) say.accept("  live tracing is unavailable here; replay and the synthetic demo source work.");
        else say.accept("  live        " + (s.liveMaxEvents() == 0 ? "traces every packet (--live-max-events 0)"
                : "samples packets above " + s.liveMaxEvents() + " kernel events/s, counts scaled (--live-max-events)"));
        say.accept("  demo        curl -s -X POST " + base + "/api/sessions -H 'Content-Type: application/json'"
                + (tok != null ? " -H 'Authorization: Bearer " + (s.tokenFile() == null ? tok : "<token>") + "'" : "")
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

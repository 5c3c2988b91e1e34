package dev.skbscope.cli.top;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.cli.remote.ServerAddress;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.LiveBackends;
import dev.skbscope.server.session.SessionSpecParser;
import dev.skbscope.sources.live.LiveBackend;
import dev.skbscope.sources.recording.RecordingFormat;
import dev.skbscope.sources.recording.RecordingWriter;
import dev.skbscope.sources.recording.ReplaySource;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code skbscope top}: a live full-screen view of a session's pipeline, in the terminal. */
@Command(name = "top", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A live terminal view of a trace session: header, the pipeline's nodes with packets/s, "
                + "in-flight, latency and drops, and panels for verdicts, drop reasons, functions and alerts. "
                + "Refreshes every second.",
                "Sources: a running server (default; --server URL), the kernel traced by this process (--live), "
                + "or a recording replayed at its own speed (FILE).",
                "Without a terminal (a pipe), or with --plain / --once, prints one plain-text frame per second."},
        footerHeading = "%nKeys:%n",
        footer = {"  q quit   s sort   f freeze   Tab/n/N switch session   1-9 pick a session   p panels   "
                + "Up/Down scroll   ? help"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the source could not be used (no stats, live tracing unavailable, unreadable file)",
                "2:bad usage"})
public final class TopCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "a recording to replay at its own speed (pipeline-trace, Retis or pwru; .gz too)")
    Path file;

    @Option(names = "--server", paramLabel = "URL", description = "a running skbscope server (default: " + ServerAddress.DEFAULT_URL + ")")
    String server;

    @Option(names = "--token", paramLabel = "T", description = "the server's access token (or set " + ServerAddress.TOKEN_ENV + ")")
    String token;

    @Option(names = "--session", paramLabel = "ID", description = "the server session to show first (default: the newest running one)")
    String session;

    @Option(names = "--live", description = "trace the kernel from this process (root; see README for what this kernel allows)")
    boolean live;

    @Option(names = "--mode", defaultValue = "full", paramLabel = "MODE", description = "with --live: full, nft or multifunction (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--filter", split = ",", paramLabel = "KEY=VALUE",
            description = "with --live: packet filter, e.g. --filter host=10.0.0.1,proto=tcp,dport=443 "
                    + "(keys: proto, src, dst, host, sport, dport, port, ifindex, netns)")
    Map<String, String> filter = new LinkedHashMap<>();

    @Option(names = "--record", paramLabel = "FILE",
            description = "with --live: also write the events to a recording (.jsonl or .jsonl.gz), e.g. for diff")
    Path record;

    @Option(names = "--speed", defaultValue = "1", paramLabel = "X", description = "with FILE: 1 = recorded pace (default), 2 = twice as fast")
    double speed;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "FORMAT", description = "with FILE: auto, pipeline, retis or pwru")
    RecordingFormat format;

    @Option(names = "--plain", description = "plain text frames, one per second, even on a terminal")
    boolean plain;

    @Option(names = "--once", description = "print one plain frame (as soon as there are stats) and exit")
    boolean once;

    @Option(names = "--no-color", description = "no colours (also when NO_COLOR is set)")
    boolean noColor;

    @Option(names = "--width", paramLabel = "N", description = "width of plain frames (default: $COLUMNS, else 100)")
    Integer width;

    @Override
    public Integer call() {
        int sources = (file != null ? 1 : 0) + (live ? 1 : 0) + (server != null ? 1 : 0);
        if (sources > 1) throw new ParameterException(spec.commandLine(), "give one source: --server URL, --live or FILE");
        if (!live && (!filter.isEmpty() || !"full".equals(mode) || record != null))
            throw new ParameterException(spec.commandLine(), "--filter, --mode and --record apply to --live only");
        if (file == null && (speed != 1 || format != RecordingFormat.AUTO))
            throw new ParameterException(spec.commandLine(), "--speed and --format apply to FILE only");
        if (!(speed > 0) || Double.isInfinite(speed)) throw new ParameterException(spec.commandLine(), "--speed must be > 0");
        if (width != null && (width < 40 || width > 1000)) throw new ParameterException(spec.commandLine(), "--width must be within 40..1000");

        boolean interactive = !plain && !once && System.console() != null && System.console().isTerminal();
        String noColorEnv = System.getenv("NO_COLOR");
        boolean color = !noColor && (noColorEnv == null || noColorEnv.isEmpty()) && !"dumb".equals(System.getenv("TERM"));
        quietLogs(interactive);

        StatsFeed feed;
        try {
            feed = openFeed();
        } catch (ParameterException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("skbscope top: " + e.getMessage());
            return 1;
        }
        AtomicBoolean closed = new AtomicBoolean();
        Runnable close = () -> { if (closed.compareAndSet(false, true)) feed.close(); };
        Thread hook = new Thread(close, "top-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (interactive) {
                Terminal terminal = TerminalBuilder.builder().system(true).name("skbscope top").build();
                boolean unicode = unicode(terminal.encoding());
                return TopTerminal.run(terminal, feed, new TopScreen(color, unicode, true));
            }
            PrintStream out = System.out;
            boolean unicode = unicode(out.charset());
            return PlainTop.run(feed, new TopScreen(false, unicode, false), out, plainWidth(), once, 30_000);
        } catch (IOException e) {
            System.err.println("skbscope top: cannot use the terminal: " + e.getMessage());
            return 1;
        } finally {
            close.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    private StatsFeed openFeed() throws IOException {
        if (file != null) {
            if (!Files.isReadable(file)) throw new IOException("recording not found: " + file);
            String name = file.getFileName().toString();
            String fileMode;
            try (ReplaySource probe = ReplaySource.open(file, format, 0)) {
                fileMode = probe.mode("full");
            }
            String pace = "at " + (speed == Math.rint(speed) ? Long.toString((long) speed) : Double.toString(speed)) + "x speed";
            return new LocalFeed(pace, name, fileMode, "recording", () -> ReplaySource.open(file, format, speed), null, null);
        }
        if (live) {
            PacketFilter f = parseFilter();
            System.err.println("skbscope top: probing what this kernel lets us observe...");
            LiveBackends backends = LiveBackends.load();
            @SuppressWarnings("unchecked")
            Map<String, Object> modeCaps = (Map<String, Object>) ((Map<String, Object>) backends.capabilities().get("modes")).get(mode);
            if (modeCaps == null) throw new ParameterException(spec.commandLine(), "--mode must be full, nft or multifunction");
            if (!Boolean.TRUE.equals(modeCaps.get("available"))) {
                backends.shutdown();
                throw new IOException("live tracing (mode " + mode + ") is unavailable here: " + modeCaps.get("reason")
                        + "; './skbscope top FILE' replays a recording, and a server's synthetic demo session works anywhere");
            }
            LocalFeed feed = new LocalFeed("live kernel", "live", mode, "live",
                    () -> backends.open(new LiveBackend.LiveRequest("top-live", mode, f, SessionConfig.DEFAULT_MAX_FUNCTIONS)),
                    f, backends::shutdown);
            if (record != null) {
                Map<String, Object> header = new LinkedHashMap<>();
                header.put("mode", mode);
                header.put("session_id", "live");
                header.put("source", "live");
                header.put("created_at", java.time.Instant.now().toString());
                if (!filter.isEmpty()) header.put("filter", filter);
                feed.recordingTo(() -> new RecordingWriter(record, header));
            }
            return feed;
        }
        ServerAddress address = ServerAddress.parse(server, token);
        return new ServerFeed(address, session);
    }

    /** The --filter pairs as the server's filter object, validated by the same parser as a session's. */
    private PacketFilter parseFilter() {
        if (filter.isEmpty()) return PacketFilter.ANY;
        ObjectNode f = JsonNodeFactory.instance.objectNode();
        for (var e : filter.entrySet()) {
            String k = e.getKey().strip().toLowerCase(java.util.Locale.ROOT);
            if (k.equals("proto")) k = "protocol";
            String v = e.getValue().strip();
            if (v.matches("\\d{1,18}") && !k.equals("protocol")) f.put(k, Long.parseLong(v));
            else f.put(k, v);
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("filter", f);
        try {
            return new SessionSpecParser(List.of()).parse(body, "top").filter();
        } catch (ApiException e) {
            throw new ParameterException(spec.commandLine(), "--filter: " + e.getMessage().replaceFirst("^filter\\.?", ""));
        }
    }

    private int plainWidth() {
        if (width != null) return width;
        try {
            String c = System.getenv("COLUMNS");
            if (c != null) return Math.max(40, Math.min(1000, Integer.parseInt(c.strip())));
        } catch (NumberFormatException ignored) {
            // fall through
        }
        return 100;
    }

    private static boolean unicode(Charset cs) {
        return cs != null && cs.name().toUpperCase(java.util.Locale.ROOT).startsWith("UTF");
    }

    /** On the full screen a log line would tear the view: only errors, and only in plain mode on stderr. */
    private static void quietLogs(boolean interactive) {
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.setLevel(interactive ? Level.OFF : Level.WARN);
        }
    }
}

package dev.skbscope.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Logging of {@code skbscope serve}: to stdout and to a rotated {@code app.log} (the seed's
 * {@code tail -f logs/app.log}). Other commands keep logback.xml's stderr-only setup so their
 * stdout stays clean. Call once, from main, before the server starts.
 *
 * <p>Formats: {@code text} is one plain line per record; under systemd (stdout connected to the
 * journal) the stdout lines carry no timestamp, since the journal stamps every line itself, but a
 * syslog priority prefix ({@code <4>} for WARN...) that journald turns into the record's priority
 * ({@code journalctl -p warning}). {@code json} is one JSON object per line, on stdout and in
 * app.log, written by logback's own {@link JsonEncoder}.
 */
final class ServeLogging {
    private ServeLogging() { }

    enum Format {
        TEXT, JSON;

        /** The format named (case-insensitive), or null. */
        static Format parse(String s) {
            if (s == null) return null;
            return switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "text", "plain" -> TEXT;
                case "json" -> JSON;
                default -> null;
            };
        }
    }

    /** Timestamped lines (a terminal, app.log). */
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n";
    /**
     * Lines for the journal: the sd-daemon priority prefix ({@code <3>} error, {@code <4>} warning,
     * {@code <6>} info, {@code <7>} debug) and no timestamp. Stock logback has no such converter, so
     * the level is mapped with nested {@code %replace}.
     */
    static final String JOURNAL_PATTERN = "%replace(%replace(%replace(%replace(%level){'^ERROR$','<3>'}){'^WARN$','<4>'})"
            + "{'^INFO$','<6>'}){'^(DEBUG|TRACE)$','<7>'}%-5level [%thread] %logger{0} - %msg%n";

    /**
     * True when stdout goes to the systemd journal: systemd sets {@code JOURNAL_STREAM} to the
     * device and inode of the journal stream it connected (sd_journal_stream_fd(3)).
     */
    static boolean underJournald() {
        String s = System.getenv("JOURNAL_STREAM");
        return s != null && s.matches("\\d+:\\d+");
    }

    /** Sets up stdout and {@code <logDir>/app.log}; returns the log file's path. */
    static Path configure(Path logDir, Format format, boolean journald) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        String level = System.getenv().getOrDefault("SKBSCOPE_LOG_LEVEL", "INFO");
        root.setLevel(Level.toLevel(level, Level.INFO));
        ctx.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
        ctx.getLogger("io.javalin").setLevel(Level.WARN);

        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("STDOUT");
        console.setEncoder(format == Format.JSON ? json(ctx) : pattern(ctx, journald ? JOURNAL_PATTERN : TEXT_PATTERN));
        console.start();
        root.addAppender(console);

        Path file = logDir.resolve("app.log").toAbsolutePath();
        RollingFileAppender<ILoggingEvent> rolling = new RollingFileAppender<>();
        rolling.setContext(ctx);
        rolling.setName("FILE");
        rolling.setFile(file.toString());
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(ctx);
        policy.setParent(rolling);
        policy.setFileNamePattern(logDir.toAbsolutePath().resolve("app.%d{yyyy-MM-dd}.%i.log.gz").toString());
        policy.setMaxFileSize(FileSize.valueOf("10MB"));
        policy.setMaxHistory(7);
        policy.setTotalSizeCap(FileSize.valueOf("200MB"));
        policy.start();
        rolling.setRollingPolicy(policy);
        rolling.setEncoder(format == Format.JSON ? json(ctx) : pattern(ctx, TEXT_PATTERN));
        rolling.start();
        root.addAppender(rolling);

        // socket.io-server and engine.io log through java.util.logging, which prints to the console by
        // default: a malformed frame from any client put a parser warning and its stack trace there.
        // Route JUL into logback, and keep those libraries' messages in app.log only.
        java.util.logging.LogManager.getLogManager().reset();
        // their warnings one line each and at most 20 a minute: a client must not flood the log
        java.util.logging.Logger.getLogger("").addHandler(new LibraryLogBridge(System::currentTimeMillis));
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
        for (String lib : new String[] {"io.socket", "org.json"}) {
            Logger l = ctx.getLogger(lib);
            l.setAdditive(false);
            l.addAppender(rolling);
        }
        return file;
    }

    private static Encoder<ILoggingEvent> pattern(LoggerContext ctx, String pattern) {
        PatternLayoutEncoder e = new PatternLayoutEncoder();
        e.setContext(ctx);
        e.setPattern(pattern);
        e.start();
        return e;
    }

    /** {"timestamp":…,"level":…,"threadName":…,"loggerName":…,"formattedMessage":…[,"throwable":…]} per line. */
    private static Encoder<ILoggingEvent> json(LoggerContext ctx) {
        JsonEncoder e = new JsonEncoder();
        e.setContext(ctx);
        e.setWithSequenceNumber(false);
        e.setWithNanoseconds(false);
        e.setWithContext(false);
        e.setWithMDC(false);
        e.setWithKVPList(false);
        e.setWithArguments(false);
        e.setWithMessage(false);
        e.setWithFormattedMessage(true);
        e.start();
        return e;
    }
}

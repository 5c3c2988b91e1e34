package dev.skbscope.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Logging of {@code skbscope serve}: to stdout and to a rotated {@code app.log} (the seed's
 * {@code tail -f logs/app.log}). Other commands keep logback.xml's stderr-only setup so their
 * stdout stays clean. Call once, from main, before the server starts.
 */
final class ServeLogging {
    private ServeLogging() { }

    static Path configure(Path logDir) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        String level = System.getenv().getOrDefault("SKBSCOPE_LOG_LEVEL", "INFO");
        root.setLevel(ch.qos.logback.classic.Level.toLevel(level, ch.qos.logback.classic.Level.INFO));
        ctx.getLogger("org.eclipse.jetty").setLevel(ch.qos.logback.classic.Level.WARN);
        ctx.getLogger("io.javalin").setLevel(ch.qos.logback.classic.Level.WARN);
        String pattern = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n";

        PatternLayoutEncoder out = encoder(ctx, pattern);
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("STDOUT");
        console.setEncoder(out);
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
        rolling.setEncoder(encoder(ctx, pattern));
        rolling.start();
        root.addAppender(rolling);

        // socket.io-server and engine.io log through java.util.logging, which prints to the console by
        // default: a malformed frame from any client put a parser warning and its stack trace there.
        // Route JUL into logback, and keep those libraries' messages in app.log only.
        java.util.logging.LogManager.getLogManager().reset();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
        for (String lib : new String[] {"io.socket", "org.json"}) {
            Logger l = ctx.getLogger(lib);
            l.setAdditive(false);
            l.addAppender(rolling);
        }
        return file;
    }

    private static PatternLayoutEncoder encoder(LoggerContext ctx, String pattern) {
        PatternLayoutEncoder e = new PatternLayoutEncoder();
        e.setContext(ctx);
        e.setPattern(pattern);
        e.start();
        return e;
    }
}

package dev.skbscope.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import java.util.function.LongSupplier;

/**
 * java.util.logging into SLF4J, as {@link SLF4JBridgeHandler}, except for the two libraries a client
 * can make talk: socket.io-server's parser and org.json log every malformed frame, with a stack
 * trace (a thousand lines for a deeply nested one). Their records keep one line (the message and the
 * exception's own text, no stack) and at most {@link #PER_MINUTE} of them are logged each minute; the
 * next one after a minute with more says how many were left out. So a client that sends malformed
 * frames costs a few lines, not megabytes that push the server's own lines out of app.log.
 * Thread-safe: JUL publishes from any thread.
 */
final class LibraryLogBridge extends SLF4JBridgeHandler {
    static final int PER_MINUTE = 20;
    private static final int MAX_DETAIL = 300;
    private final LongSupplier clockMillis;
    private final SimpleFormatter formatter = new SimpleFormatter();
    private long minute = Long.MIN_VALUE;
    private int logged;
    private int leftOut;

    LibraryLogBridge(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    static boolean fromClientFacingLibrary(String logger) {
        return logger != null && (logger.startsWith("io.socket") || logger.startsWith("org.json"));
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null || !fromClientFacingLibrary(record.getLoggerName())) {
            super.publish(record);
            return;
        }
        int before;
        synchronized (this) {
            long m = Math.floorDiv(clockMillis.getAsLong(), 60_000);
            before = 0;
            if (m != minute) {
                before = leftOut;
                minute = m;
                logged = 0;
                leftOut = 0;
            }
            if (++logged > PER_MINUTE) {
                leftOut++;
                return;
            }
        }
        if (before > 0) super.publish(line(record, before + " more warnings like the next one (Socket.IO clients' malformed frames) were left out in the minute before"));
        String text = formatter.formatMessage(record);
        Throwable t = record.getThrown();
        super.publish(line(record, t == null ? text : text + ": " + brief(t)));
    }

    private static LogRecord line(LogRecord like, String message) {
        LogRecord r = new LogRecord(like.getLevel() == null ? Level.WARNING : like.getLevel(), message);
        r.setLoggerName(like.getLoggerName());
        r.setInstant(like.getInstant());
        return r;
    }

    /** The exception's class and message and those of its causes, on one line, bounded. */
    static String brief(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null && b.length() < MAX_DETAIL; c = c.getCause() == c ? null : c.getCause()) {
            if (!b.isEmpty()) b.append("; caused by ");
            b.append(c.getClass().getSimpleName());
            if (c.getMessage() != null) b.append(": ").append(c.getMessage().replaceAll("\\s+", " "));
        }
        return b.length() > MAX_DETAIL ? b.substring(0, MAX_DETAIL) + "…" : b.toString();
    }
}

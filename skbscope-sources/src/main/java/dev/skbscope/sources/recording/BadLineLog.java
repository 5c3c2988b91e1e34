package dev.skbscope.sources.recording;

import org.slf4j.Logger;

/**
 * Logs bad recording lines as {@code file:line: reason}, one WARN line each for the first
 * {@link #LIMIT}, then only counts them and logs a summary at the end. Not thread-safe.
 */
final class BadLineLog {
    static final int LIMIT = 20;
    private final Logger log;
    private final String file;
    private long count;
    private boolean finished;

    BadLineLog(Logger log, String file) {
        this.log = log;
        this.file = file;
    }

    void report(long lineNo, String reason) {
        count++;
        if (count <= LIMIT) log.warn("{}:{}: bad line, skipped: {}", file, lineNo, reason);
        if (count == LIMIT) log.warn("{}: more bad lines are counted but not logged", file);
    }

    /** Logs the summary once, when lines went unlogged. */
    void finish() {
        if (finished) return;
        finished = true;
        if (count > LIMIT) log.warn("{}: {} bad lines in total ({} not logged)", file, count, count - LIMIT);
    }

    long count() { return count; }
}

package dev.skbscope.cli.top;

import dev.skbscope.cli.top.FeedState.Connection;
import org.jline.utils.AttributedString;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code top} without a terminal (a pipe, {@code --plain}, {@code --once}): one plain-text frame per
 * second on stdout, for logs and {@code watch}. Runs on the caller's thread.
 */
final class PlainTop {
    private PlainTop() { }

    /**
     * @param once      print one frame, as soon as there are stats (or after {@code waitMs}), then stop
     * @param waitMs    how long {@code once} waits for the first stats
     * @return 0, or 1 when {@code once} found no stats or the source failed
     */
    static int run(StatsFeed feed, TopScreen screen, PrintStream out, int width, boolean once, long waitMs) {
        feed.start(() -> { });
        long start = System.nanoTime();
        long next = start + 1_000_000_000L;
        while (true) {
            long wait = next - System.nanoTime();
            if (once) {
                // --once: the first stats covering a second (a local source starts from nothing), or
                // what there is when the wait is over
                while (!firstSecond(feed) && feed.state().connection() != Connection.ENDED
                        && System.nanoTime() - start < waitMs * 1_000_000L) {
                    LockSupport.parkNanos(50_000_000L);
                    feed.tick();
                }
                feed.tick();
                FeedState s = feed.state();
                print(screen.render(s, width, 10_000), out);
                if (s.stats() == null) System.err.println("skbscope top: no stats within " + waitMs / 1000 + " s"
                        + (s.detail() == null ? "" : ": " + s.detail()));
                return s.stats() == null || failed(s) ? 1 : 0;
            }
            if (wait > 0) LockSupport.parkNanos(wait);
            next += 1_000_000_000L;
            feed.tick();
            FeedState s = feed.state();
            print(screen.render(s, width, 10_000), out);
            out.println();
            if (out.checkError()) return 0;   // the reader went away (e.g. | head)
            if (s.connection() == Connection.ENDED) return failed(s) ? 1 : 0;
        }
    }

    private static boolean firstSecond(StatsFeed feed) {
        var st = feed.state().stats();
        return st != null && (!(feed instanceof LocalFeed) || st.uptimeSeconds() >= 1.0);
    }

    private static boolean failed(FeedState s) {
        var info = s.currentInfo();
        return info != null && info.state().equals("failed");
    }

    private static void print(List<AttributedString> lines, PrintStream out) {
        StringBuilder b = new StringBuilder();
        for (AttributedString l : lines) b.append(l.toString().stripTrailing()).append('\n');
        out.print(b);
        out.flush();
    }
}

package dev.skbscope.sources.recording;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.sources.EventSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: read a source to the end, capture the replay log, find fixtures. */
final class Recordings {
    private Recordings() { }

    static Path resource(String name) {
        try {
            return Path.of(Recordings.class.getResource("/recordings/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<TraceEvent> readAll(EventSource source) throws IOException {
        List<TraceEvent> out = new ArrayList<>();
        EventBatch batch = new EventBatch(64);
        while (true) {
            batch.reset();
            int n = source.poll(batch);
            if (n < 0) return out;
            for (int i = 0; i < n; i++) out.add(new TraceEvent().copyFrom(batch.get(i)));
        }
    }

    static List<TraceEvent> replay(Path path, RecordingFormat format) throws IOException {
        try (ReplaySource src = ReplaySource.open(path, format, 0)) {
            return readAll(src);
        }
    }

    /** Captures what ReplaySource logs while attached. */
    static ListAppender<ILoggingEvent> captureLog() {
        Logger logger = (Logger) LoggerFactory.getLogger(ReplaySource.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }

    static void release(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(ReplaySource.class)).detachAppender(appender);
    }

    static List<String> messages(ListAppender<ILoggingEvent> appender) {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Every field, for comparing events. */
    static String fields(TraceEvent e) {
        return String.join(",", "ts=" + e.tsNs, "skb=" + e.skb, "hasSkb=" + e.hasSkb, "probe=" + e.probeName(),
                "hook=" + e.hook, "verdict=" + e.verdict, "drop=" + e.dropReason, "ifindex=" + e.ifindex,
                "len=" + e.len, "cpu=" + e.cpu, "pid=" + e.pid, "netns=" + e.netns, "proto=" + e.proto,
                "ipv=" + e.ipVersion, "src=" + e.srcHi + "/" + e.srcLo, "dst=" + e.dstHi + "/" + e.dstLo,
                "sport=" + e.sport, "dport=" + e.dport, "flags=" + e.tcpFlags, "table=" + e.table,
                "chain=" + e.chain, "rule=" + e.ruleHandle, "trace=" + e.traceId, "weight=" + e.weight);
    }
}

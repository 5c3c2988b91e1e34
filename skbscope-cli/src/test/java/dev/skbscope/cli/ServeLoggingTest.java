package dev.skbscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Log lines of {@code serve}: plain, journald (no timestamp, a priority) and JSON; app.log in each case. */
class ServeLoggingTest {
    @TempDir Path dir;
    private final PrintStream stdout = System.out;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private List<String> logTwo(ServeLogging.Format format, boolean journald) {
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ServeLogging.configure(dir, format, journald);
            var log = LoggerFactory.getLogger("dev.skbscope.server.session.Session");
            log.info("[Session] Started tracking for session: {}", "s1");
            log.warn("disk \"almost\" full");
        } finally {
            System.setOut(stdout);
            ((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("ROOT").detachAndStopAllAppenders();
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @AfterEach
    void restore() {
        System.setOut(stdout);
    }

    @Test
    void textOnATerminalIsTimestamped() throws Exception {
        List<String> out = logTwo(ServeLogging.Format.TEXT, false);
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main] Session - \\[Session] Started tracking for session: s1");
        assertThat(Files.readAllLines(dir.resolve("app.log"))).isEqualTo(out);
    }

    @Test
    void underJournaldLinesCarryAPriorityAndNoTimestamp() throws Exception {
        List<String> out = logTwo(ServeLogging.Format.TEXT, true);
        assertThat(out).containsExactly("<6>INFO  [main] Session - [Session] Started tracking for session: s1",
                "<4>WARN  [main] Session - disk \"almost\" full");
        // app.log keeps its timestamps: it is read without the journal
        assertThat(Files.readAllLines(dir.resolve("app.log")).get(0)).matches("\\d{4}-.* INFO  \\[main] Session - .*");
    }

    @Test
    void jsonIsOneObjectPerLineOnStdoutAndInTheFile() throws Exception {
        List<String> out = logTwo(ServeLogging.Format.JSON, true);
        ObjectMapper m = new ObjectMapper();
        assertThat(out).hasSize(2);
        JsonNode first = m.readTree(out.get(0));
        assertThat(first.path("level").asText()).isEqualTo("INFO");
        assertThat(first.path("loggerName").asText()).isEqualTo("dev.skbscope.server.session.Session");
        assertThat(first.path("formattedMessage").asText()).isEqualTo("[Session] Started tracking for session: s1");
        assertThat(first.path("timestamp").asLong()).isPositive();
        assertThat(m.readTree(out.get(1)).path("formattedMessage").asText()).isEqualTo("disk \"almost\" full");
        List<String> file = Files.readAllLines(dir.resolve("app.log"));
        assertThat(file).hasSize(2);
        assertThat(m.readTree(file.get(1)).path("level").asText()).isEqualTo("WARN");
    }

    @Test
    void socketIoParserWarningsGoToTheLogFileOnly() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(console, true, StandardCharsets.UTF_8);
        Path log;
        try {
            System.setOut(capture);
            System.setErr(capture);
            log = ServeLogging.configure(dir, ServeLogging.Format.TEXT, false);
            // socket.io-server logs through java.util.logging, which printed this (with a stack trace) on the console
            java.util.logging.Logger.getLogger("io.socket.socketio.server.parser.IOParser$Decoder").log(java.util.logging.Level.WARNING,
                    "An error occured while retrieving data from JSONTokener", new RuntimeException("Expected a ',' or ']'"));
            LoggerFactory.getLogger("dev.skbscope.server.Test").info("[Session] ours stay on the console");
        } finally {
            System.setOut(stdout);
            System.setErr(err);
            ((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("ROOT").detachAndStopAllAppenders();
            ((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("io.socket").detachAndStopAllAppenders();
        }
        String c = console.toString(StandardCharsets.UTF_8);
        assertThat(c).doesNotContain("JSONTokener").contains("ours stay on the console");
        String file = Files.readString(log);
        assertThat(file).contains("JSONTokener").contains("ours stay on the console");
    }

    /** Before: each malformed frame's warning came with its stack trace, about 1,000 lines for a deep one. */
    @Test
    void libraryWarningsAreOneLineEachAndAtMostTwentyAMinute() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(console, true, StandardCharsets.UTF_8);
        Path log;
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000);
        try {
            System.setOut(capture);
            System.setErr(capture);
            log = ServeLogging.configure(dir, ServeLogging.Format.TEXT, false);
            LibraryLogBridge bridge = new LibraryLogBridge(now::get);
            RuntimeException deep = new RuntimeException("JSON Array or Object depth too large to process.", new StackOverflowError());
            for (int i = 0; i < 1000; i++) {
                java.util.logging.LogRecord r = new java.util.logging.LogRecord(java.util.logging.Level.WARNING,
                        "An error occured while retrieving data from JSONTokener");
                r.setLoggerName("io.socket.socketio.server.parser.IOParser$Decoder");
                r.setThrown(deep);
                bridge.publish(r);
            }
            now.set(61_000);
            java.util.logging.LogRecord next = new java.util.logging.LogRecord(java.util.logging.Level.WARNING, "Unterminated string at {0}");
            next.setLoggerName("org.json.JSONTokener");
            next.setParameters(new Object[] {12});
            bridge.publish(next);
            java.util.logging.LogRecord ours = new java.util.logging.LogRecord(java.util.logging.Level.WARNING, "not a library: kept whole");
            ours.setLoggerName("dev.skbscope.server.Test");
            ours.setThrown(deep);
            bridge.publish(ours);
        } finally {
            System.setOut(stdout);
            System.setErr(err);
            var ctx = (ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory();
            ctx.getLogger("ROOT").detachAndStopAllAppenders();
            ctx.getLogger("io.socket").detachAndStopAllAppenders();
            ctx.getLogger("org.json").detachAndStopAllAppenders();
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.stream().filter(l -> l.contains("JSONTokener: RuntimeException: JSON Array or Object depth too large"
                + " to process.; caused by StackOverflowError"))).hasSize(LibraryLogBridge.PER_MINUTE);
        assertThat(lines).anySatisfy(l -> assertThat(l).endsWith("980 more warnings like the next one (Socket.IO clients' malformed frames)"
                + " were left out in the minute before"));
        assertThat(lines).anySatisfy(l -> assertThat(l).endsWith("Unterminated string at 12"));
        // 1,001 library warnings are 22 lines, without a stack; the server's own keep theirs
        int ours = 0;
        while (ours < lines.size() && !lines.get(ours).contains("not a library: kept whole")) ours++;
        assertThat(ours).isEqualTo(LibraryLogBridge.PER_MINUTE + 2);
        assertThat(lines.subList(ours + 1, lines.size())).anySatisfy(l -> assertThat(l).startsWith("\tat "));
    }
}

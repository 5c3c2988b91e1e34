package dev.skbscope.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** serve's logging: library warnings (socket.io's parser, through java.util.logging) go to app.log, not the console. */
class ServeLoggingTest {
    @TempDir Path dir;

    @Test
    void socketIoParserWarningsGoToTheLogFileOnly() throws Exception {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(console, true, StandardCharsets.UTF_8);
        Path log;
        try {
            System.setOut(capture);
            System.setErr(capture);
            log = ServeLogging.configure(dir);
            java.util.logging.Logger.getLogger("io.socket.socketio.server.parser.IOParser$Decoder").log(java.util.logging.Level.WARNING,
                    "An error occured while retrieving data from JSONTokener", new RuntimeException("Expected a ',' or ']'"));
            org.slf4j.LoggerFactory.getLogger("dev.skbscope.server.Test").info("[Session] ours stay on the console");
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String c = console.toString(StandardCharsets.UTF_8);
        assertThat(c).doesNotContain("JSONTokener").contains("ours stay on the console");
        long end = System.nanoTime() + 5_000_000_000L;
        String file = "";
        while (System.nanoTime() < end && !(file = Files.exists(log) ? Files.readString(log) : "").contains("JSONTokener")) Thread.sleep(20);
        assertThat(file).contains("JSONTokener").contains("ours stay on the console");
    }
}

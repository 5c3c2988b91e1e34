package dev.skbscope.server.session;

import java.nio.file.Path;

/** Where a session's events come from, as validated from the request. Immutable. */
public sealed interface SourceSpec {
    String kind();

    /** The live kernel, through the backend serving the session's mode. */
    record Live() implements SourceSpec {
        public String kind() { return "live"; }
    }

    /**
     * A recording inside the data dir's {@code recordings/} or an allowed directory.
     * @param path     as the client gave it
     * @param resolved the real file
     * @param speed    1.0 original pace, 0 as fast as possible
     */
    record Replay(String path, Path resolved, double speed) implements SourceSpec {
        public String kind() { return "replay"; }
    }

    /** The synthetic generator, paced in real time. */
    record Synthetic(double rate, long seed, double dropShare) implements SourceSpec {
        public String kind() { return "synthetic"; }
    }
}

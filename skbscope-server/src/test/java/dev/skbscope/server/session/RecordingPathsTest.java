package dev.skbscope.server.session;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Client-given recording paths stay inside the allowed directories, whatever the client tries. */
class RecordingPathsTest {
    @TempDir Path root;
    Path recordings, extra, outside;
    RecordingPaths paths;

    @BeforeEach
    void setUp() throws Exception {
        recordings = Files.createDirectories(root.resolve("data/recordings"));
        extra = Files.createDirectories(root.resolve("extra"));
        outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(recordings.resolve("a.jsonl"), "{}\n");
        Files.createDirectories(recordings.resolve("sub"));
        Files.writeString(recordings.resolve("sub/b.jsonl"), "{}\n");
        Files.writeString(extra.resolve("c.jsonl"), "{}\n");
        Files.writeString(outside.resolve("secret.jsonl"), "{}\n");
        paths = new RecordingPaths(List.of(recordings, extra));
    }

    @Test
    void relativeNamesAreLookedUpInEachDirectoryInOrder() throws Exception {
        assertThat(paths.resolve("a.jsonl")).isEqualTo(recordings.resolve("a.jsonl").toRealPath());
        assertThat(paths.resolve("sub/b.jsonl")).isEqualTo(recordings.resolve("sub/b.jsonl").toRealPath());
        assertThat(paths.resolve("./sub/./b.jsonl")).isEqualTo(recordings.resolve("sub/b.jsonl").toRealPath());
        assertThat(paths.resolve("c.jsonl")).isEqualTo(extra.resolve("c.jsonl").toRealPath());
    }

    @Test
    void absolutePathsInsideAnAllowedDirectoryAreRead() throws Exception {
        assertThat(paths.resolve(extra.resolve("c.jsonl").toString())).isEqualTo(extra.resolve("c.jsonl").toRealPath());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../outside/secret.jsonl", "sub/../../outside/secret.jsonl", "..", "sub/..", "a.jsonl/..",
            "../../../../../../etc/passwd"})
    void dotDotIsRefused(String given) {
        assertThatThrownBy(() -> paths.resolve(given)).isInstanceOf(RecordingPaths.Refused.class).hasMessageContaining("'..'");
    }

    @Test
    void absolutePathsOutsideAreRefusedLikeMissingFiles() {
        String missing = assertRefused(recordings.resolve("nope.jsonl").toString());
        assertThat(assertRefused(outside.resolve("secret.jsonl").toString())).isEqualTo(missing);
        assertThat(assertRefused("/etc/passwd")).isEqualTo(missing);
        assertThat(assertRefused("/proc/self/environ")).isEqualTo(missing);
        assertThat(missing).doesNotContain(root.toString());
    }

    @Test
    void symlinksPointingOutAreRefused() throws Exception {
        Files.createSymbolicLink(recordings.resolve("link.jsonl"), outside.resolve("secret.jsonl"));
        Files.createSymbolicLink(recordings.resolve("dirlink"), outside);
        Files.createSymbolicLink(recordings.resolve("etc"), Path.of("/etc"));
        String missing = assertRefused("nope.jsonl");
        assertThat(assertRefused("link.jsonl")).isEqualTo(missing);
        assertThat(assertRefused("dirlink/secret.jsonl")).isEqualTo(missing);
        assertThat(assertRefused("etc/passwd")).isEqualTo(missing);
        assertThat(assertRefused(recordings.resolve("link.jsonl").toString())).doesNotContain(root.toString());
    }

    @Test
    void symlinksBetweenAllowedDirectoriesAreFollowed() throws Exception {
        Files.createSymbolicLink(recordings.resolve("to-extra.jsonl"), extra.resolve("c.jsonl"));
        assertThat(paths.resolve("to-extra.jsonl")).isEqualTo(extra.resolve("c.jsonl").toRealPath());
    }

    @Test
    void anAllowedDirectoryThatIsItselfASymlinkStillConfines() throws Exception {
        Path linked = Files.createSymbolicLink(root.resolve("recs-link"), recordings);
        RecordingPaths p = new RecordingPaths(List.of(linked));
        assertThat(p.resolve("a.jsonl")).isEqualTo(recordings.resolve("a.jsonl").toRealPath());
        Files.createSymbolicLink(recordings.resolve("out.jsonl"), outside.resolve("secret.jsonl"));
        assertThatThrownBy(() -> p.resolve("out.jsonl")).isInstanceOf(RecordingPaths.Refused.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.jsonl\u0000.png", "\u0000", "a.jsonl\n", "sub\r/b.jsonl", "a\u001b[31m.jsonl", "a\u007f"})
    void controlCharactersAndNulAreRefused(String given) {
        assertThatThrownBy(() -> paths.resolve(given)).isInstanceOf(RecordingPaths.Refused.class).hasMessageContaining("control characters");
    }

    @Test
    void veryLongNamesAreRefusedBeforeTouchingTheFileSystem() {
        assertThatThrownBy(() -> paths.resolve("a".repeat(256))).hasMessageContaining("255 bytes");
        assertThatThrownBy(() -> paths.resolve("é".repeat(128))).hasMessageContaining("255 bytes");   // 256 bytes in UTF-8
        assertThatThrownBy(() -> paths.resolve("a/".repeat(2100))).hasMessageContaining("4096 bytes");
        assertThatThrownBy(() -> paths.resolve("x".repeat(1_000_000))).hasMessageContaining("4096 bytes");
    }

    @Test
    void directoriesFifosAndBlanksAreNotRecordings() throws Exception {
        assertRefused("sub");
        assertRefused(recordings.toString());
        Path fifo = recordings.resolve("fifo");
        if (new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0) assertRefused("fifo");
        assertRefused("/dev/zero");
        assertThatThrownBy(() -> paths.resolve("")).hasMessageContaining("required");
        assertThatThrownBy(() -> paths.resolve("   ")).hasMessageContaining("required");
        assertThatThrownBy(() -> paths.resolve(null)).hasMessageContaining("required");
    }

    private String assertRefused(String given) {
        try {
            paths.resolve(given);
        } catch (RecordingPaths.Refused e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + given);
    }
}

package dev.skbscope.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code serve --config FILE}: the file over the defaults, flags over the file, errors naming the key. */
class ServeSettingsTest {
    @TempDir Path dir;

    private ServeCommand.Settings settings(String... args) throws Exception {
        ServeCommand c = new ServeCommand();
        new CommandLine(c).parseArgs(args);
        return c.settings();
    }

    private Path config(String toml) throws Exception {
        Path f = dir.resolve("skbscope.toml");
        Files.writeString(f, toml);
        return f;
    }

    @Test
    void defaultsWithoutAFile() throws Exception {
        ServeCommand.Settings s = settings();
        assertThat(s.port()).isEqualTo(5000);
        assertThat(s.listen()).isEqualTo("127.0.0.1");
        assertThat(s.token()).isNull();
        assertThat(s.prometheus()).isNull();
        assertThat(s.logFormat()).isEqualTo(ServeLogging.Format.TEXT);
        assertThat(s.metrics().maxSessions()).isEqualTo(64);
        assertThat(s.metrics().grace()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void theFileSetsEveryKeyAndFlagsOverrideIt() throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "0123456789abcdef0123\n");
        Path f = config("""
                listen = "0.0.0.0"
                port = 5701
                token_file = "token"          # relative to the file
                data_dir = "/var/lib/skbscope"
                log_dir = "logs"
                log_format = "json"
                allow_dirs = ["/srv/recordings"]
                max_sessions = 8
                prometheus_url = "http://127.0.0.1:9090"

                [live]
                max_events = 1000

                [metrics]
                max_sessions = 4
                grace_seconds = 60
                drop_series = 16
                """);
        ServeCommand.Settings s = settings("--config", f.toString());
        assertThat(s.listen()).isEqualTo("0.0.0.0");
        assertThat(s.port()).isEqualTo(5701);
        assertThat(s.token()).isEqualTo("0123456789abcdef0123");
        assertThat(s.tokenFile()).isEqualTo(tokenFile);
        assertThat(s.dataDir()).isEqualTo(Path.of("/var/lib/skbscope"));
        assertThat(s.logDir()).isEqualTo(dir.resolve("logs"));
        assertThat(s.logFormat()).isEqualTo(ServeLogging.Format.JSON);
        assertThat(s.allowDirs()).containsExactly(Path.of("/srv/recordings"));
        assertThat(s.maxSessions()).isEqualTo(8);
        assertThat(s.liveMaxEvents()).isEqualTo(1000);
        assertThat(s.prometheus()).hasToString("http://127.0.0.1:9090");
        assertThat(s.metrics().maxSessions()).isEqualTo(4);
        assertThat(s.metrics().grace()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.metrics().maxDropSeries()).isEqualTo(16);

        ServeCommand.Settings o = settings("--config", f.toString(), "--port", "5702", "--listen", "127.0.0.1", "--token", "flag-token-0123456789",
                "--log-format", "text", "--allow-dir", "/tmp", "--prometheus", "http://127.0.0.1:9091/prom/", "--metrics-grace-seconds", "0",
                "--live-max-events", "0", "--data-dir", "d");
        assertThat(o.port()).isEqualTo(5702);
        assertThat(o.listen()).isEqualTo("127.0.0.1");
        assertThat(o.token()).isEqualTo("flag-token-0123456789");
        assertThat(o.tokenFile()).isNull();
        assertThat(o.logFormat()).isEqualTo(ServeLogging.Format.TEXT);
        assertThat(o.allowDirs()).containsExactly(Path.of("/tmp"));
        assertThat(o.prometheus()).hasToString("http://127.0.0.1:9091/prom/");
        assertThat(o.metrics().grace()).isZero();
        assertThat(o.metrics().maxSessions()).isEqualTo(4); // not overridden
        assertThat(o.liveMaxEvents()).isZero();
        assertThat(o.dataDir()).isEqualTo(Path.of("d").toAbsolutePath());
    }

    @Test
    void mistakesNameTheKey() throws Exception {
        record Case(String toml, String message) { }
        for (Case c : List.of(
                new Case("prot = 5000", "unknown key 'prot'"),
                new Case("[metrics]\nmax_session = 3", "unknown key 'metrics.max_session'"),
                new Case("port = \"high\"", "key 'port' has the wrong type: expected an integer"),
                new Case("port = 70000", "port must be within 0..65535"),
                new Case("log_format = \"xml\"", "log-format must be text or json"),
                new Case("prometheus_url = \"ftp://x\"", "prometheus: need an http(s) URL"),
                new Case("[metrics]\ngrace_seconds = -1", "metrics grace must be >= 0"),
                new Case("token_file = \"missing\"", "token-file: cannot read"),
                new Case("port = 1\nport = 2", "not valid TOML"),
                new Case("listen = ", "not valid TOML"))) {
            Path f = config(c.toml());
            assertThatThrownBy(() -> settings("--config", f.toString())).as(c.toml())
                    .isInstanceOf(ServeCommand.BadSetting.class).hasMessageContaining(c.message());
        }
        assertThatThrownBy(() -> settings("--config", dir.resolve("nope.toml").toString())).hasMessageContaining("no such file");
    }

    @Test
    void aShortOrEmptyTokenFileIsRefused() throws Exception {
        Path t = dir.resolve("t");
        Files.writeString(t, "short\n");
        assertThatThrownBy(() -> settings("--token-file", t.toString())).hasMessageContaining("shorter than 16");
        Files.writeString(t, "\n");
        assertThatThrownBy(() -> settings("--token-file", t.toString())).hasMessageContaining("is empty");
    }
}

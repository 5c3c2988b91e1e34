package dev.skbscope.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code skbscope serve --config FILE}: the settings of a server as a TOML file (what an installed
 * service reads from {@code /etc/skbscope/skbscope.toml}). Every key is optional; a flag on the
 * command line overrides the file, and the file overrides the built-in defaults. Parsed strictly by
 * Jackson's TOML module: an unknown key or a wrong type is an error naming the key. Immutable.
 *
 * <p>Relative paths in the file are taken relative to the file's directory, so a file means the
 * same wherever the server is started from.
 */
record ConfigFile(
        @JsonProperty("listen") String listen,
        @JsonProperty("port") Integer port,
        @JsonProperty("token_file") String tokenFile,
        @JsonProperty("data_dir") String dataDir,
        @JsonProperty("log_dir") String logDir,
        @JsonProperty("log_format") String logFormat,
        @JsonProperty("allow_dirs") List<String> allowDirs,
        @JsonProperty("allow_hosts") List<String> allowHosts,
        @JsonProperty("allow_origins") List<String> allowOrigins,
        @JsonProperty("max_sessions") Integer maxSessions,
        @JsonProperty("history_retention") String historyRetention,
        @JsonProperty("prometheus_url") String prometheusUrl,
        @JsonProperty("live") Live live,
        @JsonProperty("metrics") Metrics metrics) {

    /** {@code [live]}: kernel tracing. */
    record Live(@JsonProperty("max_events") Long maxEvents) { }

    /** {@code [metrics]}: bounds of {@code /metrics}. */
    record Metrics(@JsonProperty("max_sessions") Integer maxSessions,
                   @JsonProperty("grace_seconds") Long graceSeconds,
                   @JsonProperty("drop_series") Integer dropSeries) { }

    static final ConfigFile EMPTY = new ConfigFile(null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    private static final TomlMapper TOML = TomlMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** A config file that can't be used; the message names the file and the key. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static ConfigFile read(Path file) throws Invalid {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new Invalid(file + ": no such file");
        } catch (IOException e) {
            throw new Invalid(file + ": " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    static ConfigFile parse(String name, String text) throws Invalid {
        try {
            ConfigFile c = TOML.readValue(text, ConfigFile.class);
            return c == null ? EMPTY : c;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                    .collect(Collectors.joining(", ", " (known here: ", ")"));
            throw new Invalid(name + ": unknown key '" + keyPath(e) + "'" + known);
        } catch (MismatchedInputException e) {
            throw new Invalid(name + ": key '" + keyPath(e) + "' has the wrong type: expected " + typeName(e.getTargetType()));
        } catch (JsonMappingException e) {
            throw new Invalid(name + ": key '" + keyPath(e) + "': " + e.getOriginalMessage());
        } catch (IOException e) {
            String m = e.getMessage();
            throw new Invalid(name + ": not valid TOML: " + (m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m)));
        }
    }

    private static String keyPath(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String typeName(Class<?> t) {
        if (t == null) return "another type";
        if (t == Integer.class || t == Long.class || t == int.class || t == long.class) return "an integer";
        if (t == String.class) return "a string";
        if (List.class.isAssignableFrom(t)) return "an array";
        return "a table";
    }

    /** A path from the file, relative to the file's directory unless absolute; null if not set. */
    static Path resolve(Path file, String value) {
        if (value == null) return null;
        Path p = Path.of(value);
        return p.isAbsolute() || file == null ? p : file.toAbsolutePath().getParent().resolve(p).normalize();
    }
}

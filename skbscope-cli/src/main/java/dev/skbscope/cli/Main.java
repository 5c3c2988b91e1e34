package dev.skbscope.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code skbscope <command>}. */
@Command(name = "skbscope", mixinStandardHelpOptions = true, version = "skbscope 0.1.0",
        description = "Live statistics for Linux kernel packet tracing.",
        subcommands = {ServeCommand.class, ReplayCommand.class, PacketsCommand.class, SummaryCommand.class, SynthCommand.class,
                AlertsCommand.class, DiffCommand.class, dev.skbscope.cli.top.TopCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    /** Runs a command line with its output and errors captured (for tests); returns the exit code. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out).setErr(err).execute(args);
    }
}

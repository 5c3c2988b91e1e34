package dev.skbscope.cli;

import dev.skbscope.cli.remote.ServerAddress;
import dev.skbscope.cli.remote.ServerClient;
import dev.skbscope.cli.remote.StatsJson;
import dev.skbscope.engine.StatsSnapshot;
import dev.skbscope.engine.compare.StatsComparison;
import dev.skbscope.engine.compare.StatsDiff;
import dev.skbscope.sources.recording.RecordingFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code skbscope diff A B}: what changed from one trace to another, node by node, beyond noise. */
@Command(name = "diff", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compares two traces node by node: packets, drop rate, p50/p99 latency, verdicts, drop "
                + "reasons and nftables rules, most changed first. Changes within noise (sampling error, "
                + "latency within its confidence interval or the histogram's precision) are marked '~'.",
                "A and B are recordings (ours, Retis or pwru files, optionally gzipped) or server:SESSION_ID "
                + "(a session of the server given by --server)."},
        exitCodeListHeading = "%nExit codes (as diff(1)):%n",
        exitCodeList = {"0:no significant change", "1:significant changes", "2:bad usage or an input could not be read"})
public final class DiffCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "A", description = "the reference: FILE or server:SESSION_ID")
    String a;

    @Parameters(index = "1", paramLabel = "B", description = "the trace compared with it: FILE or server:SESSION_ID")
    String b;

    @Option(names = "--json", description = "print the comparison as JSON (the body of GET /api/sessions/{a}/compare/{b})")
    boolean json;

    @Option(names = "--all", description = "also list the rules and drop reasons that did not change")
    boolean all;

    @Option(names = "--server", paramLabel = "URL", defaultValue = ServerAddress.DEFAULT_URL,
            description = "server for server:SESSION_ID inputs (default: ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--token", paramLabel = "T", description = "the server's access token (or set " + ServerAddress.TOKEN_ENV + ")")
    String token;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "FORMAT",
            description = "format of recording inputs: auto, pipeline, retis or pwru (default: ${DEFAULT-VALUE})")
    RecordingFormat format;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ServerClient client = null;
        if (a.startsWith("server:") || b.startsWith("server:")) {
            try {
                client = new ServerClient(ServerAddress.parse(server, token));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--server: " + e.getMessage());
            }
        }
        StatsSnapshot sa, sb;
        try {
            sa = load(a, client);
            sb = load(b, client);
        } catch (IOException e) {
            err.println("skbscope diff: " + e.getMessage());
            err.flush();
            return 2;
        }
        StatsComparison c = StatsDiff.compare(name(a), sa, name(b), sb);
        if (json) {
            try {
                out.println(StatsJson.PRETTY.writeValueAsString(c));
            } catch (IOException e) {
                err.println("skbscope diff: cannot write JSON: " + e.getMessage());
                return 2;
            }
        } else {
            DiffReport.print(c, all, out);
        }
        out.flush();
        return c.significantNodes() > 0 || c.rules().stream().anyMatch(StatsComparison.RuleChange::significant)
                || c.dropReasons().stream().anyMatch(StatsComparison.CountChange::significant) ? 1 : 0;
    }

    private StatsSnapshot load(String input, ServerClient client) throws IOException {
        if (input.startsWith("server:")) {
            String id = input.substring("server:".length());
            if (id.isEmpty()) throw new ParameterException(spec.commandLine(), "server: needs a session id, e.g. server:session_1");
            return client.stats(id);
        }
        Path file = Path.of(input);
        try {
            return new RecordingStats(file, format, null, dev.skbscope.engine.SessionConfig.DEFAULT_MAX_FUNCTIONS,
                    dev.skbscope.engine.SessionConfig.DEFAULT_MAX_TRACKED_SKBS, 0).run().stats();
        } catch (IOException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static String name(String input) {
        if (input.startsWith("server:")) return input;
        Path f = Path.of(input).getFileName();
        return f == null ? input : f.toString();
    }
}

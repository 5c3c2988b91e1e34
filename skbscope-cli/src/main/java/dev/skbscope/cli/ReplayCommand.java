package dev.skbscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.skbscope.engine.SessionConfig;
import dev.skbscope.engine.StatsSnapshot;
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

/** {@code skbscope replay FILE}: runs a recording through the stats engine and prints the final stats. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Replays a recording (pipeline-trace, Retis or pwru JSON lines, optionally gzipped) "
                + "through the stats engine and prints the final stats.",
                "With --json, stdout carries only the stats object (spec section 4); logs go to stderr."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (a damaged end of the file is a warning on stderr: everything before it was read)",
                "1:the recording could not be read", "2:bad usage"})
public final class ReplayCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the recording (.jsonl, .json or .jsonl.gz)")
    Path file;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "FORMAT",
            description = "auto, pipeline, retis or pwru (default: ${DEFAULT-VALUE}, detected from the first lines)")
    RecordingFormat format;

    @Option(names = "--json", description = "print the stats object as JSON instead of tables")
    boolean json;

    @Option(names = "--max-tracked-skbs", defaultValue = "" + SessionConfig.DEFAULT_MAX_TRACKED_SKBS, paramLabel = "N",
            description = "packets tracked at once before the oldest are evicted (default: ${DEFAULT-VALUE})")
    int maxTrackedSkbs;

    @Option(names = "--max-functions", defaultValue = "" + SessionConfig.DEFAULT_MAX_FUNCTIONS, paramLabel = "N",
            description = "distinct probe names kept in top functions, 1..1000 (default: ${DEFAULT-VALUE})")
    int maxFunctions;

    @Option(names = "--speed", defaultValue = "0", paramLabel = "X",
            description = "1 = recorded pace, 2 = twice as fast, 0 = as fast as possible (default: ${DEFAULT-VALUE})")
    double speed;

    @Option(names = "--mode", paramLabel = "MODE",
            description = "session mode (full, nft, multifunction); default: the recording header's, else full")
    String mode;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxTrackedSkbs < 1) throw new ParameterException(spec.commandLine(), "--max-tracked-skbs must be >= 1");
        if (maxFunctions < 1 || maxFunctions > 1000) throw new ParameterException(spec.commandLine(), "--max-functions must be within 1..1000");
        if (!(speed >= 0) || Double.isInfinite(speed)) throw new ParameterException(spec.commandLine(), "--speed must be >= 0");
        StatsSnapshot snap;
        String detectedFormat;
        try {
            RecordingStats.Result r = new RecordingStats(file, format, mode, maxFunctions, maxTrackedSkbs, speed).run();
            snap = r.stats();
            detectedFormat = r.format();
            if (r.warning() != null) {  // a recording cut by a crash: say what was lost, exit 0
                err.println("skbscope replay: warning: " + file + ": " + r.warning());
                err.flush();
            }
        } catch (IOException e) {
            err.println("skbscope replay: " + e.getMessage());
            err.flush();
            return 1;
        }
        if (json) {
            try {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(snap));
            } catch (IOException e) {
                err.println("skbscope replay: cannot write JSON: " + e.getMessage());
                return 1;
            }
        } else {
            StatsReport.print(snap, file.getFileName() + " (" + detectedFormat + ")", out);
        }
        out.flush();
        return 0;
    }
}

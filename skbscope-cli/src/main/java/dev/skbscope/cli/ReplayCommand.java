package dev.skbscope.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code skbscope replay}: not built yet. */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "(not built yet)")
public final class ReplayCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("skbscope replay: not built yet");
        return 2;
    }
}

package dev.skbscope.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code skbscope synth}: not built yet. */
@Command(name = "synth", mixinStandardHelpOptions = true, description = "(not built yet)")
public final class SynthCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("skbscope synth: not built yet");
        return 2;
    }
}

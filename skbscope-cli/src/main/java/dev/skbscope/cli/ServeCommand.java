package dev.skbscope.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code skbscope serve}: not built yet. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "(not built yet)")
public final class ServeCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.err.println("skbscope serve: not built yet");
        return 2;
    }
}

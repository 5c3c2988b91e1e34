package dev.skbscope.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop the server in order, before the JVM's shutdown hooks run. Call once,
 * from main.
 *
 * <p>Why not just a shutdown hook: hooks run concurrently in no set order, and the live backends
 * register their own (they detach BPF links and delete nft tables for a JVM that exits without the
 * server's close). When a backend's hook closed a live session's source first, the session saw its
 * source end and was marked "finished" while the others were "stopped". Handling the signal
 * ourselves closes every session the same way ("server shutdown") and only then exits, after which
 * the hooks find nothing left to do. {@code sun.misc.Signal} (module jdk.unsupported) is the JDK's
 * only signal API; it is what servers such as Netty use for the same purpose.
 */
final class ShutdownSignals {
    private ShutdownSignals() { }

    static void onTermOrInt(Runnable stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), sig -> {
                    Thread t = new Thread(() -> {
                        stop.run();
                        System.exit(0);
                    }, "shutdown-" + name.toLowerCase(java.util.Locale.ROOT));
                    t.start();
                });
            } catch (IllegalArgumentException e) {
                // this JVM does not let us handle it (e.g. -Xrs): the shutdown hook still stops the server
            }
        }
    }
}

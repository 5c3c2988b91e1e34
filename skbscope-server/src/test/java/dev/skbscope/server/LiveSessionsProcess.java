package dev.skbscope.server;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend.LiveRequest;

import java.util.List;

/**
 * A process that holds what live sessions put into the kernel: a full session (tracepoints,
 * netfilter and tc links in every namespace) and an nft session (a marking table in every
 * namespace), until it is killed or gets a line on stdin. For {@link LeftoversKernelTest}.
 * Prints "ready" when everything is in place.
 */
public final class LiveSessionsProcess {
    private LiveSessionsProcess() { }

    public static void main(String[] args) throws Exception {
        LiveBackends live = LiveBackends.load();
        List<EventSource> open = List.of(
                live.open(new LiveRequest("leftovers-full", "full", PacketFilter.ANY, 50)),
                live.open(new LiveRequest("leftovers-nft", "nft", PacketFilter.ANY, 50)));
        EventBatch b = new EventBatch(64);
        for (EventSource s : open) { b.reset(); s.poll(b); }
        System.out.println("ready");
        System.out.flush();
        // an orderly stop on a line (or EOF) on stdin; SIGTERM runs the backends' shutdown hooks
        System.in.read();
        for (EventSource s : open) s.close();
        live.shutdown();
        System.out.println("stopped");
    }
}

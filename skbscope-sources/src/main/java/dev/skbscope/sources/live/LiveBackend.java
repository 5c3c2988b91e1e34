package dev.skbscope.sources.live;

import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.EventSource;

import java.util.Map;

/**
 * The kernel side of live sessions, as the server sees it: what this kernel can observe, and a
 * source per live session. Implementations share one set of kernel attachments among all their
 * open sources and detach when the last is closed. Thread-safe.
 */
public interface LiveBackend {

    /** The modes this backend serves ("full", "multifunction", "nft"). */
    java.util.Set<String> modes();

    /**
     * What this kernel allows, for {@code GET /api/capabilities}: at least {@code available}
     * (boolean) and {@code reason} (string, when not available); per node, whether it can be
     * observed and why not. Must not throw; must be cheap after the first call.
     */
    Map<String, Object> capabilities();

    /**
     * Opens a live source for one session.
     *
     * @throws LiveUnavailableException with a message saying why and what to do
     */
    EventSource open(LiveRequest request) throws LiveUnavailableException;

    /**
     * A full session's nftables trace where the kernel's own programs observe every netfilter hook,
     * so the trace adds only which rule gave a verdict: a backend may then mark packets only where
     * a ruleset can give one. By default the same as {@link #open}.
     */
    default EventSource openRuleTrace(LiveRequest request) throws LiveUnavailableException {
        return open(request);
    }

    /** Detaches everything. Called once at shutdown (also on SIGTERM). */
    void shutdown();

    /**
     * @param sessionId    the session's id
     * @param mode         "full", "multifunction" or "nft"
     * @param filter       the session's packet filter
     * @param maxFunctions bound on distinct kernel functions (multifunction mode)
     */
    record LiveRequest(String sessionId, String mode, PacketFilter filter, int maxFunctions) { }
}

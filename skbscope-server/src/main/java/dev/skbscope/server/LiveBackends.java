package dev.skbscope.server;

import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.MergedSource;
import dev.skbscope.sources.live.LiveBackend;
import dev.skbscope.sources.live.LiveUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The live backends this build has, found by class name so that the server builds and runs without
 * them; thread-safe after construction. A mode whose backend is missing or can't run reports why.
 */
public final class LiveBackends {
    private static final Logger log = LoggerFactory.getLogger(LiveBackends.class);
    /** Class name to the modes it is expected to serve (used for the reason when the class is absent). */
    private static final Map<String, List<String>> KNOWN = new LinkedHashMap<>();
    static {
        KNOWN.put("dev.skbscope.kernel.KernelLiveBackend", List.of("full", "multifunction"));
        KNOWN.put("dev.skbscope.nftrace.NftLiveBackend", List.of("nft"));
    }

    private final List<LiveBackend> backends;
    /** Mode to the reason live tracing is unavailable for it because its backend could not be loaded. */
    private final Map<String, String> missing = new TreeMap<>();

    private LiveBackends(List<LiveBackend> backends) {
        this.backends = backends;
    }

    /** Loads every known backend present on the class path. */
    public static LiveBackends load() {
        LiveBackends result = new LiveBackends(new ArrayList<>());
        for (var e : KNOWN.entrySet()) {
            try {
                Class<?> c = Class.forName(e.getKey());
                result.backends.add((LiveBackend) c.getConstructor().newInstance());
            } catch (ClassNotFoundException ex) {
                for (String m : e.getValue()) result.missing.put(m, "this build has no live backend for mode " + m + " (" + e.getKey() + " not found)");
            } catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
                log.warn("live backend {} failed to load: {}", e.getKey(), ex.toString());
                for (String m : e.getValue()) result.missing.put(m, "live backend " + e.getKey() + " failed to load: " + ex);
            }
        }
        return result;
    }

    /** For tests: exactly these backends. */
    public static LiveBackends of(List<LiveBackend> backends) {
        return new LiveBackends(List.copyOf(backends));
    }

    /** The backend for a mode, or null. */
    public LiveBackend forMode(String mode) {
        for (LiveBackend b : backends) if (b.modes().contains(mode)) return b;
        return null;
    }

    /** Opens a live source for the request, or explains why live tracing can't run. */
    public EventSource open(LiveBackend.LiveRequest request) throws LiveUnavailableException {
        LiveBackend b = forMode(request.mode());
        if (b == null) {
            String why = missing.getOrDefault(request.mode(), "no live backend serves mode " + request.mode());
            throw new LiveUnavailableException(why + "; replay and synthetic sources are available");
        }
        EventSource src = b.open(request);
        return "full".equals(request.mode()) ? withNftVerdicts(src, request) : src;
    }

    /** The netfilter nodes the nftables trace stands in for when the kernel refused their probes. */
    static final Set<String> NFT_NODES = Set.of("nf_prerouting", "nf_input", "nf_forward", "nf_output", "nf_postrouting");
    static final String NFT_NOTE = "netfilter verdicts from nftables trace; no per-packet latency";
    static final String NFT_RULES_NOTE = "rules hit from nftables trace (in namespaces with an nftables ruleset)";

    /**
     * A full session also reads the nftables trace where nft is available. Where the kernel can't
     * observe a netfilter hook, the trace's verdicts stand in for that node; where it can (netfilter
     * links, fentry), the trace adds only what the kernel cannot tell, the rules hit (the engine
     * never makes packets of trace events outside nft mode, and counts no verdict twice). Without
     * nft, the kernel source goes on alone.
     */
    private EventSource withNftVerdicts(EventSource kernel, LiveBackend.LiveRequest request) {
        Set<String> missingNf = new java.util.HashSet<>(kernel.unobservedNodes().keySet());
        missingNf.retainAll(NFT_NODES);
        LiveBackend nft = forMode("nft");
        if (nft == null || nft == forMode("full")) return kernel;
        if (!Boolean.TRUE.equals(nft.capabilities().get("available"))) return kernel;
        try {
            // the kernel sees every hook: the trace only names rules, and marks packets only where a ruleset has some
            return missingNf.isEmpty() ? new MergedSource(kernel, nft.openRuleTrace(request), missingNf, NFT_RULES_NOTE)
                    : new MergedSource(kernel, nft.open(request), missingNf, NFT_NOTE);
        } catch (LiveUnavailableException | RuntimeException e) {
            log.warn("full session {}: no nftables verdicts: {}", request.sessionId(), e.getMessage());
            return kernel;
        }
    }

    /** {@code GET /api/capabilities}: per mode whether live tracing works here, and why not. */
    public Map<String, Object> capabilities() {
        Map<String, Object> modes = new LinkedHashMap<>();
        boolean any = false;
        for (String mode : List.of("full", "multifunction", "nft")) {
            LiveBackend b = forMode(mode);
            Map<String, Object> m = new LinkedHashMap<>();
            if (b == null) {
                m.put("available", false);
                m.put("reason", missing.getOrDefault(mode, "no live backend serves mode " + mode));
            } else {
                Map<String, Object> caps;
                try {
                    caps = b.capabilities();
                } catch (RuntimeException | LinkageError ex) {
                    caps = Map.of("available", false, "reason", "capability probe failed: " + ex);
                }
                m.putAll(caps);
                m.putIfAbsent("available", false);
                if ("full".equals(mode)) withNftNodes(m);
            }
            any |= Boolean.TRUE.equals(m.get("available"));
            modes.put(mode, m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("live", Map.of("available", any));
        out.put("modes", modes);
        out.put("sources", List.of("live", "replay", "synthetic"));
        return out;
    }

    /** Full mode's netfilter nodes the kernel can't see but a full session's nftables trace will. */
    private void withNftNodes(Map<String, Object> full) {
        LiveBackend nft = forMode("nft");
        if (nft == null || nft == forMode("full") || !(full.get("nodes") instanceof Map<?, ?> nodes)) return;
        try {
            if (!Boolean.TRUE.equals(nft.capabilities().get("available"))) return;
        } catch (RuntimeException | LinkageError e) {
            return;
        }
        Map<Object, Object> out = new LinkedHashMap<>(nodes);
        for (String n : NFT_NODES) {
            if (nodes.get(n) instanceof Map<?, ?> node && Boolean.FALSE.equals(node.get("observable"))) {
                out.put(n, Map.of("observable", true, "probes", List.of("nft_trace"), "mechanism", "nftables trace",
                        "needs", "nf_tables (a trace table per traced namespace)", "note", NFT_NOTE,
                        "kernel_reason", String.valueOf(node.get("reason"))));
            }
        }
        full.put("nodes", out);
    }

    /** One line per mode for the startup banner. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> modes = (Map<String, Map<String, Object>>) capabilities().get("modes");
        for (var e : modes.entrySet()) {
            boolean ok = Boolean.TRUE.equals(e.getValue().get("available"));
            lines.add(e.getKey() + ": " + (ok ? "available" : "unavailable (" + e.getValue().get("reason") + ")"));
        }
        return lines;
    }

    /** Detaches every backend (shutdown). */
    public void shutdown() {
        for (LiveBackend b : backends) {
            try {
                b.shutdown();
            } catch (RuntimeException ex) {
                log.warn("live backend shutdown failed: {}", ex.toString());
            }
        }
    }
}

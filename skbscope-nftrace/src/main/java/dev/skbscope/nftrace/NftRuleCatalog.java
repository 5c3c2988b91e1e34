package dev.skbscope.nftrace;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of nftables rules by (table, chain, handle), for showing which rule a verdict came
 * from ({@code "udp dport 7002 drop"}). Thread-safe. Built from {@code nft -a list ruleset} on the
 * first miss and rebuilt on a later miss at most once a second; never on an event's hot path —
 * call it when building a snapshot. The server merges it into the engine's {@code rules} list:
 * {@code NftRuleCatalog.shared().text(table, chain, handle)}.
 */
public final class NftRuleCatalog {
    private static final Logger log = LoggerFactory.getLogger(NftRuleCatalog.class);
    private static final NftRuleCatalog SHARED = new NftRuleCatalog(() -> NftExec.run(null, "-a", "list", "ruleset"), System::nanoTime);
    private static final long REFRESH_INTERVAL_NS = 1_000_000_000L;
    private static final Pattern TABLE = Pattern.compile("^table\\s+(\\S+)\\s+(\\S+)\\s*\\{.*");
    private static final Pattern CHAIN = Pattern.compile("^chain\\s+(\\S+)\\s*\\{.*");
    /** Counter values change all the time; the rule's identity is "counter". */
    private static final Pattern COUNTER = Pattern.compile("counter packets \\d+ bytes \\d+");
    private static final Pattern HANDLE = Pattern.compile("^(.*?)\\s*# handle (\\d+)$");

    /** Lists the ruleset as {@code nft -a list ruleset} prints it; a seam for tests. */
    interface RulesetLister { String list() throws IOException; }

    private final RulesetLister lister;
    private final LongSupplier clock;
    private Map<String, String> rules = Map.of();     // guarded by this
    private long lastLoadNs = Long.MIN_VALUE / 2;

    NftRuleCatalog(RulesetLister lister, LongSupplier clock) {
        this.lister = lister;
        this.clock = clock;
    }

    public static NftRuleCatalog shared() { return SHARED; }

    private static final java.util.Map<String, NftRuleCatalog> BY_NETNS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The catalog of the namespace at {@code netnsPath} (its {@code nft} runs there through nsenter). */
    public static NftRuleCatalog of(String netnsPath) {
        return BY_NETNS.computeIfAbsent(netnsPath,
                p -> new NftRuleCatalog(() -> NftExec.runIn(p, null, "-a", "list", "ruleset"), System::nanoTime));
    }

    /** The rule's text without its handle comment, or null when no such rule is (still) there. */
    public synchronized String text(String table, String chain, long handle) {
        String k = key(table, chain, handle);
        String t = rules.get(k);
        if (t == null && clock.getAsLong() - lastLoadNs >= REFRESH_INTERVAL_NS) {
            reload();
            t = rules.get(k);
        }
        return t;
    }

    /** Rebuilds the catalog now (after the ruleset changed). */
    public synchronized void reload() {
        lastLoadNs = clock.getAsLong();
        try {
            rules = parse(lister.list());
        } catch (IOException e) {
            log.warn("could not list the nftables ruleset for rule text: {}", e.getMessage());
        }
    }

    private static String key(String table, String chain, long handle) { return table + '\0' + chain + '\0' + handle; }

    /** Reads {@code nft -a list ruleset} output: rule lines end with {@code # handle N}. */
    static Map<String, String> parse(String listing) {
        Map<String, String> out = new HashMap<>();
        String table = null, chain = null;
        int depth = 0;
        for (String raw : listing.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) continue;
            Matcher m;
            if (depth == 0 && (m = TABLE.matcher(line)).matches()) {
                table = m.group(2);
                chain = null;
            } else if (depth == 1 && table != null && (m = CHAIN.matcher(line)).matches()) {
                chain = m.group(1);
            } else if (depth == 2 && chain != null && !line.endsWith("{") && !line.contains("{ #")
                    && (m = HANDLE.matcher(line)).matches()) {
                String text = COUNTER.matcher(m.group(1)).replaceAll("counter");
                out.putIfAbsent(key(table, chain, Long.parseLong(m.group(2))), text);
            }
            depth += count(line, '{') - count(line, '}');
            if (depth <= 1) chain = depth == 1 ? null : chain;
            if (depth <= 0) { depth = 0; table = null; }
        }
        return out;
    }

    private static int count(String s, char c) {
        int n = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char x = s.charAt(i);
            if (x == '"') quoted = !quoted;
            else if (x == c && !quoted) n++;
            else if (x == '#' && !quoted) break;   // comments don't nest
        }
        return n;
    }
}

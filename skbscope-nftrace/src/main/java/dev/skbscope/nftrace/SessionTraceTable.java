package dev.skbscope.nftrace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.skbscope.sources.live.NetnsScanner;

/**
 * The nftables table one nft-mode session owns: {@code table inet skbscope_<id>} whose chains, at
 * priority -350 on prerouting and output (before conntrack and every usual table), set the
 * {@code nftrace} bit of the packets matching the session's filter. The user's own tables are
 * never touched. Thread-safe: instances are immutable; each call runs its own {@code nft}.
 */
public final class SessionTraceTable {
    static final String PREFIX = NftTraceFeed.OWN_TABLE_PREFIX;
    static final String CHAIN_PRE = "trace_pre", CHAIN_OUT = "trace_out";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Tables installed by this process and not yet removed: never "stale". */
    private static final java.util.Set<String> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Numbers tables within this process, so that no two sessions ever share one. */
    private static final java.util.concurrent.atomic.AtomicLong SEQ = new java.util.concurrent.atomic.AtomicLong();
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SessionTraceTable.class);

    private final String name;
    private final PacketFilter filter;
    /** Full mode: installed only in namespaces whose ruleset has a chain of its own (see {@link #onlyWhereRuleset()}). */
    private final boolean onlyWhereRuleset;
    /** Namespace inode to the path it was entered by ("": the server's), where this table is installed. */
    private final java.util.Map<Long, String> installed = new java.util.concurrent.ConcurrentHashMap<>();
    /** Set by {@link #remove()}: no install after it (guarded by this). */
    private boolean removed;
    private static final String HERE = "";

    public SessionTraceTable(String sessionId, PacketFilter filter) {
        this(sessionId, filter, false);
    }

    /** @param onlyWhereRuleset see {@link #onlyWhereRuleset()} */
    public SessionTraceTable(String sessionId, PacketFilter filter, boolean onlyWhereRuleset) {
        this.name = tableName(sessionId, SEQ.incrementAndGet());
        this.filter = filter == null ? PacketFilter.ANY : filter;
        this.onlyWhereRuleset = onlyWhereRuleset;
    }

    /**
     * True for a full-mode session's table: the kernel's own programs see every hook, and the trace
     * adds only which rule gave a verdict, so the table goes only where a namespace's ruleset has a
     * chain besides skbscope's own, and leaves when the last one goes (the feed watches each
     * namespace's ruleset notifications). Elsewhere a marked packet would cost a trace message per
     * hook and tell nothing new (it cost a 64-byte flood between two namespaces without rules
     * two netlink messages per packet).
     */
    public boolean onlyWhereRuleset() { return onlyWhereRuleset; }

    /** Whether the table is installed in the namespace of that inode now. */
    public boolean installedIn(long inode) { return installed.containsKey(inode); }

    /** Deletes the table from one namespace (its ruleset lost its last chain); gone already is fine. */
    public synchronized void removeFrom(long inode) throws IOException {
        String where = installed.get(inode);
        if (where == null) return;
        String path = where.equals(HERE) ? null : where;
        try {
            if ((path == null || java.nio.file.Files.exists(java.nio.file.Path.of(path))) && exists(path, name)) {
                NftExec.runIn(path, null, "delete", "table", "inet", name);
            }
        } finally {
            installed.remove(inode);
        }
    }

    /**
     * {@code skbscope_<pid>_<n>_<hint>}: the pid tells a crashed server's table from a running one's,
     * {@code n} is unique within the process, so two sessions never share a table (ids {@code c-d} and
     * {@code c.d} used to map to the same one, and deleting either removed the other's marking), and
     * the hint (the id lower-cased, anything outside [a-z0-9_] as '_', cut so the name fits nft's 64
     * characters) only helps a human reading {@code nft list tables}; the server logs the mapping.
     */
    static String tableName(String sessionId, long n) {
        String s = sessionId == null ? "" : sessionId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (s.isEmpty()) s = "session";
        String prefix = PREFIX + ProcessHandle.current().pid() + "_" + n + "_";
        if (prefix.length() + s.length() > 64) s = s.substring(0, Math.max(0, 64 - prefix.length()));
        return prefix + s;
    }

    /** Whether the process that created a table of ours is gone (or the name carries no pid). */
    static boolean ownerGone(String table) {
        if (!table.startsWith(PREFIX)) return false;
        String rest = table.substring(PREFIX.length());
        int us = rest.indexOf('_');
        if (us <= 0) return true;
        long pid;
        try {
            pid = Long.parseLong(rest.substring(0, us));
        } catch (NumberFormatException e) {
            return true;
        }
        return ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true);
    }

    public String name() { return name; }

    /** The ruleset text given to {@code nft -f -}: deletes a leftover of the same name, then creates. */
    public String ruleset() {
        StringBuilder sb = new StringBuilder();
        sb.append("table inet ").append(name).append(" {}\n");   // so the delete below can't fail
        sb.append("delete table inet ").append(name).append('\n');
        sb.append("table inet ").append(name).append(" {\n");
        sb.append("  comment \"skbscope nft-mode session: marks packets for nftrace; removed when the session stops\"\n");
        chain(sb, CHAIN_PRE, "prerouting", "iif");
        chain(sb, CHAIN_OUT, "output", "oif");
        sb.append("}\n");
        return sb.toString();
    }

    private void chain(StringBuilder sb, String chain, String hook, String ifKey) {
        sb.append("  chain ").append(chain).append(" {\n");
        sb.append("    type filter hook ").append(hook).append(" priority -350; policy accept;\n");
        for (String match : matches(ifKey)) {
            // "accept" ends only this chain (later chains of the hook still run) and makes the kernel
            // send one trace message for it instead of three (rule, end of rules, policy)
            sb.append("    ").append(match).append(match.isEmpty() ? "" : " ").append("meta nftrace set 1 accept\n");
        }
        sb.append("  }\n");
    }

    /** One rule per alternative: "host" and "port" match either direction, so they fan out. */
    List<String> matches(String ifKey) {
        StringBuilder common = new StringBuilder();
        if (filter.proto() != null) common.append("meta l4proto ").append(PacketFilter.protoNumber(filter.proto())).append(' ');
        boolean ports = filter.sport() != null || filter.dport() != null || filter.port() != null;
        if (ports && filter.proto() == null) common.append("meta l4proto { 6, 17, 132, 136 } ");
        if (filter.src() != null) common.append(addr(filter.src(), "saddr")).append(' ');
        if (filter.dst() != null) common.append(addr(filter.dst(), "daddr")).append(' ');
        if (filter.sport() != null) common.append("th sport ").append(filter.sport()).append(' ');
        if (filter.dport() != null) common.append("th dport ").append(filter.dport()).append(' ');
        if (filter.ifindex() != null) common.append("meta ").append(ifKey).append(' ').append(filter.ifindex()).append(' ');
        List<String> hostAlts = filter.host() == null ? List.of("")
                : List.of(addr(filter.host(), "saddr") + " ", addr(filter.host(), "daddr") + " ");
        List<String> portAlts = filter.port() == null ? List.of("")
                : List.of("th sport " + filter.port() + " ", "th dport " + filter.port() + " ");
        List<String> out = new ArrayList<>();
        for (String h : hostAlts) for (String p : portAlts) out.add((common + h + p).strip());
        return out;
    }

    private static String addr(Cidr c, String field) {
        return (c.ipVersion() == 4 ? "ip " : "ip6 ") + field + " " + c;
    }

    /** Tables listed at most once a second for every session's {@link #stillThere()} check together. */
    private static volatile long listedAt;
    private static volatile java.util.Set<String> listed = java.util.Set.of();

    /**
     * Whether the table is still in this process's namespace's ruleset (someone may delete it with
     * nft). Lists the tables at most once a second, shared by all sessions; true when nft cannot be
     * asked (a missing answer is not proof the table is gone), and for a table not installed here.
     */
    public boolean stillThere() {
        if (!installed.containsKey(NetnsScanner.self())) return true;
        long now = System.nanoTime();
        if (now - listedAt > 1_000_000_000L) {
            synchronized (SessionTraceTable.class) {
                if (now - listedAt > 1_000_000_000L) {
                    try {
                        java.util.Set<String> s = new java.util.HashSet<>();
                        for (String[] t : listTables()) if (t[0].equals("inet")) s.add(t[1]);
                        listed = s;
                        listedAt = System.nanoTime();
                    } catch (IOException | RuntimeException e) {
                        return true;
                    }
                }
            }
        }
        return listed.contains(name);
    }

    /**
     * Creates the table in a namespace ({@code netnsPath} null: this process's) and checks that it
     * is there before the session is said to mark packets there.
     * @throws IOException with nft's message when it refuses, or when the table is missing after it
     */
    public synchronized void install(String netnsPath, long inode) throws IOException {
        // the namespace follower installs while a stop (or SIGTERM's hook) may be removing: after
        // remove(), a table installed would be left behind (LeftoversKernelTest saw one, 1 run in 2)
        if (removed) throw new IOException("table inet " + name + " was removed: its session stopped");
        LIVE.add(name);
        try {
            NftExec.runIn(netnsPath, ruleset(), "-f", "-");
            if (!exists(netnsPath, name)) throw new IOException("nft accepted table inet " + name + " but it is not in the ruleset");
        } catch (IOException e) {
            if (installed.isEmpty()) LIVE.remove(name);
            throw e;
        }
        installed.put(inode, netnsPath == null ? HERE : netnsPath);
    }

    /** Deletes the table wherever it was installed; a table (or namespace) already gone is not an error. */
    public synchronized void remove() throws IOException {
        removed = true;
        IOException failed = null;
        try {
            for (var e : installed.entrySet()) {
                String path = e.getValue().equals(HERE) ? null : e.getValue();
                try {
                    if (path != null && !java.nio.file.Files.exists(java.nio.file.Path.of(path))) continue;
                    if (exists(path, name)) NftExec.runIn(path, null, "delete", "table", "inet", name);
                } catch (IOException ex) {
                    if (failed == null) failed = ex;
                }
            }
            installed.clear();
        } finally {
            LIVE.remove(name);
        }
        if (failed != null) throw failed;
    }

    /** The namespaces (inodes) the table is installed in now. */
    public java.util.Set<Long> namespaces() { return java.util.Set.copyOf(installed.keySet()); }

    /** Whether a table of that name exists in any family, in this process's namespace. */
    public static boolean exists(String table) throws IOException {
        return exists(null, table);
    }

    /** Whether a table of that name exists in any family, in a namespace (null: this process's). */
    public static boolean exists(String netnsPath, String table) throws IOException {
        return listTables(netnsPath).stream().anyMatch(t -> t[1].equals(table));
    }

    /** Every table as {family, name}. */
    static List<String[]> listTables() throws IOException {
        return listTables(null);
    }

    static List<String[]> listTables(String netnsPath) throws IOException {
        JsonNode root = JSON.readTree(NftExec.runIn(netnsPath, null, "-j", "list", "tables")).path("nftables");
        List<String[]> out = new ArrayList<>();
        for (JsonNode item : root) {
            JsonNode t = item.get("table");
            if (t != null) out.add(new String[] {t.path("family").asText(), t.path("name").asText()});
        }
        return out;
    }

    static List<String[]> listOwnTables() throws IOException {
        return listTables().stream().filter(t -> t[1].startsWith(PREFIX)).toList();
    }

    /**
     * Deletes every {@code skbscope_*} table left behind by a server that did not stop cleanly
     * (killed with SIGKILL, power cut): those whose creating process is gone, in every network
     * namespace. Tables of running skbscope processes (another server, a test) and of this
     * process's live sessions stay. @return the tables removed ("inet skbscope_12_s1@skk-router")
     */
    public static List<String> removeStale() throws IOException {
        List<String> removed = new ArrayList<>();
        long home = NetnsScanner.self();
        for (NetnsScanner.Netns ns : NetnsScanner.scan().values()) {
            String path = ns.inode() == home ? null : ns.path();
            List<String[]> tables;
            try {
                tables = listTables(path);
            } catch (IOException e) {
                if (path == null) throw e;
                continue; // a namespace that went away meanwhile
            }
            for (String[] t : tables) {
                if (!t[1].startsWith(PREFIX) || (t[0].equals("inet") && LIVE.contains(t[1])) || !ownerGone(t[1])) continue;
                NftExec.runIn(path, null, "delete", "table", t[0], t[1]);
                removed.add(t[0] + " " + t[1] + (path == null ? "" : "@" + ns.name()));
            }
        }
        return removed;
    }
}

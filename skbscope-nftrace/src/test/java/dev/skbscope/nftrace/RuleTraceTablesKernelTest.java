package dev.skbscope.nftrace;

import dev.skbscope.engine.filter.PacketFilter;
import dev.skbscope.sources.EventSource;
import dev.skbscope.sources.live.LiveBackend.LiveRequest;
import dev.skbscope.sources.live.NetnsScanner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full session's rule trace on the real kernel: its marking table is in a namespace only while
 * that namespace's ruleset has a chain of its own, installed when one is added and removed when
 * the last goes, and nowhere after the session stops.
 */
@Tag("kernel")
class RuleTraceTablesKernelTest {
    private static final String NS = "skk-rules";
    private static final String NS_PATH = "/run/netns/" + NS;
    private static final String USER_TABLE = "skk_rules_user";

    @BeforeAll
    static void setUp() throws IOException {
        KernelFixture.requireNfTrace();
        tearDown();
        KernelFixture.sh("ip", "netns", "add", NS);
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (Files.exists(Path.of(NS_PATH))) KernelFixture.sh("ip", "netns", "del", NS);
    }

    private static boolean tableThere(String name) throws IOException {
        return SessionTraceTable.listTables(NS_PATH).stream().anyMatch(t -> t[1].equals(name));
    }

    /** Waits up to 10 s (the feed looks every second) for the table to be there or not. */
    private static void awaitTable(String name, boolean there) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (tableThere(name) != there) {
            assertThat(System.nanoTime()).as("table %s %s within 10 s", name, there ? "installed" : "removed").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void theMarkingTableFollowsTheNamespacesRuleset() throws Exception {
        long inode = (Long) Files.getAttribute(Path.of(NS_PATH), "unix:ino");
        assertThat(NetnsScanner.scan()).containsKey(inode);
        NftLiveBackend backend = new NftLiveBackend();
        PacketFilter inNs = new PacketFilter(null, null, null, null, null, null, null, null, inode);
        EventSource src = backend.openRuleTrace(new LiveRequest("rules-only", "full", inNs, 0));
        String table = NftLiveBackend.tableName(src);
        try {
            assertThat(table).startsWith(SessionTraceTable.PREFIX);
            // no ruleset: nothing to name, no table (a marked packet would cost trace messages for nothing)
            assertThat(tableThere(table)).isFalse();

            NftExec.runIn(NS_PATH, "table inet " + USER_TABLE + " {\n  chain input {\n"
                    + "    type filter hook input priority 0; policy accept;\n  }\n}\n", "-f", "-");
            awaitTable(table, true);

            NftExec.runIn(NS_PATH, null, "delete", "table", "inet", USER_TABLE);
            awaitTable(table, false);

            // and back, for a ruleset that comes again
            NftExec.runIn(NS_PATH, "table ip " + USER_TABLE + " {\n  chain post {\n"
                    + "    type nat hook postrouting priority 100; policy accept;\n  }\n}\n", "-f", "-");
            awaitTable(table, true);
        } finally {
            src.close();
            backend.shutdown();
        }
        assertThat(tableThere(table)).as("left behind after stop").isFalse();
        // the full session's other kind (the kernel misses a hook): marked everywhere in scope, ruleset or not
        NftExec.runIn(NS_PATH, null, "delete", "table", "ip", USER_TABLE);
        NftLiveBackend fallback = new NftLiveBackend();
        EventSource all = fallback.open(new LiveRequest("stands-in", "full", inNs, 0));
        try {
            assertThat(tableThere(NftLiveBackend.tableName(all))).isTrue();
        } finally {
            all.close();
            fallback.shutdown();
        }
    }
}

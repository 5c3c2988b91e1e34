package dev.skbscope.nftrace;

import dev.skbscope.engine.filter.Cidr;
import dev.skbscope.engine.filter.PacketFilter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SessionTraceTableTest {
    private static final String P = "skbscope_" + ProcessHandle.current().pid() + "_";

    @Test
    void tableNameIsSanitisedAndCarriesThePidAndANumber() {
        assertThat(SessionTraceTable.tableName("Session-123", 7)).isEqualTo(P + "7_session_123");
        assertThat(SessionTraceTable.tableName("a;b} delete table x", 8)).isEqualTo(P + "8_a_b__delete_table_x");
        assertThat(SessionTraceTable.tableName("", 9)).isEqualTo(P + "9_session");
        assertThat(SessionTraceTable.tableName("x".repeat(300), Long.MAX_VALUE)).hasSize(64).contains("_" + Long.MAX_VALUE + "_");
    }

    @Test
    void idsThatSanitiseAlikeGetTheirOwnTables() {
        // "c-d" and "c.d" both become c_d: they shared one table, and deleting either removed the other's marking
        String cd1 = new SessionTraceTable("c-d", PacketFilter.ANY).name();
        String cd2 = new SessionTraceTable("c.d", PacketFilter.ANY).name();
        String cd3 = new SessionTraceTable("c-d", PacketFilter.ANY).name();
        assertThat(cd1).isNotEqualTo(cd2).isNotEqualTo(cd3).endsWith("_c_d");
        assertThat(cd2).isNotEqualTo(cd3);
        assertThat(new SessionTraceTable("c-d", PacketFilter.ANY).ruleset()).doesNotContain(cd1);
    }

    @Test
    void aTableIsStaleWhenItsProcessIsGone() {
        assertThat(SessionTraceTable.ownerGone(new SessionTraceTable("s", PacketFilter.ANY).name())).isFalse();
        assertThat(SessionTraceTable.ownerGone("skbscope_1_s")).as("pid 1 is alive").isFalse();
        assertThat(SessionTraceTable.ownerGone("skbscope_crashed")).as("no pid").isTrue();
        assertThat(SessionTraceTable.ownerGone("skbscope_999999999_s")).isTrue();
        assertThat(SessionTraceTable.ownerGone("usertest")).as("not ours").isFalse();
    }

    @Test
    void anyFilterMarksEveryPacket() {
        SessionTraceTable t1 = new SessionTraceTable("s1", PacketFilter.ANY);
        String rs = t1.ruleset();
        assertThat(rs).contains("table inet " + t1.name() + " {",
                "type filter hook prerouting priority -350; policy accept;",
                "type filter hook output priority -350; policy accept;");
        assertThat(rs.lines().filter(l -> l.strip().equals("meta nftrace set 1 accept"))).hasSize(2);
        assertThat(rs).startsWith("table inet " + t1.name() + " {}\ndelete table inet " + t1.name() + "\n");
    }

    @Test
    void filterFieldsBecomeMatches() {
        PacketFilter f = new PacketFilter("tcp", Cidr.parse("198.18.0.0/15"), Cidr.parse("2001:db8::/32"), null,
                1000, 443, null, 7, null);
        SessionTraceTable t = new SessionTraceTable("s", f);
        assertThat(t.matches("iif")).containsExactly(
                "meta l4proto 6 ip saddr 198.18.0.0/15 ip6 daddr 2001:db8:0:0:0:0:0:0/32 th sport 1000 th dport 443 meta iif 7");
        assertThat(t.matches("oif").getFirst()).endsWith("meta oif 7");
    }

    @Test
    void hostAndPortMatchEitherDirection() {
        PacketFilter f = new PacketFilter(null, null, null, Cidr.parse("198.18.5.2"), null, null, 53, null, null);
        assertThat(new SessionTraceTable("s", f).matches("iif")).containsExactly(
                "meta l4proto { 6, 17, 132, 136 } ip saddr 198.18.5.2/32 th sport 53",
                "meta l4proto { 6, 17, 132, 136 } ip saddr 198.18.5.2/32 th dport 53",
                "meta l4proto { 6, 17, 132, 136 } ip daddr 198.18.5.2/32 th sport 53",
                "meta l4proto { 6, 17, 132, 136 } ip daddr 198.18.5.2/32 th dport 53");
    }
}

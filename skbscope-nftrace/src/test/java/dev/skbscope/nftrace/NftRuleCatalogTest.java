package dev.skbscope.nftrace;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class NftRuleCatalogTest {
    // as printed by nft 1.0.6 `nft -a list ruleset`
    static final String LISTING = """
            table inet sample { # handle 40
            	set blocked { # handle 3
            		type ipv4_addr
            		elements = { 198.18.9.9 }
            	}

            	chain input { # handle 1
            		type filter hook input priority filter; policy accept;
            		ip saddr @blocked drop # handle 4
            		tcp dport { 22, 80 } counter packets 12 bytes 720 accept comment "web {x}" # handle 6
            		jump sub # handle 7
            	}

            	chain sub { # handle 2
            		udp dport 53 accept # handle 8
            	}
            }
            table ip other { # handle 41
            	chain input { # handle 1
            		type filter hook input priority filter; policy drop;
            		ct state established accept # handle 4
            	}
            }
            """;

    @Test
    void findsRuleTextByTableChainAndHandle() {
        AtomicInteger lists = new AtomicInteger();
        NftRuleCatalog c = new NftRuleCatalog(() -> { lists.incrementAndGet(); return LISTING; }, () -> 0L);
        assertThat(c.text("sample", "input", 4)).isEqualTo("ip saddr @blocked drop");
        assertThat(c.text("sample", "input", 6)).isEqualTo("tcp dport { 22, 80 } counter accept comment \"web {x}\"");
        assertThat(c.text("sample", "input", 7)).isEqualTo("jump sub");
        assertThat(c.text("sample", "sub", 8)).isEqualTo("udp dport 53 accept");
        assertThat(c.text("other", "input", 4)).isEqualTo("ct state established accept");
        assertThat(lists).hasValue(1);
    }

    @Test
    void setsAndChainHeadersAreNotRules() {
        NftRuleCatalog c = new NftRuleCatalog(() -> LISTING, () -> 0L);
        assertThat(c.text("sample", "input", 1)).isNull();
        assertThat(c.text("sample", "input", 3)).isNull();
        assertThat(c.text("sample", "sub", 2)).isNull();
    }

    @Test
    void missesReloadAtMostOnceASecond() {
        AtomicInteger lists = new AtomicInteger();
        AtomicLong now = new AtomicLong(5_000_000_000L);
        NftRuleCatalog c = new NftRuleCatalog(() -> { lists.incrementAndGet(); return LISTING; }, now::get);
        assertThat(c.text("nope", "input", 1)).isNull();
        assertThat(c.text("nope", "input", 2)).isNull();
        assertThat(lists).hasValue(1);
        now.addAndGet(1_000_000_000L);
        assertThat(c.text("nope", "input", 1)).isNull();
        assertThat(lists).hasValue(2);
    }
}

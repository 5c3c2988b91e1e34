package dev.skbscope.engine;

import dev.skbscope.engine.event.IpProtocols;
import dev.skbscope.engine.filter.PacketFilter;
import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpProtocolsTest {
    @Test
    void namesAndNumbers() {
        assertThat(IpProtocols.parse("tcp")).isEqualTo(6);
        assertThat(IpProtocols.parse("UDP")).isEqualTo(17);
        assertThat(IpProtocols.parse("icmp6")).isEqualTo(58);
        assertThat(IpProtocols.parse("ICMPv6")).isEqualTo(58);
        assertThat(IpProtocols.parse("sctp")).isEqualTo(132);
        assertThat(IpProtocols.parse("47")).isEqualTo(47);
        assertThat(IpProtocols.parse("256")).isEqualTo(IpProtocols.UNKNOWN);
        assertThat(IpProtocols.parse("gre")).isEqualTo(IpProtocols.UNKNOWN);
        assertThat(IpProtocols.name(58)).isEqualTo("icmpv6");
        assertThat(IpProtocols.name(47)).isNull();
        char[] c = "xxTCPxx".toCharArray();
        assertThat(IpProtocols.byName(c, 2, 3)).isEqualTo(6);
    }

    /** Lower-casing with the default locale made "ICMP" unknown under a Turkish locale (dotless ı). */
    @Test
    void caseFoldingDoesNotDependOnTheLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("tr-TR"));
            assertThat(PacketFilter.protoNumber("ICMP")).isEqualTo(1);
            assertThat(PacketFilter.protoNumber("ICMPV6")).isEqualTo(58);
        } finally {
            Locale.setDefault(saved);
        }
        assertThat(IpProtocols.parse("\u0130CMP")).as("only ASCII letters fold").isEqualTo(IpProtocols.UNKNOWN);
        assertThatThrownBy(() -> PacketFilter.protoNumber("carrier-pigeon")).hasMessageContaining("unknown protocol");
    }
}

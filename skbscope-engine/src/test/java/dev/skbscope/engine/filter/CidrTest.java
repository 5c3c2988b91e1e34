package dev.skbscope.engine.filter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Addresses and prefixes are read as numbers only, in their canonical textual forms. */
class CidrTest {

    @ParameterizedTest
    @ValueSource(strings = {
            // names (would be looked up by InetAddress.getByName)
            "cafe", "abc", "dead.beef", "localhost", "example.com", "a", "ff",
            // IPv4 shorthands and non-decimal forms inet_aton accepts
            "127.1", "1.2.3", "1", "2130706433", "0x7f.0.0.1", "0x7f000001", "010.1.1.1", "127.0.0.01", "00.0.0.0",
            // out of range, malformed
            "256.1.1.1", "999.0.0.0", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.-4", "+1.2.3.4", "1.2.3.4 ",
            " 1.2.3.4", "1.2.3.4\n", "1.2.3.4\u0000", "١.٢.٣.٤",
            // IPv6 malformed or with extras
            ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::g", "[::1]", "fe80::1%eth0", "fe80::1%1", "1:2:3:4:5:6:7:",
            ":1:2:3:4:5:6:7", "::1.2.3", "::1.2.3.04", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:256.0.0.1",
            // prefixes
            "::/-0", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8/8", "10.0.0.0/ 8",
            "10.0.0.0/1e1", "10.0.0.0/0x8", "/8", "10.0.0.0/99999999999999999999",
            ""})
    void refusesEverythingButCanonicalNumbers(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesHostBitsBelowThePrefixAndSuggestsTheNetwork() {
        assertThatThrownBy(() -> Cidr.parse("192.168.1.10/24"))
                .hasMessageContaining("192.168.1.0/24");
        assertThatThrownBy(() -> Cidr.parse("2001:db8::1/32"))
                .hasMessageContaining("2001:db8:0:0:0:0:0:0/32");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "255.255.255.255", "127.0.0.1", "198.18.0.0/15", "10.0.0.0/8", "0.0.0.0/0",
            "::", "::1", "2001:db8::/32", "2001:DB8::1", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "64:ff9b::192.0.2.33",
            "fe80::/10", "::/0", "1::", "1:2:3:4:5:6::8", "0:0:0:0:0:0:0:1", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4"})
    void readsWhatGetByNameReadsForTheSameLiteral(String text) throws Exception {
        Cidr c = Cidr.parse(text);
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        // a literal: getByName parses it without any lookup; our result must agree byte for byte
        byte[] expected = InetAddress.getByName(addr).getAddress();
        assertThat(c.ipVersion()).isEqualTo(expected.length == 4 && !addr.contains(":") ? 4 : 6);
        assertThat(bytes(c)).isEqualTo(expected.length == 16 || c.ipVersion() == 4 ? expected : mapped(expected));
        assertThat(c.prefixLength()).isEqualTo(slash < 0 ? (c.ipVersion() == 4 ? 32 : 128) : Integer.parseInt(text.substring(slash + 1)));
    }

    @Test
    void matchesAddressesInsideThePrefix() {
        Cidr net = Cidr.parse("198.18.0.0/15");
        assertThat(net.contains(4, 0, 0xC6130001L)).isTrue();
        assertThat(net.contains(4, 0, 0xC6140001L)).isFalse();
        Cidr v6 = Cidr.parse("2001:db8::/32");
        assertThat(v6.contains(6, 0x20010db800000000L, 5)).isTrue();
        assertThat(v6.contains(6, 0x20010db900000000L, 5)).isFalse();
        assertThat(Cidr.parse("::/0").contains(6, 42, 42)).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains(6, 0, 0)).isFalse();
    }

    @Test
    void aVeryLongInputIsRefusedWithoutEchoingAllOfIt() {
        String huge = "1".repeat(100_000);
        assertThatThrownBy(() -> Cidr.parse(huge)).hasMessageNotContaining(huge.substring(0, 200));
    }

    private static byte[] bytes(Cidr c) {
        if (c.ipVersion() == 4) {
            long v = c.lo();
            return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) b[i] = (byte) (c.hi() >>> (56 - 8 * i));
        for (int i = 0; i < 8; i++) b[8 + i] = (byte) (c.lo() >>> (56 - 8 * i));
        return b;
    }

    /** getByName turns ::ffff:a.b.c.d into an Inet4Address; we keep it as the IPv6 address it is. */
    private static byte[] mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }
}

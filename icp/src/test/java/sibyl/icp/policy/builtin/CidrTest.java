package sibyl.icp.policy.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    /** An address literal: InetAddress resolves nothing for one. */
    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.0.0.0/8, 10.0.0.0, true",
            "10.0.0.0/8, 10.255.255.255, true",
            "10.0.0.0/8, 11.0.0.0, false",
            "10.0.0.0/8, 9.255.255.255, false",
            "192.0.2.0/24, 192.0.2.77, true",
            "192.0.2.0/24, 192.0.3.1, false",
            "2001:db8::/32, 2001:db8:ffff::1, true",
            "2001:db8::/32, 2001:db9::1, false",
            "[2001:db8::]/48, 2001:db8:0:1::1, true",
            "fe80::/10, febf::1, true",
            "fe80::/10, fec0::1, false"})
    void blocksContainTheirAddressesOnly(String block, String address, boolean contained) {
        assertEquals(contained, Cidr.parse(block).contains(ip(address)));
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "192.0.2.0/23, 192.0.2.1, true",
            "192.0.2.0/23, 192.0.3.255, true",
            "192.0.2.0/23, 192.0.4.0, false",
            "192.0.2.0/23, 192.0.1.255, false",
            "10.64.0.0/10, 10.127.255.255, true",
            "10.64.0.0/10, 10.128.0.0, false",
            "2001:db8:8000::/33, 2001:db8:ffff::1, true",
            "2001:db8:8000::/33, 2001:db8:7fff::1, false"})
    void prefixesThatSplitAByteAreMasked(String block, String address, boolean contained) {
        assertEquals(contained, Cidr.parse(block).contains(ip(address)));
    }

    @Test
    void bareIpv4AddressIsABlockOfOne() {
        Cidr one = Cidr.parse("192.0.2.7");

        assertEquals(32, one.prefixLength());
        assertTrue(one.contains(ip("192.0.2.7")));
        assertFalse(one.contains(ip("192.0.2.8")));
    }

    @Test
    void bareIpv6AddressIsABlockOfOne() {
        Cidr one = Cidr.parse("::1");

        assertEquals(128, one.prefixLength());
        assertTrue(one.contains(ip("::1")));
        assertFalse(one.contains(ip("::2")));
    }

    @Test
    void bracketedIpv6AddressIsAccepted() {
        assertEquals(Cidr.parse("::1/128"), Cidr.parse("[::1]"));
    }

    @Test
    void zeroPrefixContainsEveryAddressOfItsFamily() {
        Cidr allV4 = Cidr.parse("0.0.0.0/0");
        Cidr allV6 = Cidr.parse("::/0");

        assertTrue(allV4.contains(ip("203.0.113.9")));
        assertTrue(allV4.contains(ip("255.255.255.255")));
        assertTrue(allV6.contains(ip("2001:db8::1")));
        assertFalse(allV4.contains(ip("2001:db8::1")), "IPv4 and IPv6 blocks never match each other");
        assertFalse(allV6.contains(ip("203.0.113.9")), "IPv4 and IPv6 blocks never match each other");
    }

    @Test
    void hostBitsOfTheNetworkDoNotMatter() {
        assertTrue(Cidr.parse("10.1.2.3/8").contains(ip("10.200.0.1")));
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertEquals(Cidr.parse("10.0.0.0/8"), Cidr.parse("  10.0.0.0/8\t"));
    }

    @Test
    void printsAsAddressSlashPrefix() {
        assertEquals("192.0.2.0/24", Cidr.parse("192.0.2.0/24").toString());
        assertEquals("0:0:0:0:0:0:0:1/128", Cidr.parse("::1").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "ip6-localhost", "my-squid", ""})
    void hostNamesAreRejectedWithoutResolvingThem(String text) {
        // 'localhost' would resolve to 127.0.0.1 from /etc/hosts: rejecting it shows no lookup.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/", "10.0.0.0/x", "10.0.0.0/8/8", "/8", "1:2:3", "fe80::1%lo", "foo:bar",
            "[::1", "10.0.0.0 / 8"})
    void malformedBlocksAreRejected(String text) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "::/129", "::1/-1", "10.0.0.0/99999999999"})
    void prefixOutOfRangeIsRejected(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
        assertTrue(e.getMessage().contains(text), e.getMessage());
    }

    @Test
    void prefixOutOfRangeIsRejectedByTheConstructorToo() {
        assertThrows(IllegalArgumentException.class, () -> new Cidr(ip("10.0.0.0"), 33));
        assertThrows(IllegalArgumentException.class, () -> new Cidr(ip("::"), -1));
    }

    /**
     * Only four dotted decimal octets are an IPv4 literal here. InetAddress also takes the
     * inet_aton shorthands, so "192.168/16" is parsed as 192.0.0.168/16, an access list entry for
     * a different network than the operator wrote; and a digits-and-dots string that is not an
     * address at all ("999.1.1.1", "1.2.3.4.5") is looked up in DNS, which the class says it never
     * does.
     */
    @ParameterizedTest
    @ValueSource(strings = {"192.168/16", "10.1", "127.1", "010.0.0.1", "1.2.3"})
    void ipv4ShorthandsAreRejectedRatherThanMisread(String text) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text),
                () -> text + " was read as " + Cidr.parse(text));
    }

    @Test
    void loopbackBlocks() {
        assertTrue(Cidr.parse("127.0.0.1").isLoopback());
        assertTrue(Cidr.parse("127.0.0.0/8").isLoopback());
        assertTrue(Cidr.parse("::1").isLoopback());
        assertFalse(Cidr.parse("127.0.0.0/7").isLoopback(), "126.0.0.0/8 is not loopback");
        assertFalse(Cidr.parse("::/127").isLoopback(), ":: is not loopback");
        assertFalse(Cidr.parse("10.0.0.1").isLoopback());
        assertFalse(Cidr.parse("0.0.0.0/0").isLoopback());
    }
}

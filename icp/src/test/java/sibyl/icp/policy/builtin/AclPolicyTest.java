package sibyl.icp.policy.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.TestContext;
import sibyl.icp.policy.TestQuery;

class AclPolicyTest {

    private static AclPolicy allowing(String... blocks) {
        return new AclPolicy(Arrays.stream(blocks).map(Cidr::parse).toList());
    }

    private static final String URL = "http://example.com/";

    @Test
    void allowedSenderGetsNoOpinionSoLaterPoliciesDecide() {
        AclPolicy acl = allowing("192.0.2.0/24", "2001:db8::/32");

        assertNull(acl.decide(TestQuery.from("192.0.2.10", URL)));
        assertNull(acl.decide(TestQuery.from("2001:db8::5", URL)));
    }

    @Test
    void otherSendersAreDenied() {
        AclPolicy acl = allowing("192.0.2.0/24", "2001:db8::/32");

        assertEquals(IcpVerdict.DENIED, acl.decide(TestQuery.from("198.51.100.1", URL)));
        assertEquals(IcpVerdict.DENIED, acl.decide(TestQuery.from("2001:db9::1", URL)));
        assertEquals(IcpVerdict.DENIED, acl.decide(TestQuery.from("127.0.0.1", URL)));
    }

    @Test
    void emptyAllowListDeniesEveryone() {
        AclPolicy acl = allowing();

        assertEquals(IcpVerdict.DENIED, acl.decide(TestQuery.from("127.0.0.1", URL)));
        assertEquals(IcpVerdict.DENIED, acl.decide(TestQuery.from("::1", URL)));
    }

    @Test
    void loopbackOnlyWhenEveryBlockIsLoopback() {
        assertTrue(allowing("127.0.0.1", "::1").loopbackOnly());
        assertTrue(allowing("127.0.0.0/8").loopbackOnly());
        assertFalse(allowing("127.0.0.1", "192.0.2.1").loopbackOnly());
        assertFalse(allowing("127.0.0.0/7").loopbackOnly());
        assertFalse(allowing("0.0.0.0/0").loopbackOnly());
    }

    /**
     * With nothing allowed, not even loopback may ask: the provider's start-up line must not say
     * "queries are allowed from loopback only".
     */
    @Test
    void emptyAllowListIsNotLoopbackOnly() {
        assertFalse(allowing().loopbackOnly());
    }

    @Test
    void allowedListsTheBlocks() {
        assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1")), allowing("10.0.0.0/8", "::1").allowed());
    }

    @Test
    void providerReadsTheAllowList() {
        var policy = new AclPolicyProvider().create(TestContext.of("10-acl", "allow = [\"10.0.0.0/8\", \"::1\"]", null));

        AclPolicy acl = assertInstanceOf(AclPolicy.class, policy);
        assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1")), acl.allowed());
    }

    @Test
    void providerNamesTheSettingOfABadEntry() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new AclPolicyProvider().create(TestContext.of("10-acl", "allow = [\"10.0.0.0/8\", \"not-an-address\"]", null)));

        assertTrue(e.getMessage().contains("allow"), e.getMessage());
        assertTrue(e.getMessage().contains("not-an-address"), e.getMessage());
    }

    @Test
    void providerNeedsAnAllowList() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new AclPolicyProvider().create(TestContext.of("10-acl", "", null)));

        assertTrue(e.getMessage().contains("allow"), e.getMessage());
    }
}

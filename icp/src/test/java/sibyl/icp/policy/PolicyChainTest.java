package sibyl.icp.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyChainTest {

    /** zc.icp's {@code foo_hit_policy}. */
    private static final IcpPolicy FOO_HIT = query -> query.url().contains("foo") ? IcpVerdict.HIT : null;
    /** zc.icp's {@code baz_hit_policy}. */
    private static final IcpPolicy BAZ_NOFETCH = query -> query.url().contains("baz") ? IcpVerdict.MISS_NOFETCH : null;

    /** A policy that counts how often it is closed and otherwise answers {@code verdict}. */
    private static final class Closeable implements IcpPolicy {
        final AtomicInteger closed = new AtomicInteger();
        final IcpVerdict verdict;

        Closeable(IcpVerdict verdict) {
            this.verdict = verdict;
        }

        @Override
        public IcpVerdict decide(IcpQuery query) {
            return verdict;
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    private static IcpVerdict check(PolicyChain chain, String url) {
        return chain.decide(TestQuery.of(url));
    }

    @Test
    void withoutPoliciesEveryUrlIsAMiss() {
        try (PolicyChain chain = new PolicyChain()) {
            assertEquals(IcpVerdict.MISS, check(chain, "http://example.com/foo"));
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "http://example.com/foo, HIT",
            "http://example.com/bar, MISS",
            "http://example.com/baz, MISS_NOFETCH",
            // both match: 'baz' sorts before 'foo', so its verdict is followed
            "http://example.com/foo/baz, MISS_NOFETCH"})
    void seedPolicyExample(String url, IcpVerdict expected) {
        try (PolicyChain chain = new PolicyChain()) {
            chain.register("foo", FOO_HIT);
            chain.register("baz", BAZ_NOFETCH);

            assertEquals(expected, check(chain, url));
        }
    }

    @Test
    void registeredPolicyIsAvailableAtOnce() {
        try (PolicyChain chain = new PolicyChain()) {
            chain.register("foo", FOO_HIT);

            assertEquals(IcpVerdict.HIT, check(chain, "http://example.com/foo"));
            assertEquals(IcpVerdict.MISS, check(chain, "http://example.com/bar"));
        }
    }

    @Test
    void namesAreAskedInStringOrder() {
        try (PolicyChain chain = new PolicyChain()) {
            chain.register("20-rules", query -> null);
            chain.register("foo", query -> null);
            chain.register("10-acl", query -> null);
            chain.register("baz", query -> null);

            assertEquals(List.of("10-acl", "20-rules", "baz", "foo"), chain.names());
        }
    }

    @Test
    void registeringANameAgainReplacesAndClosesTheEarlierPolicy() {
        try (PolicyChain chain = new PolicyChain()) {
            Closeable first = new Closeable(IcpVerdict.HIT);
            Closeable second = new Closeable(IcpVerdict.DENIED);
            chain.register("a", first);

            chain.register("a", second);

            assertEquals(IcpVerdict.DENIED, check(chain, "http://x/"));
            assertEquals(List.of("a"), chain.names());
            assertEquals(1, first.closed.get());
            assertEquals(0, second.closed.get());
        }
    }

    @Test
    void replacingKeepsThePolicysPlaceInTheOrder() {
        try (PolicyChain chain = new PolicyChain()) {
            chain.register("a", query -> null);
            chain.register("b", query -> IcpVerdict.HIT);
            chain.register("c", query -> IcpVerdict.DENIED);

            chain.register("b", query -> IcpVerdict.MISS_NOFETCH);

            assertEquals(List.of("a", "b", "c"), chain.names());
            assertEquals(IcpVerdict.MISS_NOFETCH, check(chain, "http://x/"));
        }
    }

    @Test
    void unregisterRemovesAndClosesThePolicy() {
        try (PolicyChain chain = new PolicyChain()) {
            Closeable hit = new Closeable(IcpVerdict.HIT);
            chain.register("hit", hit);

            assertTrue(chain.unregister("hit"));

            assertEquals(IcpVerdict.MISS, check(chain, "http://x/"));
            assertEquals(List.of(), chain.names());
            assertEquals(1, hit.closed.get());
        }
    }

    @Test
    void unregisteringAnUnknownNameChangesNothing() {
        try (PolicyChain chain = new PolicyChain()) {
            chain.register("hit", query -> IcpVerdict.HIT);

            assertFalse(chain.unregister("miss"));

            assertEquals(List.of("hit"), chain.names());
        }
    }

    @Test
    void policyThatThrowsIsCountedAndTakenAsNoOpinion() {
        try (PolicyChain chain = new PolicyChain()) {
            chain.register("10-broken", query -> {
                throw new IllegalStateException("boom");
            });
            chain.register("20-next", query -> IcpVerdict.HIT);

            assertEquals(IcpVerdict.HIT, check(chain, "http://x/"));
            assertEquals(1, chain.failures());
        }
    }

    @Test
    void policyThatFailsToLinkIsCountedToo() {
        try (PolicyChain chain = new PolicyChain()) {
            chain.register("plugin", query -> {
                throw new NoClassDefFoundError("some/Missing");
            });

            assertEquals(IcpVerdict.MISS, check(chain, "http://x/"));
            assertEquals(IcpVerdict.MISS, check(chain, "http://y/"));
            assertEquals(2, chain.failures());
        }
    }

    @Test
    void policyThatThrowsOnCloseIsStillReplaced() {
        try (PolicyChain chain = new PolicyChain()) {
            chain.register("a", new IcpPolicy() {
                @Override
                public IcpVerdict decide(IcpQuery query) {
                    return IcpVerdict.HIT;
                }

                @Override
                public void close() {
                    throw new IllegalStateException("cannot close");
                }
            });

            chain.register("a", query -> IcpVerdict.DENIED);

            assertEquals(IcpVerdict.DENIED, check(chain, "http://x/"));
        }
    }

    @Test
    void closeClosesEveryPolicyAndEmptiesTheChain() {
        PolicyChain chain = new PolicyChain();
        Closeable a = new Closeable(IcpVerdict.HIT);
        Closeable b = new Closeable(IcpVerdict.DENIED);
        chain.register("a", a);
        chain.register("b", b);

        chain.close();

        assertEquals(1, a.closed.get());
        assertEquals(1, b.closed.get());
        assertEquals(List.of(), chain.names());
        assertEquals(IcpVerdict.MISS, check(chain, "http://x/"));
    }
}

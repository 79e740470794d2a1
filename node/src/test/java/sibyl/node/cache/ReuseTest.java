package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static sibyl.node.cache.FreshnessTest.NOW;
import static sibyl.node.cache.FreshnessTest.headers;

import org.junit.jupiter.api.Test;

class ReuseTest {
    /** Fresh for 100 s from NOW. */
    static final Freshness HUNDRED_SECONDS = FreshnessTest.of(200, headers("Cache-Control", "max-age=100"));

    @Test
    void aFreshResponseIsServed() {
        assertEquals(Reuse.SERVE, Reuse.decide(HUNDRED_SECONDS, CacheControl.NONE, NOW + 50_000));
    }

    @Test
    void aStaleResponseIsRevalidated() {
        assertEquals(Reuse.REVALIDATE, Reuse.decide(HUNDRED_SECONDS, CacheControl.NONE, NOW + 100_000));
    }

    @Test
    void requestNoCacheForcesRevalidation() {
        assertEquals(Reuse.REVALIDATE, Reuse.decide(HUNDRED_SECONDS, CacheControl.parse("no-cache"), NOW));
    }

    @Test
    void responseNoCacheForcesRevalidation() {
        Freshness noCache = FreshnessTest.of(200, headers("Cache-Control", "no-cache, max-age=100"));

        assertEquals(Reuse.REVALIDATE, Reuse.decide(noCache, CacheControl.NONE, NOW));
    }

    @Test
    void requestMaxAgeLimitsTheAge() {
        assertEquals(Reuse.SERVE, Reuse.decide(HUNDRED_SECONDS, CacheControl.parse("max-age=30"), NOW + 30_000));
        assertEquals(Reuse.REVALIDATE, Reuse.decide(HUNDRED_SECONDS, CacheControl.parse("max-age=30"), NOW + 31_000));
        assertEquals(Reuse.REVALIDATE, Reuse.decide(HUNDRED_SECONDS, CacheControl.parse("max-age=0"), NOW + 1_000));
    }

    @Test
    void requestMinFreshAsksForFreshnessLeft() {
        assertEquals(Reuse.SERVE, Reuse.decide(HUNDRED_SECONDS, CacheControl.parse("min-fresh=40"), NOW + 60_000));
        assertEquals(Reuse.REVALIDATE, Reuse.decide(HUNDRED_SECONDS, CacheControl.parse("min-fresh=40"), NOW + 61_000));
    }

    @Test
    void requestMaxStaleAcceptsThatMuchStaleness() {
        assertEquals(Reuse.SERVE, Reuse.decide(HUNDRED_SECONDS, CacheControl.parse("max-stale=20"), NOW + 120_000));
        assertEquals(Reuse.REVALIDATE, Reuse.decide(HUNDRED_SECONDS, CacheControl.parse("max-stale=20"), NOW + 121_000));
        assertEquals(Reuse.SERVE, Reuse.decide(HUNDRED_SECONDS, CacheControl.parse("max-stale"), NOW + 86_400_000));
    }

    @Test
    void mustRevalidateOverridesMaxStale() {
        Freshness mustRevalidate = FreshnessTest.of(200, headers("Cache-Control", "max-age=100, must-revalidate"));

        assertEquals(Reuse.REVALIDATE, Reuse.decide(mustRevalidate, CacheControl.parse("max-stale"), NOW + 101_000));
        assertEquals(Reuse.SERVE, Reuse.decide(mustRevalidate, CacheControl.parse("max-stale"), NOW + 99_000));
    }
}

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

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        // response Cache-Control                           | seconds past max-age | request       | grace s | decision
        "max-age=100, stale-while-revalidate=60              | 30  |                | 0  | SERVE_STALE_AND_REVALIDATE",
        "max-age=100, stale-while-revalidate=60              | 60  |                | 0  | SERVE_STALE_AND_REVALIDATE",
        "max-age=100, stale-while-revalidate=60              | 61  |                | 0  | REVALIDATE",
        "max-age=100, stale-while-revalidate=60              | 30  | no-cache       | 0  | REVALIDATE",
        "max-age=100, stale-while-revalidate=60              | 30  | min-fresh=1    | 0  | REVALIDATE",
        "max-age=100, stale-while-revalidate=60              | 30  | max-age=110    | 0  | REVALIDATE",
        "max-age=100, stale-while-revalidate=60, must-revalidate | 30 |             | 0  | REVALIDATE",
        "max-age=100, stale-while-revalidate=60, proxy-revalidate | 30 |            | 0  | REVALIDATE",
        "s-maxage=100, stale-while-revalidate=60             | 30  |                | 0  | SERVE_STALE_AND_REVALIDATE",
        "max-age=100                                         | 30  |                | 0  | REVALIDATE",
        "max-age=100                                         | 30  |                | 60 | SERVE_STALE_AND_REVALIDATE",
        "max-age=100, stale-while-revalidate=10              | 30  |                | 60 | REVALIDATE",
        "s-maxage=100                                        | 30  |                | 60 | REVALIDATE",
        "max-age=100, must-revalidate                        | 30  |                | 60 | REVALIDATE",
    })
    void staleWhileRevalidate(String response, long past, String request, long grace, Reuse expected) {
        Freshness freshness = FreshnessTest.of(200, headers("Cache-Control", response));
        CacheControl control = request == null ? CacheControl.NONE : CacheControl.parse(request);
        Grace operator = new Grace(java.time.Duration.ofSeconds(grace), java.time.Duration.ZERO);

        assertEquals(expected, Reuse.decide(freshness, control, NOW + (100 + past) * 1000, operator));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        // response Cache-Control                   | seconds past max-age | disconnected | grace s | servable
        "max-age=100, stale-if-error=60              | 60  | false | 0    | true",
        "max-age=100, stale-if-error=60              | 61  | true  | 3600 | false",
        "max-age=100                                 | 30  | false | 3600 | false",
        "max-age=100                                 | 30  | true  | 3600 | true",
        "max-age=100                                 | 30  | true  | 0    | false",
        "max-age=100, must-revalidate                | 30  | true  | 3600 | false",
        "max-age=100, must-revalidate, stale-if-error=60 | 30 | false | 0 | false",
        "max-age=100, no-cache                       | 30  | true  | 3600 | false",
        "s-maxage=100                                | 30  | true  | 3600 | false",
        "s-maxage=100, stale-if-error=60             | 30  | false | 0    | true",
    })
    void staleIfError(String response, long past, boolean disconnected, long grace, boolean servable) {
        Freshness freshness = FreshnessTest.of(200, headers("Cache-Control", response));
        Grace operator = new Grace(java.time.Duration.ZERO, java.time.Duration.ofSeconds(grace));

        assertEquals(servable, freshness.servableOnError(NOW + (100 + past) * 1000, operator, disconnected));
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

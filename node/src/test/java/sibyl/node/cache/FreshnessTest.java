package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.Date;
import org.junit.jupiter.api.Test;

class FreshnessTest {
    /** The cache's clock when the response arrived: 2026-11-22T12:00:00Z. */
    static final long NOW = 1_795_348_800_000L;

    @Test
    void sMaxAgeWinsOverMaxAgeAndExpires() {
        HttpHeaders headers = headers("Cache-Control", "max-age=100, s-maxage=10", "Expires", date(NOW + 1_000_000));

        assertEquals(10, of(200, headers).lifetimeSeconds());
    }

    @Test
    void maxAgeWinsOverExpires() {
        HttpHeaders headers = headers("Cache-Control", "max-age=100", "Expires", date(NOW + 1_000_000));

        assertEquals(100, of(200, headers).lifetimeSeconds());
    }

    @Test
    void expiresCountsFromTheResponsesDate() {
        HttpHeaders headers = headers("Date", date(NOW - 60_000), "Expires", date(NOW + 240_000));

        assertEquals(300, of(200, headers).lifetimeSeconds());
        assertEquals(60, of(200, headers).initialAgeSeconds(), "the apparent age: the origin's Date was 60 s ago");
    }

    @Test
    void expiresInEachOfTheThreeDateFormats() {
        // Date: Sun, 06 Nov 1994 08:49:37 GMT; Expires an hour later in each format of RFC 9110 5.6.7.
        for (String expires : new String[] {
                "Sun, 06 Nov 1994 09:49:37 GMT", "Sunday, 06-Nov-94 09:49:37 GMT", "Sun Nov  6 09:49:37 1994"}) {
            HttpHeaders headers = headers("Date", "Sun, 06 Nov 1994 08:49:37 GMT", "Expires", expires);

            assertEquals(3600, of(200, headers).lifetimeSeconds(), expires);
        }
    }

    @Test
    void anInvalidExpiresMeansAlreadyExpired() {
        assertEquals(0, of(200, headers("Expires", "0")).lifetimeSeconds());
        assertEquals(0, of(200, headers("Expires", "tomorrow")).lifetimeSeconds());
        assertEquals(0, of(200, headers("Expires", date(NOW + 60_000) + " ".repeat(40) + "x")).lifetimeSeconds(),
                "over 64 characters, which Netty's date parser throws for");
    }

    @Test
    void twoExpiresLinesMeanAlreadyExpired() {
        HttpHeaders headers = headers("Date", date(NOW), "Expires", date(NOW + 60_000));
        headers.add("Expires", date(NOW + 60_000));

        assertEquals(0, of(200, headers).lifetimeSeconds());
    }

    @Test
    void anExpiresOutsideTheThreeFormsMeansAlreadyExpired() {
        for (String expires : new String[] {"Sun, 06 Nov 2095 08:49:37 UTC", "Sun, 06 Nov 95 08:49:37 GMT",
                "Sun 06 Nov 2095 08:49:37 GMT", "Sun, 06-Nov-2095 08:49:37 GMT", "Sun, 06 Nov 2095 8:49:37 GMT"}) {
            assertEquals(0, of(200, headers("Date", date(NOW), "Expires", expires)).lifetimeSeconds(), expires);
        }
    }

    @Test
    void ofAListOrSeveralAgeLinesTheFirstMemberCounts() {
        HttpHeaders list = headers("Date", date(NOW), "Age", "7200, 0", "Cache-Control", "max-age=3600");
        HttpHeaders lines = headers("Date", date(NOW), "Age", "7200", "Age", "0", "Cache-Control", "max-age=3600");

        assertEquals(7200, of(200, list).initialAgeSeconds());
        assertFalse(of(200, list).isFresh(NOW), "two hours old, fresh for one");
        assertEquals(7200, of(200, lines).initialAgeSeconds());
    }

    @Test
    void anInvalidDateIsIgnored() {
        HttpHeaders headers = headers("Date", "Sunday, 06-Nov-94 08:49:37 GMT, or thereabouts, give or take a week",
                "Cache-Control", "max-age=60");

        assertEquals(0, of(200, headers).initialAgeSeconds());
        assertEquals(60, of(200, headers).lifetimeSeconds());
    }

    @Test
    void anExpiresInThePastIsStale() {
        assertEquals(0, of(200, headers("Date", date(NOW), "Expires", date(NOW - 60_000))).lifetimeSeconds());
    }

    @Test
    void heuristicLifetimeIsATenthOfTheTimeSinceLastModified() {
        HttpHeaders headers = headers("Date", date(NOW), "Last-Modified", date(NOW - 10_000_000));

        Freshness freshness = of(200, headers);

        assertEquals(1000, freshness.lifetimeSeconds());
        assertTrue(freshness.heuristic());
    }

    @Test
    void heuristicLifetimeIsCapped() {
        HttpHeaders headers = headers("Date", date(NOW), "Last-Modified", date(NOW - Duration.ofDays(365).toMillis()));

        assertEquals(Duration.ofDays(1).toSeconds(), of(200, headers).lifetimeSeconds());
    }

    @Test
    void noHeuristicForStatusesThatAreNotHeuristicallyCacheable() {
        HttpHeaders headers = headers("Date", date(NOW), "Last-Modified", date(NOW - 10_000_000));

        assertEquals(0, of(302, headers).lifetimeSeconds());
        assertEquals(1000, of(404, headers).lifetimeSeconds());
    }

    @Test
    void publicAllowsAHeuristicForAnyStatus() {
        HttpHeaders headers = headers("Cache-Control", "public", "Date", date(NOW), "Last-Modified", date(NOW - 10_000_000));

        assertEquals(1000, of(302, headers).lifetimeSeconds());
    }

    @Test
    void withoutLastModifiedTheHeuristicGivesNothing() {
        assertEquals(0, of(200, headers("Date", date(NOW))).lifetimeSeconds());
    }

    @Test
    void receivedAgeAndTheRequestsDelayCountTowardsTheInitialAge() {
        HttpHeaders headers = headers("Date", date(NOW), "Age", "30", "Cache-Control", "max-age=100");

        Freshness freshness = Freshness.of(200, headers, control(headers), NOW - 2_000, NOW, Heuristics.RFC_SUGGESTED);

        assertEquals(32, freshness.initialAgeSeconds(), "Age 30 plus the 2 s the response took to arrive");
        assertEquals(68, freshness.freshForSeconds(NOW));
    }

    @Test
    void anInvalidAgeCountsAsZero() {
        HttpHeaders headers = headers("Date", date(NOW), "Age", "soon", "Cache-Control", "max-age=100");

        assertEquals(0, of(200, headers).initialAgeSeconds());
    }

    @Test
    void ageGrowsWithTimeInTheCache() {
        Freshness freshness = of(200, headers("Date", date(NOW), "Cache-Control", "max-age=100"));

        assertEquals(0, freshness.currentAgeSeconds(NOW));
        assertEquals(99, freshness.currentAgeSeconds(NOW + 99_500));
        assertTrue(freshness.isFresh(NOW + 99_500));
        assertFalse(freshness.isFresh(NOW + 100_000));
    }

    @Test
    void aMissingDateIsTheArrivalTime() {
        Freshness freshness = of(200, headers("Cache-Control", "max-age=100"));

        assertEquals(0, freshness.initialAgeSeconds());
        assertEquals(100, freshness.freshForSeconds(NOW));
    }

    @Test
    void aDateInTheFutureGivesNoNegativeAge() {
        assertEquals(0, of(200, headers("Date", date(NOW + 60_000), "Cache-Control", "max-age=100")).initialAgeSeconds());
    }

    @Test
    void mustRevalidateProxyRevalidateAndSMaxAgeForbidServingStale() {
        assertTrue(of(200, headers("Cache-Control", "max-age=1, must-revalidate")).revalidateWhenStale());
        assertTrue(of(200, headers("Cache-Control", "max-age=1, proxy-revalidate")).revalidateWhenStale());
        assertTrue(of(200, headers("Cache-Control", "s-maxage=1")).revalidateWhenStale());
        assertFalse(of(200, headers("Cache-Control", "max-age=1")).revalidateWhenStale());
    }

    @Test
    void noCacheMeansRevalidateEveryTime() {
        assertTrue(of(200, headers("Cache-Control", "no-cache, max-age=600")).revalidateAlways());
    }

    static Freshness of(int status, HttpHeaders headers) {
        return Freshness.of(status, headers, control(headers), NOW, NOW, Heuristics.RFC_SUGGESTED);
    }

    static CacheControl control(HttpHeaders headers) {
        return CacheControl.parse(headers.getAll("Cache-Control"));
    }

    static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    static String date(long millis) {
        return DateFormatter.format(new Date(millis));
    }
}

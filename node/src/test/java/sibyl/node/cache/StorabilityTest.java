package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static sibyl.node.cache.FreshnessTest.headers;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StorabilityTest {

    @Test
    void aGetWithMaxAgeIsStorable() {
        assertNull(check(HttpMethod.GET, headers(), 200, headers("Cache-Control", "max-age=60")));
    }

    @Test
    void onlyGetResponsesAreStored() {
        assertEquals(Storability.METHOD, check(HttpMethod.POST, headers(), 200, headers("Cache-Control", "max-age=60")));
        assertEquals(Storability.METHOD, check(HttpMethod.HEAD, headers(), 200, headers("Cache-Control", "max-age=60")));
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 101, 206, 600, 999})
    void informationalPartialAndUnknownStatusesAreNotStored(int status) {
        assertEquals(Storability.STATUS, check(HttpMethod.GET, headers(), status, headers("Cache-Control", "max-age=60")));
    }

    @Test
    void mustUnderstandOverridesTheResponsesNoStoreForAStatusUnderstood() {
        HttpHeaders mustUnderstand = headers("Cache-Control", "max-age=60, no-store, must-understand");

        assertNull(check(HttpMethod.GET, headers(), 200, mustUnderstand));
        assertNull(check(HttpMethod.GET, headers(), 404, mustUnderstand));
        assertEquals(Storability.STATUS, check(HttpMethod.GET, headers(), 299, mustUnderstand), "a status no RFC defines");
        assertEquals(Storability.STATUS, check(HttpMethod.GET, headers(), 299,
                headers("Cache-Control", "max-age=60, must-understand")), "must-understand alone limits it too");
        assertNull(check(HttpMethod.GET, headers(), 299, headers("Cache-Control", "max-age=60")));
        assertEquals(Storability.NO_STORE, check(HttpMethod.GET, headers("Cache-Control", "no-store"), 200, mustUnderstand),
                "the request's no-store still holds");
    }

    @Test
    void aSetCookieIsStoredOnlyWhenAQualifiedDirectiveKeepsItOut() {
        // Stricter than RFC 9111 section 7.3 (origins that mind would say so): one client's
        // cookie served to another is the worst a shared cache can do.
        assertEquals(Storability.SET_COOKIE,
                check(HttpMethod.GET, headers(), 200, headers("Cache-Control", "max-age=60", "Set-Cookie", "a=1")));
        assertEquals(Storability.SET_COOKIE, check(HttpMethod.GET, headers(), 200,
                headers("Cache-Control", "max-age=60, no-cache=\"X-Other\"", "Set-Cookie", "a=1")));
        assertNull(check(HttpMethod.GET, headers(), 200,
                headers("Cache-Control", "max-age=60, no-cache=\"Set-Cookie\"", "Set-Cookie", "a=1")));
        assertNull(check(HttpMethod.GET, headers(), 200,
                headers("Cache-Control", "max-age=60, private=\"set-cookie\"", "Set-Cookie", "a=1")));
        assertEquals(Storability.PRIVATE, check(HttpMethod.GET, headers(), 200,
                headers("Cache-Control", "max-age=60, private", "Set-Cookie", "a=1")));
    }

    @Test
    void noStoreInTheRequestOrTheResponse() {
        assertEquals(Storability.NO_STORE,
                check(HttpMethod.GET, headers("Cache-Control", "no-store"), 200, headers("Cache-Control", "max-age=60")));
        assertEquals(Storability.NO_STORE,
                check(HttpMethod.GET, headers(), 200, headers("Cache-Control", "max-age=60, no-store")));
    }

    @Test
    void privateIsNotForASharedCache() {
        assertEquals(Storability.PRIVATE, check(HttpMethod.GET, headers(), 200, headers("Cache-Control", "private, max-age=60")));
    }

    @Test
    void authorizedRequestsNeedTheOriginsExplicitConsent() {
        HttpHeaders authorized = headers("Authorization", "Basic dTpw");

        assertEquals(Storability.AUTHORIZATION, check(HttpMethod.GET, authorized, 200, headers("Cache-Control", "max-age=60")));
        assertNull(check(HttpMethod.GET, authorized, 200, headers("Cache-Control", "max-age=60, public")));
        assertNull(check(HttpMethod.GET, authorized, 200, headers("Cache-Control", "max-age=60, must-revalidate")));
        assertNull(check(HttpMethod.GET, authorized, 200, headers("Cache-Control", "s-maxage=60")));
    }

    @Test
    void varyStarIsNeverStored() {
        assertEquals(Storability.VARY_ANY,
                check(HttpMethod.GET, headers(), 200, headers("Cache-Control", "max-age=60", "Vary", "Accept, *")));
    }

    @Test
    void aResponseWithoutFreshnessInformationNeedsAHeuristicallyCacheableStatus() {
        assertEquals(Storability.NO_FRESHNESS, check(HttpMethod.GET, headers(), 302, headers()));
        assertNull(check(HttpMethod.GET, headers(), 302, headers("Expires", "Thu, 01 Jan 2099 00:00:00 GMT")));
        assertNull(check(HttpMethod.GET, headers(), 302, headers("Cache-Control", "public")));
        assertNull(check(HttpMethod.GET, headers(), 200, headers()));
        assertNull(check(HttpMethod.GET, headers(), 404, headers()));
    }

    private static Storability check(HttpMethod method, HttpHeaders request, int status, HttpHeaders response) {
        return Storability.check(method, request, FreshnessTest.control(request), status, response,
                FreshnessTest.control(response));
    }
}

package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CacheControlTest {

    @Test
    void parsesEveryDirectiveASharedCacheActsOn() {
        CacheControl control = CacheControl.parse(
                "max-age=60, s-maxage=30, no-store, no-cache, private, public, must-revalidate, proxy-revalidate");

        assertEquals(60, control.maxAge());
        assertEquals(30, control.sMaxAge());
        assertTrue(control.noStore());
        assertTrue(control.noCache());
        assertTrue(control.isPrivate());
        assertTrue(control.isPublic());
        assertTrue(control.mustRevalidate());
        assertTrue(control.proxyRevalidate());
    }

    @Test
    void parsesRequestDirectives() {
        CacheControl control = CacheControl.parse("max-stale=10, min-fresh=5, only-if-cached, max-age=0");

        assertEquals(10, control.maxStale());
        assertEquals(5, control.minFresh());
        assertTrue(control.onlyIfCached());
        assertEquals(0, control.maxAge());
    }

    @Test
    void maxStaleWithoutValueAcceptsAnyStaleness() {
        assertEquals(Long.MAX_VALUE, CacheControl.parse("max-stale").maxStale());
    }

    @Test
    void absentDirectivesAreAbsent() {
        assertEquals(CacheControl.NONE, CacheControl.parse(""));
        assertEquals(CacheControl.NONE, CacheControl.parse(List.of()));
        assertEquals(CacheControl.ABSENT, CacheControl.parse("public").maxAge());
    }

    @Test
    void namesAreCaseInsensitive() {
        CacheControl control = CacheControl.parse("Max-Age=5, NO-STORE, S-MaxAge=7, Must-Revalidate");

        assertEquals(5, control.maxAge());
        assertEquals(7, control.sMaxAge());
        assertTrue(control.noStore());
        assertTrue(control.mustRevalidate());
    }

    @Test
    void unknownExtensionsAreIgnored() {
        CacheControl control = CacheControl.parse("community=\"UCI, x\", max-age=9, stale-while-revalidate=30, immutable");

        assertEquals(9, control.maxAge());
        assertFalse(control.noCache());
    }

    @Test
    void quotedArgumentsAreRead() {
        assertEquals(120, CacheControl.parse("max-age=\"120\"").maxAge());
    }

    @Test
    void qualifiedNoCacheAndPrivateNameFieldsAndLeaveTheResponseUsable() {
        CacheControl control = CacheControl.parse("no-cache=\"Set-Cookie, Set-Cookie2\", private=\"X-Secret\", max-age=60");

        assertFalse(control.noCache());
        assertFalse(control.isPrivate());
        assertEquals(java.util.Set.of("set-cookie", "set-cookie2"), control.noCacheFields());
        assertEquals(java.util.Set.of("x-secret"), control.privateFields());
        assertEquals(java.util.Set.of("set-cookie", "set-cookie2", "x-secret"), control.unsharedFields());
        assertEquals(60, control.maxAge());
    }

    @Test
    void theUnqualifiedFormWinsAndAnEmptyListIsUnqualified() {
        CacheControl both = CacheControl.parse(List.of("no-cache=\"Set-Cookie\"", "no-cache"));
        assertTrue(both.noCache());
        assertEquals(java.util.Set.of(), both.noCacheFields());
        assertTrue(CacheControl.parse("private=\"\"").isPrivate());
        assertTrue(CacheControl.parse("no-cache=\" , \"").noCache());
        assertEquals(java.util.Set.of("set-cookie"), CacheControl.parse("no-cache=Set-Cookie").noCacheFields(),
                "a token rather than a quoted list");
    }

    @Test
    void mustUnderstand() {
        assertTrue(CacheControl.parse("must-understand, no-store").mustUnderstand());
        assertFalse(CacheControl.parse("no-store").mustUnderstand());
    }

    @Test
    void severalLinesAreOneList() {
        CacheControl control = CacheControl.parse(List.of("public", "max-age=30", "must-revalidate"));

        assertTrue(control.isPublic());
        assertEquals(30, control.maxAge());
        assertTrue(control.mustRevalidate());
    }

    @Test
    void aRepeatedDirectiveTakesItsSmallerValue() {
        assertEquals(10, CacheControl.parse("max-age=60, max-age=10").maxAge());
        assertEquals(10, CacheControl.parse(List.of("max-age=10", "max-age=60")).maxAge());
    }

    @ParameterizedTest
    @ValueSource(strings = {"max-age=abc", "max-age=-5", "max-age=", "max-age=1.5", "max-age=0x10"})
    void anInvalidDeltaSecondsMeansStale(String header) {
        assertEquals(0, CacheControl.parse(header).maxAge());
    }

    @Test
    void hugeDeltaSecondsAreCapped() {
        assertEquals(CacheControl.DELTA_SECONDS_CAP, CacheControl.parse("max-age=99999999999999999999999").maxAge());
    }

    @Test
    void whitespaceAndEmptyElementsAreTolerated() {
        CacheControl control = CacheControl.parse(" ,, max-age = 30 ,\tpublic , ");

        assertEquals(30, control.maxAge());
        assertTrue(control.isPublic());
    }
}

package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import sibyl.icp.wire.FuzzDuration;

/**
 * Canonicalises arbitrary strings as URLs, as the node does every URL of an ICP query and of an
 * HTTP request ({@link CacheKey#of}).
 *
 * <p>Checks that nothing throws; that a key is its own key (and is returned as it is, without a
 * copy); that a key has no fragment; and that spellings RFC 3986 section 6.2.2 makes equal give
 * the same key: scheme and host in upper case, a fragment added, the default port written out or
 * left empty.
 *
 * <p>Regression mode runs the empty input and
 * {@code src/test/resources/sibyl/node/cache/CacheKeyFuzzTestInputs/keysAreCanonical/};
 * {@code JAZZER_FUZZ} makes it fuzz for {@code sibyl.fuzz.seconds} seconds.
 */
class CacheKeyFuzzTest {
    /** RFC 3986 section 3.1. */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

    @BeforeAll
    static void boundFuzzingTime() {
        FuzzDuration.boundBySibylFuzzSeconds();
    }

    @FuzzTest(maxDuration = "20s")
    void keysAreCanonical(byte[] bytes) {
        String url = new String(bytes, StandardCharsets.UTF_8);
        String key = CacheKey.of(url);

        assertSame(key, CacheKey.of(key), () -> "the key of key " + key + " of " + url);
        assertEquals(-1, key.indexOf('#'), key);
        assertEquals(key, CacheKey.of(url + "#fragment"), () -> "with a fragment: " + url);

        int schemeEnd = url.indexOf("://");
        if (schemeEnd <= 0 || !SCHEME.matcher(url.substring(0, schemeEnd)).matches()) {
            assertEquals(url.indexOf('#') < 0 ? url : url.substring(0, url.indexOf('#')), key, "not an absolute URL");
            return;
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < url.length() && "/?#".indexOf(url.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String scheme = url.substring(0, schemeEnd);
        String authority = url.substring(authorityStart, authorityEnd);
        String rest = url.substring(authorityEnd);
        String userInfo = authority.substring(0, authority.lastIndexOf('@') + 1);
        String host = authority.substring(userInfo.length());
        String shouted = upperAscii(scheme) + "://" + userInfo + upperAscii(host);
        assertEquals(key, CacheKey.of(shouted + rest), () -> "in upper case: " + url);

        if (scheme.equalsIgnoreCase("http") && !host.isEmpty() && host.indexOf(':') < 0 && host.indexOf('[') < 0) {
            assertEquals(key, CacheKey.of(scheme + "://" + authority + ":80" + rest), () -> "with :80: " + url);
            assertEquals(key, CacheKey.of(scheme + "://" + authority + ":" + rest), () -> "with ':': " + url);
        }
        assertTrue(key.regionMatches(true, 0, scheme, 0, scheme.length()), key);
    }

    private static String upperAscii(String s) {
        StringBuilder upper = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            upper.append(c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c);
        }
        return upper.toString();
    }
}

package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CacheKeyTest {

    @ParameterizedTest
    @CsvSource({
        "HTTP://Example.COM/a/B?Q=1,          http://example.com/a/B?Q=1",
        "http://example.com:80/x,             http://example.com/x",
        "https://example.com:443/x,           https://example.com/x",
        "http://example.com:8080/x,           http://example.com:8080/x",
        "http://example.com,                  http://example.com/",
        "http://example.com?q,                http://example.com/?q",
        "http://example.com/x#top,            http://example.com/x",
        "http://User@Example.com/x,           http://User@example.com/x",
        "http://example.com:/x,               http://example.com/x",
        "http://[::1]:80/x,                   http://[::1]/x",
        "/a?u=HTTP://X#f,                     /a?u=HTTP://X",
        "http:/x#://Y/,                       http:/x",
        "HTTP://H::/x,                        http://h::/x",
        "http://h:80:80/x,                    http://h:80:80/x",
        "http://É.example:80/x,           http://É.example/x",
    })
    void equivalentSpellingsShareAKey(String url, String key) {
        assertEquals(key, CacheKey.of(url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com/", "http://example.com/a?b=c", "https://x.example:8443/%41"})
    void aCanonicalUrlIsItsOwnKeyWithoutACopy(String url) {
        assertSame(url, CacheKey.of(url));
    }
}

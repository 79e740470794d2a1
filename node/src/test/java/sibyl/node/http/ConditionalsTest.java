package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class ConditionalsTest {
    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    @Test
    void byteRangesOfATenByteBody() {
        assertArrayEquals(new long[] {0, 1}, Conditionals.byteRange("bytes=0-0", 10));
        assertArrayEquals(new long[] {2, 4}, Conditionals.byteRange("bytes=2-5", 10));
        assertArrayEquals(new long[] {5, 5}, Conditionals.byteRange("bytes=5-", 10));
        assertArrayEquals(new long[] {5, 5}, Conditionals.byteRange("bytes=5-99", 10), "the last byte is capped");
        assertArrayEquals(new long[] {7, 3}, Conditionals.byteRange("bytes=-3", 10));
        assertArrayEquals(new long[] {0, 10}, Conditionals.byteRange("bytes=-30", 10));
        assertArrayEquals(new long[] {2, 4}, Conditionals.byteRange("BYTES=2-5", 10), "the unit is case-insensitive");
        assertSame(Conditionals.UNSATISFIABLE, Conditionals.byteRange("bytes=10-", 10));
        assertSame(Conditionals.UNSATISFIABLE, Conditionals.byteRange("bytes=-0", 10));
    }

    @Test
    void rangesThatAreNotOneValidByteRangeMeanTheWholeResponse() {
        assertNull(Conditionals.byteRange("bytes=0-1,4-5", 10), "several ranges");
        assertNull(Conditionals.byteRange("items=0-1", 10));
        assertNull(Conditionals.byteRange("bytes=5-2", 10));
        assertNull(Conditionals.byteRange("bytes=a-b", 10));
        assertNull(Conditionals.byteRange("bytes=5", 10));
    }

    @Test
    void ifNoneMatchComparesWeaklyAndStarMatchesAnything() {
        HttpHeaders stored = headers("ETag", "W/\"v1\"", "Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT");

        assertTrue(Conditionals.notModified(headers("If-None-Match", "\"v1\""), stored));
        assertTrue(Conditionals.notModified(headers("If-None-Match", "\"x\", W/\"v1\""), stored));
        assertTrue(Conditionals.notModified(headers("If-None-Match", "*"), stored));
        assertFalse(Conditionals.notModified(headers("If-None-Match", "\"v2\"",
                "If-Modified-Since", "Sun, 06 Nov 2094 08:49:37 GMT"), stored), "If-None-Match decides alone");
    }

    @Test
    void ifModifiedSinceComparesWithLastModified() {
        HttpHeaders stored = headers("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT");

        assertTrue(Conditionals.notModified(headers("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"), stored));
        assertFalse(Conditionals.notModified(headers("If-Modified-Since", "Sat, 05 Nov 1994 08:49:37 GMT"), stored));
        assertFalse(Conditionals.notModified(headers("If-Modified-Since", "yesterday"), stored));
        // Netty's date parser throws for over 64 characters: such a value is not a date either.
        assertFalse(Conditionals.notModified(headers("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT" + " ".repeat(40)
                + "x"), stored));
    }

    @Test
    void ifRangeNeedsAStrongMatchOrTheExactDate() {
        HttpHeaders stored = headers("ETag", "\"v1\"", "Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT");

        assertTrue(Conditionals.rangeApplies(headers("Range", "bytes=0-1"), stored));
        assertTrue(Conditionals.rangeApplies(headers("Range", "bytes=0-1", "If-Range", "\"v1\""), stored));
        assertTrue(Conditionals.rangeApplies(headers("Range", "bytes=0-1", "If-Range",
                "Sun, 06 Nov 1994 08:49:37 GMT"), stored));
        assertFalse(Conditionals.rangeApplies(headers("Range", "bytes=0-1", "If-Range", "\"v0\""), stored));
        assertFalse(Conditionals.rangeApplies(headers(), stored));
    }
}

package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SliceTest {
    @Test
    void theRangesSlicesAnswerAreOneRangeFromAKnownFirstByte() {
        assertArrayEquals(new long[] {0, 0}, SlicedRange.requested("bytes=0-0"));
        assertArrayEquals(new long[] {5, 9}, SlicedRange.requested(" BYTES=5-9 "));
        assertArrayEquals(new long[] {5, Long.MAX_VALUE - 1}, SlicedRange.requested("bytes=5-"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=-5", "bytes=0-1,4-5", "bytes=9-5", "items=0-5", "bytes=a-", "bytes=",
        "bytes=2000000000000000000-"})
    void suffixesSeveralRangesAndNonsenseAreNotSliced(String field) {
        assertNull(SlicedRange.requested(field));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bytes 1024-2047/5000 | 5000", "bytes 4096-4999/5000 | -1", "bytes 1024-1535/1536 | 1536",
        "bytes 1024-2047/* | -1", "bytes 0-1023/5000 | -1", "bytes 1024-2000/5000 | -1", "bytes */5000 | -1",
        "items 1024-2047/5000 | -1", "bytes 1024-2047/2000 | -1"})
    void aSlicesContentRangeMustBeExactlyThatSlice(String contentRange, long total) {
        Slice second = new Slice("http://example.com/v", 1, 1024);

        assertEquals(total, second.totalIn(new DefaultHttpHeaders().set("Content-Range", contentRange)), contentRange);
        assertEquals("bytes=1024-2047", second.range());
        assertEquals("http://example.com/v#slice=1", second.key());
        assertEquals(Slice.at("http://example.com/v", 2047, 1024), second);
    }
}

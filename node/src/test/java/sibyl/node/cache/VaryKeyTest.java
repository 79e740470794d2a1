package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sibyl.node.cache.FreshnessTest.headers;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class VaryKeyTest {

    @Test
    void fieldsAreLowerCasedSortedAndUnique() {
        HttpHeaders response = headers("Vary", "Accept-Encoding, User-Agent", "Vary", "accept-encoding,Accept-Language");

        assertEquals(List.of("accept-encoding", "accept-language", "user-agent"), VaryKey.fields(response));
    }

    @Test
    void withoutVaryEveryRequestSharesTheKey() {
        assertEquals(VaryKey.NONE, VaryKey.of(VaryKey.fields(headers()), headers("Accept-Encoding", "gzip")));
    }

    @Test
    void requestsDifferingOnlyInWhitespaceOrLineSplittingShareAVariant() {
        List<String> fields = List.of("accept-encoding");

        String a = VaryKey.of(fields, headers("Accept-Encoding", "gzip, br"));
        String b = VaryKey.of(fields, headers("Accept-Encoding", "gzip ,  br"));
        String c = VaryKey.of(fields, headers("Accept-Encoding", "gzip", "Accept-Encoding", "br"));

        assertEquals(a, b);
        assertEquals(a, c);
    }

    @Test
    void differentValuesAreDifferentVariants() {
        List<String> fields = List.of("accept-encoding");

        assertNotEquals(VaryKey.of(fields, headers("Accept-Encoding", "gzip")),
                VaryKey.of(fields, headers("Accept-Encoding", "br")));
    }

    @Test
    void aMissingFieldDiffersFromAnEmptyOne() {
        List<String> fields = List.of("accept-language");

        assertNotEquals(VaryKey.of(fields, headers()), VaryKey.of(fields, headers("Accept-Language", "")));
    }

    @Test
    void headerNamesInTheRequestAreCaseInsensitive() {
        List<String> fields = List.of("accept-language");

        assertEquals(VaryKey.of(fields, headers("accept-language", "en")),
                VaryKey.of(fields, headers("ACCEPT-LANGUAGE", "en")));
    }

    @Test
    void varyStarIsSeen() {
        assertTrue(VaryKey.varyAny(headers("Vary", "Accept, *")));
        assertFalse(VaryKey.varyAny(headers("Vary", "Accept")));
    }
}

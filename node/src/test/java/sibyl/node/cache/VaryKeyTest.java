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

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "accept-encoding | gzip, br | br,gzip",
        "accept-encoding | GZIP, Br | gzip, br",
        "accept-encoding | gzip;q=1.0, br | br;q=1, gzip",
        "accept-encoding | gzip; q=0.50, br;q=0.8 | br;q=0.800,gzip;q=0.5",
        "accept-encoding | gzip, gzip, br | br, gzip",
        "accept-language | en-GB, fr;q=0.5 | fr ; q=0.5 , EN-gb",
        "accept-language | de;q=0.7, en;q=0.7 | en;q=0.7, de;q=0.70",
    })
    void acceptEncodingAndLanguageShareAVariantWhenTheyMeanTheSame(String field, String one, String other) {
        List<String> fields = List.of(field);

        assertEquals(VaryKey.of(fields, headers(field, one)), VaryKey.of(fields, headers(field, other)));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "accept-encoding | gzip | gzip;q=0", // q=0: not acceptable
        "accept-encoding | gzip, br;q=0.5 | gzip;q=0.5, br",
        "accept-encoding | gzip | gzip;q=2", // not a qvalue: kept as written
        "accept-language | en, fr | en",
        "accept-language | en-gb | en",
    })
    void acceptValuesThatMeanSomethingElseDoNot(String field, String one, String other) {
        List<String> fields = List.of(field);

        assertNotEquals(VaryKey.of(fields, headers(field, one)), VaryKey.of(fields, headers(field, other)));
    }

    @Test
    void otherFieldsKeepTheirCaseAndOrder() {
        List<String> fields = List.of("user-agent");

        assertNotEquals(VaryKey.of(fields, headers("User-Agent", "A, B")), VaryKey.of(fields, headers("User-Agent", "B, A")));
        assertNotEquals(VaryKey.of(fields, headers("User-Agent", "a")), VaryKey.of(fields, headers("User-Agent", "A")));
    }

    @Test
    void varyStarIsSeen() {
        assertTrue(VaryKey.varyAny(headers("Vary", "Accept, *")));
        assertFalse(VaryKey.varyAny(headers("Vary", "Accept")));
    }
}

package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDateTest {
    private static final long SUNDAY = Instant.parse("1994-11-06T08:49:37Z").toEpochMilli();

    @ParameterizedTest
    @ValueSource(strings = {
        "Sun, 06 Nov 1994 08:49:37 GMT", // IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT", // RFC 850
        "Sun Nov  6 08:49:37 1994", // asctime, a one-digit day after a space
        "Sun Nov 06 08:49:37 1994", // asctime, a two-digit day
        "Mon, 06 Nov 1994 08:49:37 GMT", // a day name that is not the date's: the RFC only asks for a name
    })
    void theThreeFormsOfRfc9110(String value) {
        assertEquals(SUNDAY, HttpDate.parse(value).getTime(), value);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Sun, 06 Nov 1994 08:49:37 UTC", // a zone other than GMT
        "Sun, 06 Nov 1994 08:49:37 AEST",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 06 Nov 94 08:49:37 GMT", // a two-digit year in the IMF form
        "Sun 06 Nov 1994 08:49:37 GMT", // no comma
        "Sun,  06 Nov 1994 08:49:37 GMT", // several spaces
        "Sun, 06 Nov 1994  08:49:37 GMT",
        "Sun, 06-Nov-1994 08:49:37 GMT", // dashes in the IMF form
        "Sun, 06 Nov 1994 8:49:37 GMT", // a one-digit hour
        "Sun, 6 Nov 1994 08:49:37 GMT", // a one-digit day in the IMF form
        "Sun, 06 nov 1994 08:49:37 GMT", // the month's case
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", // two dates in one line
        "Sun, 06 Nov 1994 08:49:37 GMT ", // trailing space
        "Sun, 31 Feb 1994 08:49:37 GMT", // no such day
        "Sun, 06 Nov 1994 24:00:00 GMT", // no such hour
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Xyz 1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT", // RFC 850 with a four-digit year
        "Sundae, 06-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994", // asctime with one space before a one-digit day
        "Sun Nov  6 08:49:37 94",
        "0",
        "-1",
        "",
        "tomorrow",
        "1994-11-06T08:49:37Z",
    })
    void anythingElseIsNotADate(String value) {
        assertNull(HttpDate.parse(value), value);
    }

    @org.junit.jupiter.api.Test
    void aLeapSecondIsTheSecondBefore() {
        assertEquals(Instant.parse("1998-12-31T23:59:59Z").toEpochMilli(),
                HttpDate.parse("Thu, 31 Dec 1998 23:59:60 GMT").getTime());
    }

    @org.junit.jupiter.api.Test
    void anRfc850YearMoreThanFiftyYearsAheadIsInThePastCentury() {
        int year = java.time.LocalDate.now(java.time.ZoneOffset.UTC).getYear();
        int ahead = (year + 51) % 100;
        String value = String.format("Sunday, 06-Nov-%02d 08:49:37 GMT", ahead);

        assertEquals(year + 51 - 100, HttpDate.parse(value).toInstant().atZone(java.time.ZoneOffset.UTC).getYear(), value);
    }
}

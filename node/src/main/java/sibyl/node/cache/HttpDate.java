package sibyl.node.cache;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;

/**
 * HTTP-dates (RFC 9110 section 5.6.7) as they arrive in header fields, from anyone: exactly the
 * three forms the RFC names, nothing looser. A date in another form is not a date (an Expires
 * in it means "already expired"), because a lenient parser turns an origin's mistake into a
 * freshness it never gave: {@code Expires: Sun, 06 Nov 94 08:49:37 UTC} is not a date.
 *
 * <ul>
 * <li>IMF-fixdate: {@code Sun, 06 Nov 1994 08:49:37 GMT}
 * <li>RFC 850 (obsolete): {@code Sunday, 06-Nov-94 08:49:37 GMT}
 * <li>asctime (obsolete): {@code Sun Nov  6 08:49:37 1994}
 * </ul>
 *
 * Names are matched case-sensitively, as the grammar spells them; the day name is not checked
 * against the date (the RFC only asks for a valid name). A leap second (60) is read as 59.
 */
public final class HttpDate {
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] LONG_DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
        "Sunday"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
        "Dec"};

    private HttpDate() {}

    /**
     * The date of a field value in one of the three forms, or null if it is not one: a value
     * that is not a date is the sender's mistake, which each caller treats as RFC 9111 says
     * (an invalid Expires is in the past, an invalid Date is ignored), never an exception.
     */
    public static Date parse(String value) {
        if (value == null) {
            return null;
        }
        Long millis = switch (value.length()) {
            case 29 -> imfFixdate(value);
            case 24 -> asctime(value);
            default -> rfc850(value);
        };
        return millis == null ? null : new Date(millis);
    }

    /** {@code Sun, 06 Nov 1994 08:49:37 GMT} */
    private static Long imfFixdate(String v) {
        if (!isDay(v, 0, 3) || v.charAt(3) != ',' || v.charAt(4) != ' ' || v.charAt(7) != ' ' || v.charAt(11) != ' '
                || v.charAt(16) != ' ' || !v.startsWith(" GMT", 25)) {
            return null;
        }
        return millis(digits(v, 12, 4), month(v, 8), digits(v, 5, 2), v, 17);
    }

    /** {@code Sunday, 06-Nov-94 08:49:37 GMT}: a two-digit year (section 5.6.7's 50-year rule). */
    private static Long rfc850(String v) {
        int comma = v.indexOf(',');
        if (comma < 6 || v.length() != comma + 24 || !isLongDay(v, comma) || v.charAt(comma + 1) != ' '
                || v.charAt(comma + 4) != '-' || v.charAt(comma + 8) != '-' || v.charAt(comma + 11) != ' '
                || !v.startsWith(" GMT", comma + 20)) {
            return null;
        }
        int shortYear = digits(v, comma + 9, 2);
        if (shortYear < 0) {
            return null;
        }
        // "A timestamp that appears to be more than 50 years in the future" is in the past century.
        int thisYear = LocalDate.now(ZoneOffset.UTC).getYear();
        int year = thisYear / 100 * 100 + shortYear;
        if (year > thisYear + 50) {
            year -= 100;
        }
        return millis(year, month(v, comma + 5), digits(v, comma + 2, 2), v, comma + 12);
    }

    /** {@code Sun Nov  6 08:49:37 1994}: the day is two digits, or a space and one digit. */
    private static Long asctime(String v) {
        if (!isDay(v, 0, 3) || v.charAt(3) != ' ' || v.charAt(7) != ' ' || v.charAt(10) != ' ' || v.charAt(19) != ' ') {
            return null;
        }
        int day = v.charAt(8) == ' ' ? digits(v, 9, 1) : digits(v, 8, 2);
        return millis(digits(v, 20, 4), month(v, 4), day, v, 11);
    }

    /** The instant of a date and the {@code HH:MM:SS} at {@code time}, or null if any part is invalid. */
    private static Long millis(int year, int month, int day, String v, int time) {
        if (v.charAt(time + 2) != ':' || v.charAt(time + 5) != ':') {
            return null;
        }
        int hour = digits(v, time, 2);
        int minute = digits(v, time + 3, 2);
        int second = digits(v, time + 6, 2);
        if (year < 0 || month < 0 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 60) {
            return null;
        }
        try {
            return LocalDate.of(year, month, day).atTime(hour, minute, Math.min(second, 59))
                    .toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeException e) {
            return null; // 31 Feb and the like
        }
    }

    /** The number of {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String v, int from, int count) {
        int n = 0;
        for (int i = from; i < from + count; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** The month (1-12) named by the three letters at {@code from}, or -1. */
    private static int month(String v, int from) {
        for (int m = 0; m < MONTHS.length; m++) {
            if (v.startsWith(MONTHS[m], from)) {
                return m + 1;
            }
        }
        return -1;
    }

    private static boolean isDay(String v, int from, int length) {
        for (String day : DAYS) {
            if (v.startsWith(day, from) && day.length() == length) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLongDay(String v, int length) {
        for (String day : LONG_DAYS) {
            if (day.length() == length && v.startsWith(day)) {
                return true;
            }
        }
        return false;
    }
}

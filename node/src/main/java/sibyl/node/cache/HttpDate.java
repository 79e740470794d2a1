package sibyl.node.cache;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;

/** HTTP-dates (RFC 9110 section 5.6.7) as they arrive in header fields, from anyone. */
public final class HttpDate {
    /** Netty's parser throws, rather than answering null, for anything longer. */
    private static final int LONGEST = 64;

    private HttpDate() {}

    /**
     * The date of a field value in any of the three formats, or null if it is not one: a value
     * that is not a date is the sender's mistake, which each caller treats as RFC 9111 says
     * (an invalid Expires is in the past, an invalid Date is ignored), never an exception.
     */
    public static Date parse(String value) {
        if (value == null || value.length() > LONGEST) {
            return null;
        }
        return DateFormatter.parseHttpDate(value);
    }
}

package sibyl.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Date;
import java.util.List;
import sibyl.node.cache.HttpDate;

/**
 * A client's conditional and range fields, evaluated against a stored 200 response (RFC 9110
 * sections 13 and 14): If-None-Match (weak comparison), If-Modified-Since (only without
 * If-None-Match), If-Range, and a single byte range. Several ranges are answered with the whole
 * response, as RFC 9110 allows.
 */
final class Conditionals {
    /** {@link #byteRange}'s answer for a range that starts past the end. */
    static final long[] UNSATISFIABLE = new long[0];

    /** What a 304 keeps of the stored fields (RFC 9110 section 15.4.5), besides Age, Via, X-Cache. */
    private static final List<CharSequence> NOT_MODIFIED_FIELDS = List.of(HttpHeaderNames.CACHE_CONTROL,
            HttpHeaderNames.CONTENT_LOCATION, HttpHeaderNames.DATE, HttpHeaderNames.ETAG, HttpHeaderNames.EXPIRES,
            HttpHeaderNames.VARY, HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.AGE, HttpHeaderNames.VIA, "X-Cache");

    private Conditionals() {}

    /** Whether the request's conditionals say the client's copy is current. */
    static boolean notModified(HttpHeaders request, HttpHeaders stored) {
        List<String> noneMatch = request.getAll(HttpHeaderNames.IF_NONE_MATCH);
        if (!noneMatch.isEmpty()) {
            String etag = stored.get(HttpHeaderNames.ETAG);
            for (String line : noneMatch) {
                for (String tag : line.split(",")) {
                    String candidate = tag.strip();
                    if (candidate.equals("*") || (etag != null && weakEquals(candidate, etag.strip()))) {
                        return true;
                    }
                }
            }
            return false;
        }
        String since = request.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        if (since == null) {
            return false;
        }
        Date sinceDate = HttpDate.parse(since);
        String modified = stored.get(HttpHeaderNames.LAST_MODIFIED);
        if (modified == null) {
            modified = stored.get(HttpHeaderNames.DATE);
        }
        Date modifiedDate = modified == null ? null : HttpDate.parse(modified);
        return sinceDate != null && modifiedDate != null && !modifiedDate.after(sinceDate);
    }

    private static boolean weakEquals(String a, String b) {
        return opaque(a).equals(opaque(b));
    }

    private static String opaque(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }

    static void keepNotModifiedFields(HttpHeaders headers) {
        for (String name : List.copyOf(headers.names())) {
            boolean keep = false;
            for (CharSequence field : NOT_MODIFIED_FIELDS) {
                keep |= field.toString().equalsIgnoreCase(name);
            }
            if (!keep) {
                headers.remove(name);
            }
        }
    }

    /** Whether a Range field should be honoured: present, and If-Range (if any) matches. */
    static boolean rangeApplies(HttpHeaders request, HttpHeaders stored) {
        if (!request.contains(HttpHeaderNames.RANGE)) {
            return false;
        }
        String ifRange = request.get(HttpHeaderNames.IF_RANGE);
        if (ifRange == null) {
            return true;
        }
        String validator = ifRange.strip();
        if (validator.startsWith("\"")) {
            String etag = stored.get(HttpHeaderNames.ETAG);
            return etag != null && validator.equals(etag.strip()); // strong comparison (RFC 9110 13.1.5)
        }
        String modified = stored.get(HttpHeaderNames.LAST_MODIFIED);
        return modified != null && modified.strip().equals(validator);
    }

    /**
     * The single byte range of a Range field as {offset, length}; {@link #UNSATISFIABLE}; or null
     * when the field is not one range of bytes, which means the whole response is sent.
     */
    static long[] byteRange(String field, long length) {
        String value = field.strip();
        if (!value.regionMatches(true, 0, "bytes=", 0, 6) || value.indexOf(',') >= 0) {
            return null;
        }
        String spec = value.substring(6).strip();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String first = spec.substring(0, dash).strip();
            String last = spec.substring(dash + 1).strip();
            if (first.isEmpty()) {
                long suffix = Long.parseLong(last);
                if (suffix <= 0) {
                    return suffix == 0 ? UNSATISFIABLE : null;
                }
                long take = Math.min(suffix, length);
                return length == 0 ? UNSATISFIABLE : new long[] {length - take, take};
            }
            long start = Long.parseLong(first);
            long end = last.isEmpty() ? length - 1 : Math.min(Long.parseLong(last), length - 1);
            if (start < 0 || (!last.isEmpty() && Long.parseLong(last) < start)) {
                return null;
            }
            if (start >= length) {
                return UNSATISFIABLE;
            }
            return new long[] {start, end - start + 1};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}

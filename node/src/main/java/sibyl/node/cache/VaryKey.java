package sibyl.node.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The secondary cache key of a response with Vary (RFC 9111 section 4.1): the request's values of
 * the header fields the response varies on, normalised so that requests that differ only in
 * whitespace or in how field lines were split share a variant.
 */
public final class VaryKey {
    /** The key of a response without Vary: every request matches it. */
    public static final String NONE = "";

    private VaryKey() {}

    /** Whether the response carries {@code Vary: *}: it can never be reused. */
    public static boolean varyAny(HttpHeaders responseHeaders) {
        for (String field : fields(responseHeaders)) {
            if (field.equals("*")) {
                return true;
            }
        }
        return false;
    }

    /** The header names the response varies on: lower-cased, sorted, without duplicates. */
    public static List<String> fields(HttpHeaders responseHeaders) {
        TreeSet<String> names = new TreeSet<>();
        for (String line : responseHeaders.getAll(HttpHeaderNames.VARY)) {
            for (String name : line.split(",")) {
                String trimmed = name.strip().toLowerCase(Locale.ROOT);
                if (!trimmed.isEmpty()) {
                    names.add(trimmed);
                }
            }
        }
        return List.copyOf(names);
    }

    /**
     * The variant of {@code requestHeaders} for a response varying on {@code fields}: each field
     * name with the request's values, its lines joined, list elements trimmed and inner runs of
     * whitespace collapsed; a missing field differs from an empty one. {@code Accept-Encoding}
     * and {@code Accept-Language} are compared as what they mean ({@link #preferences}).
     */
    public static String of(List<String> fields, HttpHeaders requestHeaders) {
        if (fields.isEmpty()) {
            return NONE;
        }
        StringBuilder key = new StringBuilder();
        for (String field : fields) {
            key.append(field).append(':');
            List<String> lines = requestHeaders.getAll(field);
            if (lines.isEmpty()) {
                key.append('\u0000'); // absent: distinct from any value, the empty one included
            } else if (field.equals("accept-encoding") || field.equals("accept-language")) {
                key.append(preferences(lines));
            } else {
                boolean first = true;
                for (String line : lines) {
                    for (String element : line.split(",")) {
                        String normalised = collapsed(element);
                        if (!normalised.isEmpty()) {
                            key.append(first ? "" : ",").append(normalised);
                            first = false;
                        }
                    }
                }
            }
            key.append('\n');
        }
        return key.toString();
    }

    /**
     * A list of weighted tokens ({@code gzip;q=0.8, br}) as what it means: case, whitespace and
     * order of elements of one weight do not matter, nor how a weight is written ({@code q=1},
     * {@code q=1.000}, none). So {@code "GZIP, br"} and {@code "br,gzip;q=1"} share a variant.
     * Elements are sorted by weight, then name; {@code q=0} (not acceptable) is kept, as it says
     * something. An element whose weight is not a valid qvalue is kept as written, lower-cased.
     */
    static String preferences(List<String> lines) {
        TreeSet<Preference> elements = new TreeSet<>();
        for (String line : lines) {
            for (String element : line.split(",")) {
                String compact = compact(element);
                if (!compact.isEmpty()) {
                    elements.add(Preference.of(compact));
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (Preference element : elements) {
            out.append(out.length() == 0 ? "" : ",").append(element.token());
            if (element.weight() >= 0 && element.weight() < 1000) {
                out.append(";q=").append(element.weight());
            }
        }
        return out.toString();
    }

    /** One element of a weighted list: a token and its weight in thousandths, or -1 for a weight not understood. */
    private record Preference(String token, int weight) implements Comparable<Preference> {
        static Preference of(String compact) {
            int semicolon = compact.indexOf(';');
            if (semicolon < 0) {
                return new Preference(compact, 1000);
            }
            int weight = qvalue(compact.substring(semicolon + 1));
            return weight < 0 ? new Preference(compact, -1) : new Preference(compact.substring(0, semicolon), weight);
        }

        @Override
        public int compareTo(Preference other) {
            int byWeight = Integer.compare(other.weight, weight);
            return byWeight != 0 ? byWeight : token.compareTo(other.token);
        }
    }

    /** {@code q=0.5} as thousandths (500); -1 if the parameters are not exactly one valid qvalue. */
    private static int qvalue(String parameters) {
        if (!parameters.startsWith("q=") || parameters.length() < 3 || parameters.length() > 7) {
            return -1;
        }
        char whole = parameters.charAt(2);
        if (whole != '0' && whole != '1') {
            return -1;
        }
        int thousandths = (whole - '0') * 1000;
        if (parameters.length() > 3) {
            if (parameters.charAt(3) != '.') {
                return -1;
            }
            int scale = 100;
            for (int i = 4; i < parameters.length(); i++, scale /= 10) {
                char c = parameters.charAt(i);
                if (c < '0' || c > '9' || whole == '1' && c != '0') {
                    return -1;
                }
                thousandths += (c - '0') * scale;
            }
        }
        return thousandths;
    }

    /** The element lower-cased, without any whitespace. */
    private static String compact(String element) {
        StringBuilder out = new StringBuilder(element.length());
        for (int i = 0; i < element.length(); i++) {
            char c = element.charAt(i);
            if (c != ' ' && c != '\t') {
                out.append(Character.toLowerCase(c));
            }
        }
        return out.toString();
    }

    /** The element trimmed, each inner run of spaces and tabs one space. */
    private static String collapsed(String element) {
        String stripped = element.strip();
        StringBuilder out = new StringBuilder(stripped.length());
        boolean space = false;
        for (int i = 0; i < stripped.length(); i++) {
            char c = stripped.charAt(i);
            if (c == ' ' || c == '\t') {
                space = true;
            } else {
                if (space) {
                    out.append(' ');
                    space = false;
                }
                out.append(c);
            }
        }
        return out.toString();
    }
}
